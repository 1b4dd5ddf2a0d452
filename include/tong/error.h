/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * tong's one error contract.  Every fallible library function:
 *   - returns >= 0 on success and leaves *err untouched;
 *   - returns a negative errno value (-EINVAL, -ENOENT, ...) on failure and,
 *     if err != NULL, stores a new tong_err in *err (which must be NULL on entry);
 *   - never prints and never exits.  Only src/cli/ turns a tong_err into output.
 * The caller owns *err and releases it with tong_err_free() / _cleanup_(tong_err_freep).
 *
 * Messages read outermost context first: "container `web`: open root.path: No such file".
 */

typedef struct tong_err {
        int errnum; /* positive errno value */
        char *msg;
} tong_err;

/* A failure that is not a syscall error: validation, protocol, unsupported. */
int tong_err_set(tong_err **err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A failed call: same, and appends ": <strerror(errnum)>". */
int tong_err_sys(tong_err **err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prepend "<ctx>: " to *err (if any) and return r, for `return tong_err_prefix(err, r, ...)`. */
int tong_err_prefix(tong_err **err, int r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Move an error received from elsewhere (e.g. the container init) into *err. */
int tong_err_take(tong_err **err, int errnum, char *msg);

tong_err *tong_err_free(tong_err *e); /* accepts NULL, returns NULL */

static inline void tong_err_freep(tong_err **e)
{
        *e = tong_err_free(*e);
}
