/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which hierarchies exist, where they are mounted and where the runtime itself sits in
 * them: /proc/self/cgroup paired with /proc/self/mountinfo.  Pure string work, so the unit
 * tests can feed it any layout (pure v2, v1, hybrid, cgroup namespaces).
 */
#include <errno.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"

static const struct {
        const char *v1, *v2;
} ctrl_names[_CG_CTRL_MAX] = {
        [CG_CPU] = { "cpu", "cpu" },
        [CG_CPUACCT] = { "cpuacct", NULL },
        [CG_CPUSET] = { "cpuset", "cpuset" },
        [CG_MEMORY] = { "memory", "memory" },
        [CG_DEVICES] = { "devices", NULL },
        [CG_FREEZER] = { "freezer", NULL },
        [CG_BLKIO] = { "blkio", "io" },
        [CG_PIDS] = { "pids", "pids" },
        [CG_HUGETLB] = { "hugetlb", "hugetlb" },
        [CG_NET_CLS] = { "net_cls", NULL },
        [CG_NET_PRIO] = { "net_prio", NULL },
        [CG_RDMA] = { "rdma", "rdma" },
        [CG_MISC] = { "misc", "misc" },
        [CG_PERF_EVENT] = { "perf_event", "perf_event" },
};

const char *cg_ctrl_name_v1(cg_ctrl c)
{
        return c < _CG_CTRL_MAX ? ctrl_names[c].v1 : NULL;
}

const char *cg_ctrl_name_v2(cg_ctrl c)
{
        return c < _CG_CTRL_MAX ? ctrl_names[c].v2 : NULL;
}

int cg_ctrl_from_name(const char *name, int version)
{
        for (int c = 0; c < _CG_CTRL_MAX; c++) {
                const char *n = version == 1 ? ctrl_names[c].v1 : ctrl_names[c].v2;

                if (n && streq(n, name))
                        return c;
        }
        return -1;
}

void cg_layout_free(cg_layout_entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(e[i].controllers);
                free(e[i].mountpoint);
                free(e[i].own);
        }
        free(e);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s, size_t len)
{
        char *out = xmalloc(len + 1), *o = out;

        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        *o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                      (s[i + 3] - '0'));
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = '\0';
        return out;
}

typedef struct cg_mount {
        bool v2;
        char *root, *mountpoint, *super;
} cg_mount;

static void cg_mounts_free(cg_mount *m, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(m[i].root);
                free(m[i].mountpoint);
                free(m[i].super);
        }
        free(m);
}

/* Split one mountinfo line into fields; keeps only cgroup and cgroup2 mounts. */
static void parse_mount_line(const char *line, size_t len, cg_mount **ms, size_t *n)
{
        const char *f[16];
        size_t fl[16], nf = 0, sep = 0;
        const char *p = line, *end = line + len;

        while (p < end && nf < ELEMENTSOF(f)) {
                const char *q = memchr(p, ' ', (size_t)(end - p));

                if (!q)
                        q = end;
                f[nf] = p;
                fl[nf] = (size_t)(q - p);
                if (fl[nf] == 1 && *p == '-' && !sep && nf >= 6)
                        sep = nf;
                nf++;
                p = q + 1;
        }
        /* id parent maj:min root mountpoint opts [optional...] - fstype source super */
        if (!sep || nf < sep + 4)
                return;
        bool v2 = fl[sep + 1] == 7 && !strncmp(f[sep + 1], "cgroup2", 7);
        bool v1 = fl[sep + 1] == 6 && !strncmp(f[sep + 1], "cgroup", 6);
        if (!v1 && !v2)
                return;

        cg_mount *m = xappend(ms, n, sizeof(**ms));
        m->v2 = v2;
        m->root = unescape_octal(f[3], fl[3]);
        m->mountpoint = unescape_octal(f[4], fl[4]);
        m->super = xstrndup(f[sep + 3], fl[sep + 3]);
}

static bool opts_has(const char *opts, const char *word)
{
        size_t wl = strlen(word);

        for (const char *p = opts; p;) {
                const char *c = strchr(p, ',');
                size_t l = c ? (size_t)(c - p) : strlen(p);

                if (l == wl && !strncmp(p, word, wl))
                        return true;
                p = c ? c + 1 : NULL;
        }
        return false;
}

/* A v1 mount serves the /proc/self/cgroup line whose controllers are all in its options. */
static bool mount_serves(const cg_mount *m, int version, const char *controllers)
{
        if (version == 2)
                return m->v2;
        if (m->v2 || !*controllers)
                return false;
        for (const char *p = controllers; p;) {
                const char *c = strchr(p, ',');
                _cleanup_free_ char *w = c ? xstrndup(p, (size_t)(c - p)) : xstrdup(p);

                if (!opts_has(m->super, w))
                        return false;
                p = c ? c + 1 : NULL;
        }
        return true;
}

