/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layout detection, the container's paths, and dispatch to the v1/v2 drivers.  Nothing is
 * cached across processes: every tong invocation reads /proc/self/cgroup and
 * /proc/self/mountinfo once (two small reads) and one cgroup.controllers file on hosts
 * with cgroup2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"

#define MOUNTINFO_MAX (16u << 20)

static void hier_done(cg_hier *h)
{
        h->dirfd = safe_close(h->dirfd);
        free(h->mountpoint);
        free(h->controllers);
        free(h->own);
        free(h->path);
}

tong_cgroup *tong_cgroup_free(tong_cgroup *cg)
{
        if (!cg)
                return NULL;
        for (size_t i = 0; i < cg->n_hiers; i++)
                hier_done(&cg->hiers[i]);
        free(cg->hiers);
        free(cg->pub);
        free(cg->recorded);
        free(cg);
        return NULL;
}

/* "cpu,cpuacct" (v1) or "cpu io memory\n" (v2 cgroup.controllers) -> CG_BIT()s */
static uint32_t parse_ctrl_list(const char *list, const char *seps, int version)
{
        uint32_t mask = 0;

        for (const char *p = list; p && *p;) {
                size_t l = strcspn(p, seps);
                const char *e = p[l] ? p + l : NULL;
                _cleanup_free_ char *w = xstrndup(p, l);
                int c = cg_ctrl_from_name(w, version);

                if (c >= 0)
                        mask |= CG_BIT(c);
                p = e ? e + 1 : NULL;
        }
        return mask;
}

/* Give every controller to the hierarchy that has it: v1 first, cgroup2 the rest. */
static void assign_owners(tong_cgroup *cg)
{
        uint32_t v1 = 0;

        for (size_t i = 0; i < cg->n_hiers; i++) {
                cg_hier *h = &cg->hiers[i];

                if (h->version != 1)
                        continue;
                h->owns = parse_ctrl_list(h->controllers, ",", 1) & ~v1;
                v1 |= h->owns;
        }
        if (cg->v2) {
                cg_hier *h = cg->v2;
                int fd = open(h->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *buf = NULL;

                if (fd >= 0 && read_file_at(fd, "cgroup.controllers", 65536, &buf, NULL) >= 0)
                        h->avail = parse_ctrl_list(buf, " \n", 2);
                safe_close(fd);
                /* Device control (eBPF) and the freezer are built into every cgroup2. */
                h->avail |= CG_BIT(CG_DEVICES) | CG_BIT(CG_FREEZER);
                if (h->avail & CG_BIT(CG_CPU))
                        h->avail |= CG_BIT(CG_CPUACCT);
                h->owns = h->avail & ~v1;
                h->on_v1 = v1;
        }
        for (size_t i = 0; i < cg->n_hiers; i++)
                for (int c = 0; c < _CG_CTRL_MAX; c++)
                        if (cg->hiers[i].owns & CG_BIT(c))
                                cg->owner[c] = &cg->hiers[i];
}

/* One path if all hierarchies agree, else "controllers:path" lines as in /proc/self/cgroup. */
static char *make_recorded(const tong_cgroup *cg)
{
        char *out = NULL;
        bool same = true;

        for (size_t i = 1; i < cg->n_hiers; i++)
                same = same && streq(cg->hiers[i].path, cg->hiers[0].path);
        if (same)
                return xstrdup(cg->hiers[0].path);
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];
                char *old = out;

                out = xasprintf("%s%s%s:%s", old ? old : "", old ? "\n" : "",
                                h->controllers ? h->controllers : "", h->path);
                free(old);
        }
        return out;
}

static void finish(tong_cgroup *cg)
{
        cg->pub = xcalloc(cg->n_hiers, sizeof(*cg->pub));
        for (size_t i = 0; i < cg->n_hiers; i++) {
                cg_hier *h = &cg->hiers[i];

                cg->pub[i] = (tong_cgroup_hier){ .version = h->version,
                                                 .mountpoint = h->mountpoint,
                                                 .options = h->controllers,
                                                 .path = h->path };
        }
        free(cg->recorded);
        cg->recorded = make_recorded(cg);
}

static int read_layout(cg_layout_entry **ret, size_t *ret_n, tong_err **err)
{
        _cleanup_free_ char *self = NULL, *mi = NULL;
        int r;

        r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &self, NULL);
        if (r < 0)
                return tong_err_sys(err, -r, "read /proc/self/cgroup");
        r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &mi, NULL);
        if (r < 0)
                return tong_err_sys(err, -r, "read /proc/self/mountinfo");
        return cg_layout_parse(self, mi, ret, ret_n, err);
}

