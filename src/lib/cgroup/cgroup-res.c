/* SPDX-License-Identifier: Apache-2.0 */
/* Resource writers whose files differ between v1 and v2 only in their names. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"

static int check_page_size(const char *ps, size_t i, tong_err **err)
{
        size_t n = strlen(ps);
        bool ok = n > 0 && n < 16;

        for (size_t k = 0; ok && k < n; k++)
                ok = isalnum((unsigned char)ps[k]);
        if (!ok)
                return tong_err_set(err, EINVAL,
                                    "linux.resources.hugepageLimits[%zu].pageSize: invalid "
                                    "\"%s\"",
                                    i, ps);
        return 0;
}

int cg_apply_hugetlb(const cg_hier *h, const tong_hugepage_limit *l, size_t n,
                     const char *limit_suffix, tong_err **err)
{
        bool rsvd = true;
        int r;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *f = NULL, *fr = NULL;

                r = check_page_size(l[i].page_size, i, err);
                if (r < 0)
                        return r;
                f = xasprintf("hugetlb.%s.%s", l[i].page_size, limit_suffix);
                if (!cg_has_file(h, f)) {
                        _cleanup_free_ char *p = cg_file_path(h, f);

                        return tong_err_set(err, EINVAL,
                                            "linux.resources.hugepageLimits[%zu]: page size "
                                            "\"%s\" is not supported here (no %s)",
                                            i, l[i].page_size, p);
                }
                r = cg_writef(h, f, err, "%" PRIu64, l[i].limit);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.hugepageLimits[%zu]", i);
                /* Reservations (Linux 5.7+) are limited alongside, so a mapping cannot
                 * reserve more than it may fault in. */
                fr = xasprintf("hugetlb.%s.rsvd.%s", l[i].page_size, limit_suffix);
                if (!rsvd || !cg_has_file(h, fr)) {
                        rsvd = false;
                        continue;
                }
                r = cg_writef(h, fr, err, "%" PRIu64, l[i].limit);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.hugepageLimits[%zu]", i);
        }
        return 0;
}

int cg_apply_rdma(const cg_hier *h, const tong_rdma *rd, size_t n, tong_err **err)
{
        int r;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *v = NULL;

                if (!rd[i].has_hca_handles && !rd[i].has_hca_objects)
                        continue;
                if (!*rd[i].device || strpbrk(rd[i].device, " \n="))
                        return tong_err_set(err, EINVAL,
                                            "linux.resources.rdma: invalid device name \"%s\"",
                                            rd[i].device);
                v = xasprintf("%s", rd[i].device);
                if (rd[i].has_hca_handles) {
                        char *o = v;

                        v = xasprintf("%s hca_handle=%" PRIu32, o, rd[i].hca_handles);
                        free(o);
                }
                if (rd[i].has_hca_objects) {
                        char *o = v;

                        v = xasprintf("%s hca_object=%" PRIu32, o, rd[i].hca_objects);
                        free(o);
                }
                r = cg_write(h, "rdma.max", v, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.rdma[\"%s\"]",
                                               rd[i].device);
        }
        return 0;
}

char *cg_devnum(int64_t major, int64_t minor)
{
        char a[24], b[24];

        if (major < 0)
                snprintf(a, sizeof(a), "*");
        else
                snprintf(a, sizeof(a), "%" PRId64, major);
        if (minor < 0)
                snprintf(b, sizeof(b), "*");
        else
                snprintf(b, sizeof(b), "%" PRId64, minor);
        return xasprintf("%s:%s", a, b);
}

/* Always allowed (runc's AllowedDevices; tun came back in runc 1.2.4 by popular demand). */
static const tong_device_rule default_rules[] = {
        { .allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m" },
        { .allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m" },
        { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },    /* null */
        { .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm" },    /* zero */
        { .allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },    /* full */
        { .allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm" },    /* random */
        { .allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm" },    /* urandom */
        { .allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm" },    /* tty */
        { .allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm" },    /* console */
        { .allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm" },    /* ptmx */
        { .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm" }, /* pts */
        { .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rwm" }, /* tun */
};

void tong_cgroup_device_rules(const tong_resources *res, const tong_device *devices, size_t n,
                              tong_device_rule **ret, size_t *ret_n)
{
        size_t n_res = res ? res->n_devices : 0, k = 0;
        tong_device_rule *out = xcalloc(n_res + ELEMENTSOF(default_rules) + n + 1, sizeof(*out));

        for (size_t i = 0; i < n_res; i++)
                out[k++] = res->devices[i];
        for (size_t i = 0; i < ELEMENTSOF(default_rules); i++)
                out[k++] = default_rules[i];
        for (size_t i = 0; i < n; i++) {
                const tong_device *d = &devices[i];

                if (!d->has_major_minor || (d->type != 'c' && d->type != 'u' && d->type != 'b'))
                        continue; /* fifos need no device-cgroup rule */
                out[k++] = (tong_device_rule){ .allow = true,
                                               .type = d->type == 'b' ? 'b' : 'c',
                                               .major = d->major,
                                               .minor = d->minor,
                                               .access = "rwm" };
        }
        *ret = out;
        *ret_n = k;
}
