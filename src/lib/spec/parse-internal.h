/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The table-driven parser shared by parse*.c (not for other modules).
 *
 * A parse context carries the JSON path of the value being parsed ("process.rlimits[0]"),
 * grown and shrunk as the walk descends, so every error names the exact place without
 * re-formatting on the way up.  Field parsers get the JSON value (type already checked)
 * and a pointer into the destination struct.
 */
#include <stddef.h>

#include "core/json.h"
#include "spec/spec.h"

typedef struct sp_ctx {
        char *path;
        size_t len, cap;
        tong_err **err;
} sp_ctx;

typedef int (*sp_fn)(sp_ctx *c, const tong_json *v, void *dst);

typedef struct sp_field {
        const char *key;
        tong_json_type type; /* checked before .parse runs */
        sp_fn parse;
        size_t offset;     /* of the destination inside the struct */
        size_t has_offset; /* offset + 1 of a `bool has_*` set on success; 0 = none */
        bool required;
} sp_field;

/* Field table entries: plain, with a has_* flag, required. */
#define SP_F(k, t, fn, st, m)                             \
        {                                                 \
                (k), (t), (fn), offsetof(st, m), 0, false \
        }
#define SP_FH(k, t, fn, st, m, h)                                           \
        {                                                                   \
                (k), (t), (fn), offsetof(st, m), offsetof(st, h) + 1, false \
        }
#define SP_FR(k, t, fn, st, m)                           \
        {                                                \
                (k), (t), (fn), offsetof(st, m), 0, true \
        }
#define SP_END                                          \
        {                                               \
                NULL, TONG_JSON_NULL, NULL, 0, 0, false \
        }

void sp_init(sp_ctx *c, const char *root, tong_err **err);
void sp_done(sp_ctx *c);

/* Path handling: push returns the length to pass to sp_pop. */
size_t sp_push_key(sp_ctx *c, const char *key);
size_t sp_push_index(sp_ctx *c, size_t i);
size_t sp_push_mapkey(sp_ctx *c, const char *key); /* ["key"] */
void sp_pop(sp_ctx *c, size_t len);

/* Set *c->err to "<path>: <message>" and return -errnum. */
int sp_error(sp_ctx *c, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "expected an integer, got string". */
int sp_type_error(sp_ctx *c, tong_json_type want, const tong_json *v);

/* "unknown <what> \"<s>\"". */
int sp_unknown(sp_ctx *c, const char *what, const char *s);
/* A string quoted for messages: "..." with escapes, long ones shortened.  Caller frees. */
char *sp_quote(const char *s);

int sp_object(sp_ctx *c, const tong_json *obj, const sp_field *table, void *dst);

/* Arrays: the destination (*ret, *n) is set before the elements are parsed, so a failure
 * halfway leaves a partly filled array that the owner's free function releases. */
int sp_array(sp_ctx *c, const tong_json *v, size_t elem_size, size_t max, sp_fn elem, void **ret,
             size_t *n);
int sp_array_obj(sp_ctx *c, const tong_json *v, size_t elem_size, size_t max, const sp_field *table,
                 void **ret, size_t *n);

/* Typed leaf parsers (dst type in the name). */
int sp_string(sp_ctx *c, const tong_json *v, void *dst);          /* char ** (dup) */
int sp_string_get(sp_ctx *c, const tong_json *v, const char **s); /* borrowed, NUL-checked */
int sp_strv(sp_ctx *c, const tong_json *v, void *dst);            /* char *** */
int sp_bool(sp_ctx *c, const tong_json *v, void *dst);            /* bool * */
int sp_u64(sp_ctx *c, const tong_json *v, void *dst);
int sp_i64(sp_ctx *c, const tong_json *v, void *dst);
int sp_u32(sp_ctx *c, const tong_json *v, void *dst);
int sp_i32(sp_ctx *c, const tong_json *v, void *dst); /* int32_t * (also int *) */
int sp_u16(sp_ctx *c, const tong_json *v, void *dst);
/* Arrays of flag names folded into one value: one() ORs each element into dst. */
int sp_each(sp_ctx *c, const tong_json *v, sp_fn one, void *dst);
int sp_kv_map(sp_ctx *c, const tong_json *v, tong_kv **ret, size_t *n); /* string -> string */
/* An object of objects: each member becomes an element whose char * at key_offset is the key. */
int sp_obj_map(sp_ctx *c, const tong_json *v, size_t elem_size, size_t key_offset,
               const sp_field *table, void **ret, size_t *n);
int sp_idmaps(sp_ctx *c, const tong_json *v, tong_idmap **ret, size_t *n);

/* parse-process.c, parse-linux.c, parse-resources.c */
int sp_process(sp_ctx *c, const tong_json *v, void *dst);   /* tong_process * */
int sp_linux(sp_ctx *c, const tong_json *v, void *dst);     /* tong_linux * */
int sp_resources(sp_ctx *c, const tong_json *v, void *dst); /* tong_resources * */

/* Reject what json-c would accept silently: raw NUL bytes, "\u0000" in property names. */
int sp_check_raw(const char *buf, size_t len, tong_err **err);