/* Build the hierarchies; `pick` gives each one's path (NULL: leave the hierarchy out). */
typedef int (*path_picker)(const cg_layout_entry *e, const void *arg, char **ret, tong_err **err);

static int build(path_picker pick, const void *arg, tong_cgroup **ret, tong_err **err)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = xcalloc(1, sizeof(*cg));
        cg_layout_entry *es = NULL;
        size_t n = 0;
        int r;

        r = read_layout(&es, &n, err);
        if (r < 0)
                return r;
        cg->hiers = xcalloc(n, sizeof(*cg->hiers));
        for (size_t i = 0; i < n && r >= 0; i++) {
                char *path = NULL;

                r = pick(&es[i], arg, &path, err);
                if (r < 0 || !path)
                        continue;
                cg_hier *h = &cg->hiers[cg->n_hiers++];
                *h = (cg_hier){ .drv = es[i].version == 2 ? &cg_driver_v2 : &cg_driver_v1,
                                .version = es[i].version,
                                .mountpoint = TAKE_PTR(es[i].mountpoint),
                                .controllers = TAKE_PTR(es[i].controllers),
                                .own = TAKE_PTR(es[i].own),
                                .path = path,
                                .dirfd = -1 };
                if (h->version == 2)
                        cg->v2 = h;
        }
        cg_layout_free(es, n);
        if (r < 0)
                return r;
        if (cg->n_hiers == 0)
                return tong_err_set(err, ENOENT, "no cgroup hierarchy to place the container in");
        assign_owners(cg);
        for (size_t i = 0; i < cg->n_hiers; i++) {
                r = cg_hier_open(&cg->hiers[i], err);
                if (r < 0)
                        return r;
        }
        finish(cg);
        *ret = TAKE_PTR(cg);
        return 0;
}

static int pick_resolve(const cg_layout_entry *e, const void *arg, char **ret, tong_err **err)
{
        return cg_resolve_path(arg, e->own, ret, err);
}

int tong_cgroup_new(const char *cgroups_path, const char *id, tong_cgroup **ret, tong_err **err)
{
        _cleanup_free_ char *def = NULL;

        if (!cgroups_path) {
                if (!id || !*id || strchr(id, '/') || streq(id, ".") || streq(id, ".."))
                        return tong_err_set(err, EINVAL, "container id \"%s\" cannot name a cgroup",
                                            id ? id : "");
                def = xasprintf("/tong/%s", id);
                cgroups_path = def;
        }
        if (strlen(cgroups_path) > 4096)
                return tong_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: longer than 4096");
        return build(pick_resolve, cgroups_path, ret, err);
}

/* A recorded multi-hierarchy path: the line for this hierarchy's controllers. */
static int pick_recorded(const cg_layout_entry *e, const void *arg, char **ret, tong_err **err)
{
        const char *rec = arg, *want = e->controllers ? e->controllers : "";
        size_t wl = strlen(want);

        for (const char *p = rec; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t)(nl - p) : strlen(p);

                if (l > wl + 1 && !strncmp(p, want, wl) && p[wl] == ':' && p[wl + 1] == '/') {
                        _cleanup_free_ char *path = xstrndup(p + wl + 1, l - wl - 1);

                        return cg_resolve_path(path, "/", ret, err);
                }
                p = nl ? nl + 1 : NULL;
        }
        *ret = NULL;
        return 0;
}

int tong_cgroup_open(const char *abs_path, tong_cgroup **ret, tong_err **err)
{
        if (!abs_path || (abs_path[0] != '/' && !strchr(abs_path, ':')))
                return tong_err_set(err, EINVAL, "recorded cgroup path \"%s\" is not absolute",
                                    abs_path ? abs_path : "");
        if (abs_path[0] == '/' && !strchr(abs_path, '\n'))
                return build(pick_resolve, abs_path, ret, err);
        return build(pick_recorded, abs_path, ret, err);
}

const char *tong_cgroup_path(const tong_cgroup *cg)
{
        return cg->recorded;
}

size_t tong_cgroup_hierarchies(const tong_cgroup *cg, const tong_cgroup_hier **ret)
{
        *ret = cg->pub;
        return cg->n_hiers;
}

int tong_cgroup_v2_fd(const tong_cgroup *cg)
{
        return cg->v2 ? cg->v2->dirfd : -1;
}

/* ---------------------------------------------------------------- create / apply */

