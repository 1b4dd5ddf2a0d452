/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cross-field rules, a pass after parsing: what the JSON schema cannot say (ranges that
 * depend on other fields, namespaces that other settings need) and what the kernel would
 * reject later with a less helpful error.  Messages name the JSON path like the parser's.
 * This file: the top level, process, mounts, hooks; validate-linux.c: linux.*.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ioprio.h>
#include <sched.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/strv.h"
#include "spec/names.h"
#include "spec/parse-internal.h"
#include "spec/validate-internal.h"

/* ---------------------------------------------------------------- helpers */

int v_err(tong_err **err, const char *fmt, ...)
{
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        return tong_err_take(err, EINVAL, msg);
}

bool v_absolute(const char *path)
{
        return path && path[0] == '/';
}

static bool parse_cpu_number(const char **p, unsigned *ret)
{
        unsigned v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return false;
        for (; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned)(*s - '0');
                if (v > (1u << 20)) /* far above any NR_CPUS / MAX_NUMNODES */
                        return false;
        }
        *p = s;
        *ret = v;
        return true;
}

bool v_cpu_list(const char *s)
{
        if (!s || !*s)
                return true;
        for (;;) {
                unsigned a, b;

                if (!parse_cpu_number(&s, &a))
                        return false;
                if (*s == '-') {
                        s++;
                        if (!parse_cpu_number(&s, &b) || b < a)
                                return false;
                }
                if (*s == '\0')
                        return true;
                if (*s != ',')
                        return false;
                s++;
        }
}

bool v_ifname(const char *s, bool template)
{
        size_t n = strlen(s);
        const char *pct;

        if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || strchr(" \t\n\v\f\r", *p))
                        return false;
        pct = strchr(s, '%');
        if (!pct)
                return true;
        return template && pct[1] == 'd' && !strchr(pct + 1, '%');
}

int v_idmaps(const tong_idmap *m, size_t n, const char *path, tong_err **err)
{
        for (size_t i = 0; i < n; i++) {
                if (m[i].size == 0)
                        return v_err(err, "%s[%zu].size: must be at least 1", path, i);
                if ((uint64_t)m[i].container_id + m[i].size > UINT64_C(1) << 32)
                        return v_err(err,
                                     "%s[%zu]: containerID %" PRIu32 " + size %" PRIu32
                                     " overflows 32 bits",
                                     path, i, m[i].container_id, m[i].size);
                if ((uint64_t)m[i].host_id + m[i].size > UINT64_C(1) << 32)
                        return v_err(err,
                                     "%s[%zu]: hostID %" PRIu32 " + size %" PRIu32
                                     " overflows 32 bits",
                                     path, i, m[i].host_id, m[i].size);
        }
        return 0;
}

/* ---------------------------------------------------------------- ociVersion */

/* One SemVer numeric identifier: digits, no leading zero unless it is "0". */
static bool semver_number(const char **p, unsigned long *ret)
{
        const char *s = *p;
        unsigned long v = 0;

        if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
                return false;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > 100000000)
                        return false;
                v = v * 10 + (unsigned long)(*s - '0');
        }
        *p = s;
        *ret = v;
        return true;
}

/* Pre-release or build: dot-separated non-empty identifiers of [0-9A-Za-z-]. */
static bool semver_idents(const char *s, const char *end)
{
        bool empty = true;

        for (; s < end; s++) {
                if (*s == '.') {
                        if (empty)
                                return false;
                        empty = true;
                } else if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
                           (*s >= 'A' && *s <= 'Z') || *s == '-') {
                        empty = false;
                } else {
                        return false;
                }
        }
        return !empty;
}

static bool semver_major(const char *v, unsigned long *major)
{
        unsigned long minor, patch;
        const char *plus;

        if (!semver_number(&v, major) || *v++ != '.' || !semver_number(&v, &minor) || *v++ != '.' ||
            !semver_number(&v, &patch))
                return false;
        plus = strchr(v, '+');
        if (*v == '-') {
                const char *end = plus ? plus : v + strlen(v);

                if (!semver_idents(v + 1, end))
                        return false;
                v = end;
        }
        if (*v == '+')
                return semver_idents(v + 1, v + strlen(v));
        return *v == '\0';
}

static int v_oci_version(const char *v, tong_err **err)
{
        _cleanup_free_ char *q = NULL;
        unsigned long major;

        if (!v)
                return v_err(err, "ociVersion: required property missing");
        if (semver_major(v, &major) && major == 1)
                return 0;
        q = sp_quote(v);
        if (semver_major(v, &major))
                return v_err(err, "ociVersion: unsupported version %s (tong implements 1.x)", q);
        return v_err(err, "ociVersion: %s is not a SemVer version", q);
}

