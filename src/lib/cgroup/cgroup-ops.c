/* SPDX-License-Identifier: Apache-2.0 */
/* Operations on a created cgroup: freezer, signals, pids, ownership, statistics. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"

#define KILL_MAX_ROUNDS 1000

static int no_freezer(tong_err **err)
{
        return tong_err_set(err, EOPNOTSUPP, "no freezer controller on this host");
}

int tong_cgroup_freeze(const tong_cgroup *cg, bool frozen, tong_err **err)
{
        const cg_hier *h = cg->owner[CG_FREEZER];

        if (!h)
                return no_freezer(err);
        return h->drv->freeze(h, frozen, err);
}

int tong_cgroup_is_frozen(const tong_cgroup *cg)
{
        const cg_hier *h = cg->owner[CG_FREEZER];

        if (!h)
                return -EOPNOTSUPP;
        return h->drv->is_frozen(h);
}

/* Where to list processes: cgroup2 if the container is in it, else any v1 hierarchy. */
static const cg_hier *pid_source(const tong_cgroup *cg)
{
        static const cg_ctrl prefer[] = { CG_PIDS, CG_FREEZER, CG_MEMORY };

        if (cg->v2 && cg->v2->dirfd >= 0)
                return cg->v2;
        for (size_t i = 0; i < ELEMENTSOF(prefer); i++)
                if (cg->owner[prefer[i]] && cg->owner[prefer[i]]->dirfd >= 0)
                        return cg->owner[prefer[i]];
        for (size_t i = 0; i < cg->n_hiers; i++)
                if (cg->hiers[i].dirfd >= 0)
                        return &cg->hiers[i];
        return NULL;
}

int tong_cgroup_pids(const tong_cgroup *cg, pid_t **ret, size_t *ret_n, tong_err **err)
{
        const cg_hier *h = pid_source(cg);

        if (!h)
                return tong_err_set(err, ENOENT, "cgroup %s does not exist", cg->recorded);
        return cg_hier_pids(h, ret, ret_n, err);
}

int tong_cgroup_populated(const tong_cgroup *cg, tong_err **err)
{
        const cg_hier *h = pid_source(cg);

        if (!h)
                return 0;
        return cg_hier_populated(h, err);
}

static bool contains(const pid_t *p, size_t n, pid_t v)
{
        for (size_t i = 0; i < n; i++)
                if (p[i] == v)
                        return true;
        return false;
}

/* Signal every pid not signalled yet, until a listing shows no new one. */
static int signal_rounds(const tong_cgroup *cg, int sig, tong_err **err)
{
        _cleanup_free_ pid_t *seen = NULL;
        size_t n_seen = 0;
        int r;

        for (int round = 0; round < KILL_MAX_ROUNDS; round++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                bool fresh = false;

                tong_err *e = NULL;

                r = tong_cgroup_pids(cg, &pids, &n, &e);
                if (r == -ENOENT) { /* removed meanwhile: nobody left to signal */
                        tong_err_free(e);
                        return 0;
                }
                if (r < 0) {
                        if (err)
                                *err = e;
                        else
                                tong_err_free(e);
                        return r;
                }
                for (size_t i = 0; i < n; i++) {
                        if (contains(seen, n_seen, pids[i]))
                                continue;
                        fresh = true;
                        if (kill(pids[i], sig) < 0 && errno != ESRCH)
                                return tong_err_sys(err, errno, "kill %d with signal %d",
                                                    (int)pids[i], sig);
                        *(pid_t *)xappend(&seen, &n_seen, sizeof(pid_t)) = pids[i];
                }
                if (!fresh)
                        return 0;
        }
        return tong_err_set(err, EAGAIN, "cgroup %s keeps spawning processes", cg->recorded);
}