uint32_t cg_res_mask(const tong_resources *res)
{
        const tong_memory *m = &res->memory;
        const tong_cpu *c = &res->cpu;
        const tong_blkio *b = &res->blkio;
        uint32_t mask = 0;

        if (res->has_memory && (m->has_limit || m->has_reservation || m->has_swap ||
                                m->has_kernel || m->has_kernel_tcp || m->has_swappiness ||
                                m->has_disable_oom_killer || m->has_use_hierarchy))
                mask |= CG_BIT(CG_MEMORY);
        if (res->has_cpu && (c->has_shares || c->has_quota || c->has_burst || c->has_period ||
                             c->has_realtime_runtime || c->has_realtime_period || c->has_idle))
                mask |= CG_BIT(CG_CPU);
        if (res->has_cpu && (c->cpus || c->mems))
                mask |= CG_BIT(CG_CPUSET);
        if (res->pids.has_limit)
                mask |= CG_BIT(CG_PIDS);
        bool throttle = false;
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++)
                throttle = throttle || b->n_throttle[k] > 0;
        if (res->has_blkio &&
            (b->has_weight || b->has_leaf_weight || b->n_weight_devices > 0 || throttle))
                mask |= CG_BIT(CG_BLKIO);
        if (res->n_hugepage_limits > 0)
                mask |= CG_BIT(CG_HUGETLB);
        if (res->n_devices > 0)
                mask |= CG_BIT(CG_DEVICES);
        if (res->has_class_id)
                mask |= CG_BIT(CG_NET_CLS);
        if (res->n_net_priorities > 0)
                mask |= CG_BIT(CG_NET_PRIO);
        if (res->n_rdma > 0)
                mask |= CG_BIT(CG_RDMA);
        return mask;
}

static const char *const res_field[_CG_CTRL_MAX] = {
        [CG_CPU] = "linux.resources.cpu",
        [CG_CPUSET] = "linux.resources.cpu.cpus/mems",
        [CG_MEMORY] = "linux.resources.memory",
        [CG_DEVICES] = "linux.resources.devices",
        [CG_BLKIO] = "linux.resources.blockIO",
        [CG_PIDS] = "linux.resources.pids",
        [CG_HUGETLB] = "linux.resources.hugepageLimits",
        [CG_NET_CLS] = "linux.resources.network.classID",
        [CG_NET_PRIO] = "linux.resources.network.priorities",
        [CG_RDMA] = "linux.resources.rdma",
};

static int check_owners(const tong_cgroup *cg, const tong_resources *res, tong_err **err)
{
        uint32_t mask = cg_res_mask(res);

        for (int c = 0; c < _CG_CTRL_MAX; c++) {
                if (!(mask & CG_BIT(c)) || cg->owner[c])
                        continue;
                return tong_err_set(
                        err, EOPNOTSUPP, "%s: the %s controller is not mounted on this host",
                        res_field[c] ? res_field[c] : "linux.resources", cg_ctrl_name_v1(c));
        }
        if (res->n_unified > 0 && !cg->v2)
                return tong_err_set(err, EOPNOTSUPP,
                                    "linux.resources.unified: this host has no cgroup v2 "
                                    "hierarchy");
        return 0;
}

