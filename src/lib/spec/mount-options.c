/* SPDX-License-Identifier: Apache-2.0 */
/* mounts[].options -> the MS_* / MOUNT_ATTR_* / propagation fields of tong_mount. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "core/alloc.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/strv.h"
#include "spec/names.h"
#include "spec/spec.h"

static void reset_resolved(tong_mount *m)
{
        m->flags = 0;
        m->clear_flags = 0;
        memset(m->propagation, 0, sizeof(m->propagation));
        m->n_propagation = 0;
        m->rec_attr_set = 0;
        m->rec_attr_clr = 0;
        m->bind = false;
        m->recursive = false;
        m->idmap = false;
        m->ridmap = false;
        m->tmpcopyup = false;
        free(m->data);
        m->data = NULL;
}

static int apply_option(tong_mount *m, const tong_mount_opt *o, tong_err **err)
{
        switch (o->kind) {
        case TONG_MOPT_FLAG:
                /* Later options win, as with mount(8): "ro,rw" is rw. */
                if (o->clear) {
                        m->flags &= ~o->flag;
                        m->clear_flags |= o->flag;
                } else {
                        m->flags |= o->flag;
                        m->clear_flags &= ~o->flag;
                }
                return 0;
        case TONG_MOPT_PROPAGATION:
                if (m->n_propagation >= TONG_MOUNT_MAX_PROPAGATION)
                        return tong_err_set(err, EINVAL,
                                            "more than %d propagation options (at \"%s\")",
                                            TONG_MOUNT_MAX_PROPAGATION, o->name);
                m->propagation[m->n_propagation++] = o->flag;
                return 0;
        case TONG_MOPT_REC_ATTR:
                if (o->clear) {
                        m->rec_attr_set &= ~(uint64_t)o->flag;
                        m->rec_attr_clr |= o->flag;
                } else {
                        m->rec_attr_set |= o->flag;
                        m->rec_attr_clr &= ~(uint64_t)o->flag;
                }
                return 0;
        case TONG_MOPT_REC_ATIME:
                /* mount_setattr(2): changing the atime mode needs the whole field cleared. */
                m->rec_attr_set = (m->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->flag;
                m->rec_attr_clr |= MOUNT_ATTR__ATIME;
                return 0;
        case TONG_MOPT_BIND:
                m->bind = true;
                m->flags |= o->flag;
                if (o->flag & MS_REC)
                        m->recursive = true;
                return 0;
        case TONG_MOPT_IDMAP:
                if (o->flag & MS_REC)
                        m->ridmap = true;
                else
                        m->idmap = true;
                return 0;
        case TONG_MOPT_SPECIAL:
                if (o->flag == TONG_MOPT_SPECIAL_TMPCOPYUP)
                        m->tmpcopyup = true;
                return 0;
        }
        return 0;
}

/* Filesystem-specific options are handed to mount(2) as data, in order (config.md). */
static char *join_unknown(char *const *options)
{
        size_t total = 0, len = 0;
        char *data;

        STRV_FOREACH (opt, options)
                if (**opt && !tong_mount_opt_lookup(*opt))
                        total += strlen(*opt) + 1;
        if (total == 0)
                return NULL;
        data = xmalloc(total);
        STRV_FOREACH (opt, options) {
                size_t n;

                if (!**opt || tong_mount_opt_lookup(*opt))
                        continue;
                if (len > 0)
                        data[len++] = ',';
                n = strlen(*opt);
                memcpy(data + len, *opt, n);
                len += n;
        }
        data[len] = '\0';
        return data;
}

int tong_mount_parse_options(tong_mount *m, tong_err **err)
{
        reset_resolved(m);
        if (m->type && streq(m->type, "bind")) {
                m->bind = true;
                m->flags |= MS_BIND;
        }
        STRV_FOREACH (opt, m->options) {
                const tong_mount_opt *o = tong_mount_opt_lookup(*opt);
                int r;

                if (!o)
                        continue;
                r = apply_option(m, o, err);
                if (r < 0) {
                        reset_resolved(m);
                        return r;
                }
        }
        m->data = join_unknown(m->options);
        return 0;
}
