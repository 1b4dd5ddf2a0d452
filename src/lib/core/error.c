/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tong/error.h"
#include "core/alloc.h"
#include "core/macro.h"

static int err_store(tong_err **err, int errnum, char *msg)
{
        if (errnum <= 0)
                errnum = EIO;
        if (!err) {
                free(msg);
                return -errnum;
        }
        /* A second error must never silently replace (and leak) the first. */
        assert(*err == NULL);
        *err = xmalloc(sizeof(**err));
        (*err)->errnum = errnum;
        (*err)->msg = msg;
        return -errnum;
}

int tong_err_set(tong_err **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        return err_store(err, errnum, msg);
}

int tong_err_sys(tong_err **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        char *ctx, *msg;

        if (errnum <= 0)
                errnum = EIO;
        va_start(ap, fmt);
        ctx = xvasprintf(fmt, ap);
        va_end(ap);
        msg = xasprintf("%s: %s", ctx, strerror(errnum));
        free(ctx);
        return err_store(err, errnum, msg);
}

int tong_err_prefix(tong_err **err, int r, const char *fmt, ...)
{
        va_list ap;
        char *ctx, *msg;

        if (!err || !*err)
                return r;
        va_start(ap, fmt);
        ctx = xvasprintf(fmt, ap);
        va_end(ap);
        msg = xasprintf("%s: %s", ctx, (*err)->msg);
        free(ctx);
        free((*err)->msg);
        (*err)->msg = msg;
        return r;
}

int tong_err_take(tong_err **err, int errnum, char *msg)
{
        return err_store(err, errnum, msg);
}

tong_err *tong_err_free(tong_err *e)
{
        if (e) {
                free(e->msg);
                free(e);
        }
        return NULL;
}