/* versions: a mask of 1 << version (TONG_CGROUP_V1 | TONG_CGROUP_V2). */
static int apply_versions(const tong_cgroup *cg, const tong_resources *res, cg_apply_mode mode,
                          unsigned versions, tong_err **err)
{
        int r;

        r = check_owners(cg, res, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];

                if (!(versions & (1u << h->version)))
                        continue;
                if (h->dirfd < 0)
                        return tong_err_set(err, ENOENT, "cgroup %s%s does not exist",
                                            h->mountpoint, h->path);
                if (mode == CG_APPLY_UPDATE) {
                        r = h->drv->prepare(h, res, err);
                        if (r < 0)
                                return r;
                }
                r = h->drv->apply(h, res, mode, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_all(const tong_cgroup *cg, const tong_resources *res, cg_apply_mode mode,
                     tong_err **err)
{
        return apply_versions(cg, res, mode, TONG_CGROUP_V1 | TONG_CGROUP_V2, err);
}

int tong_cgroup_apply(const tong_cgroup *cg, const tong_resources *res, tong_err **err)
{
        if (!res)
                return 0;
        return apply_all(cg, res, CG_APPLY_UPDATE, err);
}

static int create_dirs(tong_cgroup *cg, const tong_resources *res, unsigned versions,
                       tong_err **err)
{
        static const tong_resources none;
        int r;

        for (size_t i = 0; i < cg->n_hiers; i++) {
                cg_hier *h = &cg->hiers[i];
                bool existed = false;

                if (!(versions & (1u << h->version)))
                        continue;
                r = cg_hier_mkdir(h, &existed, err);
                if (r < 0)
                        return r;
                if (existed) {
                        r = h->drv->check_fit(cg, h, err);
                        if (r < 0)
                                return r;
                }
                r = h->drv->prepare(h, res ? res : &none, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tong_cgroup_create_versions(tong_cgroup *cg, const tong_resources *res, unsigned versions,
                                tong_err **err)
{
        int r;

        r = res ? check_owners(cg, res, err) : 0;
        if (r >= 0)
                r = create_dirs(cg, res, versions, err);
        if (r >= 0 && res)
                r = apply_versions(cg, res, CG_APPLY_CREATE, versions, err);
        if (r < 0) {
                for (size_t i = 0; i < cg->n_hiers; i++)
                        if (versions & (1u << cg->hiers[i].version))
                                cg_hier_unmake(&cg->hiers[i]);
                return r;
        }
        for (size_t i = 0; i < cg->n_hiers; i++)
                if (versions & (1u << cg->hiers[i].version))
                        cg->hiers[i].n_created = 0;
        return 0;
}

int tong_cgroup_create(tong_cgroup *cg, const tong_resources *res, tong_err **err)
{
        return tong_cgroup_create_versions(cg, res, TONG_CGROUP_V1 | TONG_CGROUP_V2, err);
}

/* ---------------------------------------------------------------- enter / destroy */

static int write_pid(int fd, const char *pid)
{
        for (int attempt = 0;; attempt++) {
                ssize_t k = write(fd, pid, strlen(pid));

                if (k >= 0)
                        return 0;
                /* EINVAL: the task may still be TASK_NEW right after clone; try again. */
                if ((errno != EINVAL && errno != EINTR) || attempt >= 20)
                        return -errno;
                if (errno == EINVAL)
                        cg_sleep_us(1000);
        }
}

int tong_cgroup_enter(const tong_cgroup *cg, pid_t pid, bool skip_v2, tong_err **err)
{
        _cleanup_free_ int *fds = xcalloc(cg->n_hiers, sizeof(int));
        char buf[16];
        int r = 0;

        snprintf(buf, sizeof(buf), "%d", (int)pid);
        /* Open everything first, then write back to back: consecutive v1 attaches share
         * one RCU grace period of the cgroup threadgroup lock instead of waiting for one
         * each. */
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];

                fds[i] = -1;
                if (r < 0 || (skip_v2 && h->version == 2))
                        continue;
                fds[i] = h->dirfd < 0 ? -ENOENT
                                      : openat(h->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                        _cleanup_free_ char *p = cg_file_path(h, "cgroup.procs");

                        r = tong_err_sys(err, h->dirfd < 0 ? ENOENT : errno, "open %s", p);
                }
        }
        for (size_t i = 0; i < cg->n_hiers && r >= 0; i++) {
                if (fds[i] < 0)
                        continue;
                r = write_pid(fds[i], buf);
                if (r < 0) {
                        _cleanup_free_ char *p = cg_file_path(&cg->hiers[i], "cgroup.procs");

                        r = tong_err_sys(err, -r, "move pid %s into %s", buf, p);
                }
        }
        for (size_t i = 0; i < cg->n_hiers; i++)
                safe_close(fds[i]);
        return r;
}

int tong_cgroup_enter_self(const tong_cgroup *cg, bool skip_v2, tong_err **err)
{
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];
                /* v1 "tasks" with "0" moves only the caller and skips the global threadgroup
                 * lock (and its RCU grace period); v2 has no such file: use cgroup.procs. */
                const char *file = h->version == 1 ? "tasks" : "cgroup.procs";
                _cleanup_close_ int fd = -EBADF;
                int r;

                if (skip_v2 && h->version == 2)
                        continue;
                /* A forked child may hold a copy of cg from before the parent made the
                 * directory: then by path. */
                if (h->dirfd >= 0) {
                        fd = openat(h->dirfd, file, O_WRONLY | O_CLOEXEC);
                } else {
                        _cleanup_free_ char *p = cg_file_path(h, file);

                        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                }
                r = fd < 0 ? -errno : write_pid(fd, "0");
                if (r < 0) {
                        _cleanup_free_ char *p = cg_file_path(h, file);

                        return tong_err_sys(err, -r, "join %s", p);
                }
        }
        return 0;
}

int tong_cgroup_destroy(const tong_cgroup *cg, tong_err **err)
{
        int ret = 0;

        for (size_t i = 0; i < cg->n_hiers; i++) {
                tong_err *e = NULL;
                int r = cg_hier_remove(&cg->hiers[i], &e);

                if (r >= 0) /* later calls see the cgroup as gone, not a stale fd */
                        cg->hiers[i].dirfd = safe_close(cg->hiers[i].dirfd);

                if (r < 0 && ret == 0) {
                        ret = r;
                        if (err)
                                *err = e;
                        else
                                tong_err_free(e);
                } else
                        tong_err_free(e);
        }
        return ret;
}