/* `own` relative to a mount whose root is `root`, or NULL if the mount does not cover it. */
static char *own_below_root(const char *own, const char *root)
{
        size_t rl = strlen(root);

        if (streq(root, "/"))
                return xstrdup(own);
        if (strncmp(own, root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
                return NULL;
        return xstrdup(own[rl] ? own + rl : "/");
}

static void add_entry(const cg_mount *ms, size_t nm, int version, const char *controllers,
                      const char *own, cg_layout_entry **ret, size_t *n)
{
        const cg_mount *best = NULL;
        _cleanup_free_ char *best_own = NULL;

        for (size_t i = 0; i < nm; i++) {
                _cleanup_free_ char *rel = NULL;

                if (!mount_serves(&ms[i], version, controllers))
                        continue;
                rel = own_below_root(own, ms[i].root);
                if (!rel)
                        continue;
                /* The widest view wins: a mount of the hierarchy root over a bind mount. */
                if (!best || strlen(ms[i].root) < strlen(best->root)) {
                        best = &ms[i];
                        free(best_own);
                        best_own = TAKE_PTR(rel);
                }
        }
        if (!best)
                return;
        for (size_t i = 0; i < *n; i++)
                if (streq((*ret)[i].mountpoint, best->mountpoint))
                        return;

        cg_layout_entry *e = xappend(ret, n, sizeof(**ret));
        e->version = version;
        e->controllers = version == 1 ? xstrdup(controllers) : NULL;
        e->mountpoint = xstrdup(best->mountpoint);
        e->own = TAKE_PTR(best_own);
}

static int parse_mountinfo(const char *mountinfo, cg_mount **ret, size_t *ret_n)
{
        cg_mount *ms = NULL;
        size_t n = 0;

        for (const char *p = mountinfo; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);

                parse_mount_line(p, len, &ms, &n);
                p = nl ? nl + 1 : NULL;
        }
        *ret = ms;
        *ret_n = n;
        return 0;
}

int cg_layout_parse(const char *self_cgroup, const char *mountinfo, cg_layout_entry **ret,
                    size_t *ret_n, tong_err **err)
{
        cg_mount *ms = NULL;
        size_t nm = 0, n = 0;
        cg_layout_entry *es = NULL;

        parse_mountinfo(mountinfo, &ms, &nm);
        for (const char *p = self_cgroup; p && *p;) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

                p = nl ? nl + 1 : NULL;
                if (!c2 || c2[1] != '/')
                        continue;
                *c1 = *c2 = '\0';
                if (streq(line, "0") && c1 + 1 == c2)
                        add_entry(ms, nm, 2, "", c2 + 1, &es, &n);
                else if (c1 + 1 != c2)
                        add_entry(ms, nm, 1, c1 + 1, c2 + 1, &es, &n);
        }
        cg_mounts_free(ms, nm);
        if (n == 0) {
                free(es);
                return tong_err_set(err, ENOENT,
                                    "no mounted cgroup hierarchy found in /proc/self/mountinfo "
                                    "for the hierarchies in /proc/self/cgroup");
        }
        *ret = es;
        *ret_n = n;
        return 0;
}

/* Append the components of `p` to out, refusing "..". */
static int push_components(char **out, const char *p, const char *what, tong_err **err)
{
        for (const char *s = p; *s;) {
                const char *e = strchr(s, '/');
                size_t l = e ? (size_t)(e - s) : strlen(s);

                if (l == 2 && s[0] == '.' && s[1] == '.')
                        return tong_err_set(err, EINVAL,
                                            "linux.cgroupsPath: \"%s\": \"..\" is not allowed",
                                            what);
                if (l > 0 && !(l == 1 && s[0] == '.')) {
                        _cleanup_free_ char *old = *out;

                        *out = xasprintf("%s/%.*s", old ? old : "", (int)l, s);
                }
                s = e ? e + 1 : s + l;
        }
        return 0;
}

int cg_resolve_path(const char *cgroups_path, const char *own, char **ret, tong_err **err)
{
        _cleanup_free_ char *out = NULL;
        int r;

        if (!*cgroups_path)
                return tong_err_set(err, EINVAL, "linux.cgroupsPath: empty path");
        if (strchr(cgroups_path, '\n'))
                return tong_err_set(err, EINVAL, "linux.cgroupsPath: newline in \"%s\"",
                                    cgroups_path);
        if (cgroups_path[0] != '/') {
                r = push_components(&out, own, own, err);
                if (r < 0)
                        return r;
        }
        size_t base = out ? strlen(out) : 0;
        r = push_components(&out, cgroups_path, cgroups_path, err);
        if (r < 0)
                return r;
        if (!out || strlen(out) == base)
                return tong_err_set(err, EINVAL,
                                    "linux.cgroupsPath: \"%s\" names no cgroup below the "
                                    "hierarchy root",
                                    cgroups_path);
        *ret = TAKE_PTR(out);
        return 0;
}