int tong_cgroup_kill_all(const tong_cgroup *cg, int sig, tong_err **err)
{
        const cg_hier *fz = cg->owner[CG_FREEZER];
        bool was_frozen = fz && fz->dirfd >= 0 && fz->drv->is_frozen(fz) > 0;
        bool thaw = false;
        int r;

        if (!pid_source(cg))
                return 0; /* no cgroup directory left: nothing to signal */
        if (sig == SIGKILL && cg->v2 && cg_has_file(cg->v2, "cgroup.kill"))
                r = cg_write(cg->v2, "cgroup.kill", "1", err);
        else {
                /* Frozen, nothing can fork between listing and signalling (as runc). */
                if (fz && fz->dirfd >= 0 && !was_frozen)
                        thaw = fz->drv->freeze(fz, true, NULL) >= 0;
                r = signal_rounds(cg, sig, err);
        }
        /* v1-frozen tasks only die once thawed. */
        if (thaw || (was_frozen && sig == SIGKILL))
                (void)fz->drv->freeze(fz, false, NULL);
        return r;
}

/* ---------------------------------------------------------------- delegation */

static int chown_one(const cg_hier *h, const char *name, uid_t uid, gid_t gid, tong_err **err)
{
        if (fchownat(h->dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT)
                return 0;
        return tong_err_sys(err, errno, "chown %s%s/%s to %d:%d", h->mountpoint, h->path, name,
                            (int)uid, (int)gid);
}

int tong_cgroup_delegate(const tong_cgroup *cg, uid_t uid, gid_t gid, tong_err **err)
{
        static const char fallback[] = "cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n";
        _cleanup_free_ char *list = NULL;
        const cg_hier *h = cg->v2;
        int r;

        if (!h)
                return 0;
        if (h->dirfd < 0)
                return tong_err_set(err, ENOENT, "cgroup %s%s does not exist", h->mountpoint,
                                    h->path);
        if (fchownat(h->dirfd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return tong_err_sys(err, errno, "chown %s%s to %d:%d", h->mountpoint, h->path,
                                    (int)uid, (int)gid);
        if (read_file_at(AT_FDCWD, "/sys/kernel/cgroup/delegate", 65536, &list, NULL) < 0)
                list = xstrdup(fallback);
        for (char *p = list; p && *p;) {
                char *nl = strchr(p, '\n');

                if (nl)
                        *nl = '\0';
                if (*p && !strchr(p, '/') && !streq(p, ".") && !streq(p, "..")) {
                        r = chown_one(h, p, uid, gid, err);
                        if (r < 0)
                                return r;
                }
                p = nl ? nl + 1 : NULL;
        }
        return 0;
}

/* ---------------------------------------------------------------- statistics */

int tong_cgroup_oom_kills(const tong_cgroup *cg, uint64_t *ret, tong_err **err)
{
        const cg_hier *h = cg->owner[CG_MEMORY];
        int r;

        if (!h)
                return tong_err_set(err, ENOENT, "no memory controller on this host");
        r = h->drv->oom_kills(h, ret);
        if (r < 0)
                return tong_err_sys(err, -r, "read the OOM kill counter of %s%s", h->mountpoint,
                                    h->path);
        return 0;
}

tong_cgroup_stats *tong_cgroup_stats_free(tong_cgroup_stats *st)
{
        if (!st)
                return NULL;
        free(st->cpu.percpu);
        free(st->cpu.percpu_kernel);
        free(st->cpu.percpu_user);
        for (size_t i = 0; i < st->memory.n_stat; i++)
                free(st->memory.stat_keys[i]);
        free(st->memory.stat_keys);
        free(st->memory.stat_values);
        free(st->blkio.service_bytes);
        free(st->blkio.serviced);
        free(st->hugetlb);
        free(st->cpuset.cpus);
        free(st->cpuset.mems);
        free(st);
        return NULL;
}

int tong_cgroup_get_stats(const tong_cgroup *cg, tong_cgroup_stats **ret, tong_err **err)
{
        _cleanup_(tong_cgroup_stats_freep) tong_cgroup_stats *st = xcalloc(1, sizeof(*st));
        const cg_hier *mem = cg->owner[CG_MEMORY];
        int r;

        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];

                if (h->dirfd < 0)
                        continue;
                r = h->drv->stats(h, st, err);
                if (r < 0)
                        return r;
        }
        if (mem && mem->dirfd >= 0)
                (void)mem->drv->oom_kills(mem, &st->oom_kill);
        *ret = TAKE_PTR(st);
        return 0;
}