/* ---------------------------------------------------------------- process */

static int v_rlimits(const tong_process *p, const char *pfx, tong_err **err)
{
        uint64_t seen = 0;

        for (size_t i = 0; i < p->n_rlimits; i++) {
                const tong_rlimit *rl = &p->rlimits[i];
                const char *name = tong_rlimit_name(rl->resource);

                if (!name)
                        return v_err(err, "%srlimits[%zu].type: unknown rlimit %d", pfx, i,
                                     rl->resource);
                if (seen & (UINT64_C(1) << rl->resource))
                        return v_err(err, "%srlimits[%zu].type: duplicate rlimit \"%s\"", pfx, i,
                                     name);
                seen |= UINT64_C(1) << rl->resource;
                if (rl->soft > rl->hard)
                        return v_err(err,
                                     "%srlimits[%zu]: soft limit %" PRIu64
                                     " is greater than the hard limit %" PRIu64,
                                     pfx, i, rl->soft, rl->hard);
        }
        return 0;
}

static int v_env(char *const *env, const char *pfx, const char *key, tong_err **err)
{
        size_t i = 0;

        STRV_FOREACH (e, env) {
                const char *eq = strchr(*e, '=');

                if (!eq || eq == *e) {
                        _cleanup_free_ char *q = sp_quote(*e);

                        return v_err(err, "%s%s[%zu]: %s is not of the form KEY=VALUE", pfx, key, i,
                                     q);
                }
                i++;
        }
        return 0;
}

static bool sched_is_rt(int policy)
{
        return policy == SCHED_FIFO || policy == SCHED_RR;
}

static int v_scheduler(const tong_scheduler *s, const char *pfx, tong_err **err)
{
        if (!s->has)
                return 0;
        if (s->has_nice && (s->nice < -20 || s->nice > 19))
                return v_err(err, "%sscheduler.nice: %" PRId32 " is out of range -20..19", pfx,
                             s->nice);
        if (sched_is_rt(s->policy)) {
                if (!s->has_priority || s->priority < 1 || s->priority > 99)
                        return v_err(err,
                                     "%sscheduler.priority: SCHED_FIFO and SCHED_RR need a "
                                     "priority in 1..99",
                                     pfx);
        } else if (s->has_priority && s->priority != 0) {
                return v_err(err,
                             "%sscheduler.priority: only SCHED_FIFO and SCHED_RR take a "
                             "priority, got %" PRId32,
                             pfx, s->priority);
        }
        if (s->policy != SCHED_DEADLINE) {
                if (s->has_runtime || s->has_deadline || s->has_period)
                        return v_err(err,
                                     "%sscheduler: runtime, deadline and period are only for "
                                     "SCHED_DEADLINE",
                                     pfx);
                return 0;
        }
        if (!s->has_runtime || s->runtime == 0)
                return v_err(err, "%sscheduler.runtime: SCHED_DEADLINE needs a runtime", pfx);
        if (s->has_deadline && s->runtime > s->deadline)
                return v_err(err,
                             "%sscheduler: runtime %" PRIu64 " is greater than deadline %" PRIu64,
                             pfx, s->runtime, s->deadline);
        if (s->has_period && s->period > 0) {
                uint64_t d = s->has_deadline ? s->deadline : s->runtime;

                if (d > s->period)
                        return v_err(err,
                                     "%sscheduler: deadline %" PRIu64
                                     " is greater than period %" PRIu64,
                                     pfx, d, s->period);
        }
        return 0;
}

static int v_cpu_affinity(const tong_exec_cpu_affinity *a, const char *pfx, tong_err **err)
{
        const struct {
                const char *key;
                const char *val;
        } lists[] = { { "initial", a->initial }, { "final", a->final } };

        for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
                if (lists[i].val && !v_cpu_list(lists[i].val)) {
                        _cleanup_free_ char *q = sp_quote(lists[i].val);

                        return v_err(err, "%sexecCPUAffinity.%s: malformed CPU list %s", pfx,
                                     lists[i].key, q);
                }
        }
        return 0;
}

static int v_process_misc(const tong_process *p, const char *pfx, tong_err **err)
{
        if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
                return v_err(err, "%soomScoreAdj: %d is out of range -1000..1000", pfx,
                             p->oom_score_adj);
        if (p->user.has_umask && p->user.umask > 0777)
                return v_err(err, "%suser.umask: %#" PRIo32 " is out of range 0..0777", pfx,
                             p->user.umask);
        if (p->io_priority.has) {
                if (p->io_priority.klass < IOPRIO_CLASS_RT ||
                    p->io_priority.klass > IOPRIO_CLASS_IDLE)
                        return v_err(err, "%sioPriority.class: unknown class %d", pfx,
                                     p->io_priority.klass);
                if (p->io_priority.priority < 0 || p->io_priority.priority > 7)
                        return v_err(err, "%sioPriority.priority: %d is out of range 0..7", pfx,
                                     p->io_priority.priority);
        }
        return 0;
}

int tong_spec_validate_process(const tong_process *p, const char *what, tong_err **err)
{
        _cleanup_free_ char *pfx = what && *what ? xasprintf("%s.", what) : xstrdup("");
        int r;

        if (strv_length(p->args) == 0)
                return v_err(err, "%sargs: needs at least one entry", pfx);
        if (!p->cwd)
                return v_err(err, "%scwd: required property missing", pfx);
        if (!v_absolute(p->cwd)) {
                _cleanup_free_ char *q = sp_quote(p->cwd);

                return v_err(err, "%scwd: %s is not an absolute path", pfx, q);
        }
        r = v_env(p->env, pfx, "env", err);
        if (r >= 0)
                r = v_rlimits(p, pfx, err);
        if (r >= 0)
                r = v_process_misc(p, pfx, err);
        if (r >= 0)
                r = v_scheduler(&p->scheduler, pfx, err);
        if (r >= 0)
                r = v_cpu_affinity(&p->exec_cpu_affinity, pfx, err);
        return r;
}

/* ---------------------------------------------------------------- mounts */

static int v_mount(const tong_spec *s, const tong_mount *m, size_t i, tong_err **err)
{
        bool has_maps = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
        char path[64];
        int r;

        if (!m->destination || !*m->destination)
                return v_err(err, "mounts[%zu].destination: required property missing", i);
        if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
                return v_err(err, "mounts[%zu]: uidMappings and gidMappings must be given together",
                             i);
        if ((m->idmap || m->ridmap) && !has_maps && !tong_spec_has_namespace(s, TONG_NS_USER))
                return v_err(err,
                             "mounts[%zu].options: \"%s\" needs uidMappings and gidMappings or a "
                             "user namespace",
                             i, m->ridmap ? "ridmap" : "idmap");
        (void)snprintf(path, sizeof(path), "mounts[%zu].uidMappings", i);
        r = v_idmaps(m->uid_mappings, m->n_uid_mappings, path, err);
        if (r < 0)
                return r;
        (void)snprintf(path, sizeof(path), "mounts[%zu].gidMappings", i);
        return v_idmaps(m->gid_mappings, m->n_gid_mappings, path, err);
}

/* ---------------------------------------------------------------- hooks */

static int v_hooks(const tong_hooks *h, tong_err **err)
{
        for (int k = 0; k < _TONG_HOOK_MAX; k++) {
                const char *kind = tong_hook_kind_name(k);

                for (size_t i = 0; i < h->n_hooks[k]; i++) {
                        const tong_hook *hook = &h->hooks[k][i];
                        char pfx[64];
                        int r;

                        if (!hook->path)
                                return v_err(err, "hooks.%s[%zu].path: required property missing",
                                             kind, i);
                        if (!v_absolute(hook->path)) {
                                _cleanup_free_ char *q = sp_quote(hook->path);

                                return v_err(err, "hooks.%s[%zu].path: %s is not an absolute path",
                                             kind, i, q);
                        }
                        if (hook->has_timeout && hook->timeout < 1)
                                return v_err(err,
                                             "hooks.%s[%zu].timeout: must be at least 1, got %d",
                                             kind, i, hook->timeout);
                        (void)snprintf(pfx, sizeof(pfx), "hooks.%s[%zu].", kind, i);
                        r = v_env(hook->env, pfx, "env", err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---------------------------------------------------------------- the whole config */

int tong_spec_validate(const tong_spec *s, tong_err **err)
{
        int r = v_oci_version(s->oci_version, err);

        if (r < 0)
                return r;
        if (!s->root_path || !*s->root_path)
                return v_err(err, "root.path: required property missing");
        if (s->has_process) {
                r = tong_spec_validate_process(&s->process, "process", err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < s->n_mounts; i++) {
                r = v_mount(s, &s->mounts[i], i, err);
                if (r < 0)
                        return r;
        }
        r = v_hooks(&s->hooks, err);
        if (r < 0)
                return r;
        return v_linux(s, err);
}
