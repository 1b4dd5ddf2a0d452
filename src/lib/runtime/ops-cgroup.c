/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pause, resume, update, events and ps: the commands that act on a created container's
 * cgroup.  The cgroup module does the reading and writing; this file knows runc's command
 * semantics (which statuses are allowed, how `update` merges, the `events` JSON shape).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "core/macro.h"
#include "core/parse-util.h"
#include "core/strv.h"
#include "runtime/container.h"

#define PS_OUTPUT_MAX (64u << 20)
#define EVENTS_TICK_NS (200 * 1000000ll) /* how often the OOM counter is looked at */
#define OOM_EVENTS_MAX 1000              /* per look: a flood of kills is not a flood of lines */

extern char **environ;

/* Load the container and check it has a cgroup; *ret_status is its current status. */
static int load_cgroup(container *c, int lock, bool want_spec, const char **ret_status,
                       tong_err **err)
{
        int r;

        r = container_load(c, lock, want_spec, err);
        if (r < 0)
                return r;
        if (!c->cg)
                return tong_err_set(err, EOPNOTSUPP, "container `%s` has no cgroup", c->id);
        *ret_status = container_status(c);
        return 0;
}

static int not_running(const container *c, const char *status, tong_err **err)
{
        return tong_err_set(err, ESRCH, "container `%s` is not running (it is %s)", c->id, status);
}

/* ---------------------------------------------------------------- pause / resume */

int tong_container_pause(const tong_ctx *ctx, const char *id, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status = NULL;
        int r;

        r = load_cgroup(c, LOCK_EX, false, &status, err);
        if (r < 0)
                return r;
        if (streq(status, "paused"))
                return tong_err_set(err, EALREADY, "container `%s` is already paused", id);
        /* runc pauses created containers too: their init is in the cgroup already. */
        if (!streq(status, "running") && !streq(status, "created"))
                return not_running(c, status, err);
        r = tong_cgroup_freeze(c->cg, true, err);
        if (r < 0) {
                /* Never leave a half-frozen container behind a failed pause. */
                (void)tong_cgroup_freeze(c->cg, false, NULL);
                return tong_err_prefix(err, r, "container `%s`: pause", id);
        }
        return 0;
}

int tong_container_resume(const tong_ctx *ctx, const char *id, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status = NULL;
        int r;

        r = load_cgroup(c, LOCK_EX, false, &status, err);
        if (r < 0)
                return r;
        if (!streq(status, "paused"))
                return tong_err_set(err, EINVAL, "container `%s` is not paused (it is %s)", id,
                                    status);
        r = tong_cgroup_freeze(c->cg, false, err);
        return r < 0 ? tong_err_prefix(err, r, "container `%s`: resume", id) : 0;
}

/* ---------------------------------------------------------------- value syntax */

static int unit_shift(char c)
{
        switch (c) {
        case 'k':
        case 'K':
                return 10;
        case 'm':
        case 'M':
                return 20;
        case 'g':
        case 'G':
                return 30;
        case 't':
        case 'T':
                return 40;
        case 'p':
        case 'P':
                return 50;
        default:
                return -1;
        }
}

/* "", "b", "k", "ki", "kb", "kib" (any case): the multiplier's shift, or -1. */
static int size_suffix(const char *s)
{
        int shift;

        if (!*s)
                return 0;
        if ((s[0] == 'b' || s[0] == 'B') && !s[1])
                return 0;
        shift = unit_shift(s[0]);
        if (shift < 0 || !s[1])
                return shift;
        if ((s[1] == 'b' || s[1] == 'B') && !s[2])
                return shift;
        if ((s[1] == 'i' || s[1] == 'I') && (!s[2] || ((s[2] == 'b' || s[2] == 'B') && !s[3])))
                return shift;
        return -1;
}

/* digits [. digits] into whole and a fraction of at most 18 digits (num / den). */
static const char *parse_decimal(const char *s, uint64_t *whole, uint64_t *num, uint64_t *den)
{
        bool any = false;

        *whole = *num = 0;
        *den = 1;
        for (; *s >= '0' && *s <= '9'; s++, any = true)
                if (__builtin_mul_overflow(*whole, 10, whole) ||
                    __builtin_add_overflow(*whole, (uint64_t)(*s - '0'), whole))
                        return NULL;
        if (*s == '.') {
                for (s++; *s >= '0' && *s <= '9'; s++, any = true)
                        if (*den < 1000000000000000000ull) {
                                *num = *num * 10 + (uint64_t)(*s - '0');
                                *den *= 10;
                        }
        }
        return any ? s : NULL;
}

int tong_parse_ram_bytes(const char *s, int64_t *ret)
{
        uint64_t whole, num, den;
        unsigned __int128 v;
        const char *p = parse_decimal(s, &whole, &num, &den);
        int shift;

        if (!p)
                return -EINVAL;
        if (*p == ' ')
                p++;
        shift = size_suffix(p);
        if (shift < 0)
                return -EINVAL;
        v = ((unsigned __int128)whole << shift) + (((unsigned __int128)num << shift) / den);
        if (v > INT64_MAX)
                return -ERANGE;
        *ret = (int64_t)v;
        return 0;
}

static int64_t duration_unit(const char **p)
{
        static const struct {
                const char *name;
                int64_t ns;
        } units[] = {
                { "ns", 1 },
                { "us", 1000 },
                { "\u00b5s", 1000 },
                { "\u03bcs", 1000 },
                { "ms", 1000000 },
                { "s", 1000000000ll },
                { "m", 60000000000ll },
                { "h", 3600000000000ll },
        };

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                size_t n = strlen(units[i].name);

                /* "m" must not take the "m" of "ms": the longer names come first. */
                if (strncmp(*p, units[i].name, n) == 0) {
                        *p += n;
                        return units[i].ns;
                }
        }
        return -1;
}

int tong_parse_duration(const char *s, int64_t *ret_ns)
{
        bool neg = false;
        unsigned __int128 total = 0;

        if (*s == '-' || *s == '+')
                neg = *s++ == '-';
        if (streq(s, "0")) {
                *ret_ns = 0;
                return 0;
        }
        if (!*s)
                return -EINVAL;
        while (*s) {
                uint64_t whole, num, den;
                int64_t unit;

                s = parse_decimal(s, &whole, &num, &den);
                if (!s)
                        return -EINVAL;
                unit = duration_unit(&s);
                if (unit < 0)
                        return -EINVAL;
                total += (unsigned __int128)whole * (uint64_t)unit +
                         (unsigned __int128)num * (uint64_t)unit / den;
                if (total > INT64_MAX)
                        return -ERANGE;
        }
        *ret_ns = neg ? -(int64_t)total : (int64_t)total;
        return 0;
}

/* ---------------------------------------------------------------- update: the request */

enum { G_MEMORY, G_CPU, G_BLKIO, G_PIDS, _G_MAX };
static const char *const group_key[_G_MAX] = { "memory", "cpu", "blockIO", "pids" };

typedef enum flag_kind {
        F_SIZE,    /* RAMInBytes or -1 */
        F_U64,     /* unsigned decimal */
        F_I64,     /* signed decimal */
        F_NONZERO, /* signed decimal; 0 = not given (runc's int flags) */
        F_STRING,  /* "" = not given */
} flag_kind;

static const struct update_flag {
        size_t off;
        const char *flag;
        int group;
        const char *key;
        flag_kind kind;
} update_flags[] = {
        { offsetof(tong_update_opts, memory), "memory", G_MEMORY, "limit", F_SIZE },
        { offsetof(tong_update_opts, memory_reservation), "memory-reservation", G_MEMORY,
          "reservation", F_SIZE },
        { offsetof(tong_update_opts, memory_swap), "memory-swap", G_MEMORY, "swap", F_SIZE },
        { offsetof(tong_update_opts, kernel_memory), "kernel-memory", G_MEMORY, "kernel", F_SIZE },
        { offsetof(tong_update_opts, kernel_memory_tcp), "kernel-memory-tcp", G_MEMORY, "kernelTCP",
          F_SIZE },
        { offsetof(tong_update_opts, cpu_shares), "cpu-share", G_CPU, "shares", F_U64 },
        { offsetof(tong_update_opts, cpu_quota), "cpu-quota", G_CPU, "quota", F_I64 },
        { offsetof(tong_update_opts, cpu_period), "cpu-period", G_CPU, "period", F_U64 },
        { offsetof(tong_update_opts, cpu_burst), "cpu-burst", G_CPU, "burst", F_U64 },
        { offsetof(tong_update_opts, cpu_rt_runtime), "cpu-rt-runtime", G_CPU, "realtimeRuntime",
          F_I64 },
        { offsetof(tong_update_opts, cpu_rt_period), "cpu-rt-period", G_CPU, "realtimePeriod",
          F_U64 },
        { offsetof(tong_update_opts, cpu_idle), "cpu-idle", G_CPU, "idle", F_I64 },
        { offsetof(tong_update_opts, cpuset_cpus), "cpuset-cpus", G_CPU, "cpus", F_STRING },
        { offsetof(tong_update_opts, cpuset_mems), "cpuset-mems", G_CPU, "mems", F_STRING },
        { offsetof(tong_update_opts, blkio_weight), "blkio-weight", G_BLKIO, "weight", F_NONZERO },
        { offsetof(tong_update_opts, pids_limit), "pids-limit", G_PIDS, "limit", F_NONZERO },
};

static int flag_value(const struct update_flag *f, const char *v, tong_json **ret, tong_err **err)
{
        uint64_t u;
        int64_t i;
        int r;

        switch (f->kind) {
        case F_STRING:
                *ret = *v ? tong_json_new_string(v) : NULL;
                return 0;
        case F_SIZE:
                r = streq(v, "-1") ? (i = -1, 0) : tong_parse_ram_bytes(v, &i);
                if (r >= 0)
                        *ret = tong_json_new_i64(i);
                break;
        case F_U64:
                r = parse_u64(v, &u);
                if (r >= 0)
                        *ret = tong_json_new_u64(u);
                break;
        case F_I64:
        case F_NONZERO:
        default:
                r = parse_i64(v, &i);
                if (r >= 0)
                        *ret = f->kind == F_NONZERO && i == 0 ? NULL : tong_json_new_i64(i);
                break;
        }
        if (r < 0)
                return tong_err_set(err, EINVAL, "invalid value for --%s: \"%s\"%s", f->flag, v,
                                    f->kind == F_SIZE ? " (bytes, or a number with a k, m, g, "
                                                        "t or p suffix, or -1)"
                                                      : "");
        return 0;
}

/* The flags as a resources document, the same text `-r` would give. */
static int flags_to_json(const tong_update_opts *o, char **ret, size_t *ret_len, tong_err **err)
{
        _cleanup_json_ tong_json *root = tong_json_new_object();
        tong_json *g[_G_MAX];
        int r;

        for (int i = 0; i < _G_MAX; i++)
                g[i] = tong_json_new_object();
        for (size_t i = 0; i < ELEMENTSOF(update_flags); i++) {
                const struct update_flag *f = &update_flags[i];
                const char *v = *(const char *const *)((const char *)o + f->off);
                tong_json *j = NULL;

                if (!v)
                        continue;
                r = flag_value(f, v, &j, err);
                if (r < 0) {
                        for (int k = 0; k < _G_MAX; k++)
                                tong_json_unref(g[k]);
                        return r;
                }
                if (j)
                        tong_json_set(g[f->group], f->key, j);
        }
        for (int i = 0; i < _G_MAX; i++) {
                if (tong_json_object_len(g[i]) > 0)
                        tong_json_set(root, group_key[i], g[i]);
                else
                        tong_json_unref(g[i]);
        }
        *ret = tong_json_to_string(root, TONG_JSON_PLAIN);
        *ret_len = strlen(*ret);
        return 0;
}

static int read_request(const tong_update_opts *o, char **ret, size_t *ret_len, tong_err **err)
{
        int r;

        if (o->l3_cache_schema || o->mem_bw_schema)
                return tong_err_set(err, EOPNOTSUPP,
                                    "--%s: Intel RDT is not supported by this runtime",
                                    o->l3_cache_schema ? "l3-cache-schema" : "mem-bw-schema");
        if (!o->resources)
                return flags_to_json(o, ret, ret_len, err);
        if (streq(o->resources, "-"))
                r = read_fd_full(STDIN_FILENO, TONG_SPEC_MAX_SIZE, ret, ret_len);
        else
                r = read_file_at(AT_FDCWD, o->resources, TONG_SPEC_MAX_SIZE, ret, ret_len);
        if (r < 0)
                return tong_err_sys(err, -r, "--resources `%s`", o->resources);
        return 0;
}

/* ---------------------------------------------------------------- update: merging JSON */

/* A deep copy.  The text comes from the serializer of a document parsed with the same
 * limits, so parsing it again cannot fail.  The blank ends a top-level number, which json-c
 * would otherwise wait to see continue. */
static tong_json *json_copy(const tong_json *j)
{
        _cleanup_free_ char *s = NULL, *t = NULL;
        tong_json *out = NULL;

        if (!j)
                return tong_json_new_null();
        s = tong_json_to_string(j, TONG_JSON_PLAIN);
        t = xasprintf("%s ", s);
        if (tong_json_parse(t, strlen(t), &out, NULL) < 0)
                abort();
        return out;
}

/* What identifies an entry of a resources array (hugepageLimits, weightDevice, throttle*,
 * network.priorities) so that an update replaces one entry, not the list; NULL: none. */
static char *entry_identity(const tong_json *e)
{
        static const char *const keys[] = { "pageSize", "major", "minor", "name" };
        char *id = NULL;

        if (!e || tong_json_type_of(e) != TONG_JSON_OBJECT)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const tong_json *v = tong_json_get(e, keys[i]);
                _cleanup_free_ char *s = NULL;
                char *n;

                if (!v)
                        continue;
                s = tong_json_to_string(v, TONG_JSON_PLAIN);
                n = xasprintf("%s%s=%s;", id ? id : "", keys[i], s);
                free(id);
                id = n;
        }
        return id;
}

static bool array_keyed(const tong_json *a)
{
        for (size_t i = 0; i < tong_json_array_len(a); i++) {
                _cleanup_free_ char *id = entry_identity(tong_json_array_at(a, i));

                if (!id)
                        return false;
        }
        return true;
}

static tong_json *json_merge(const tong_json *old, const tong_json *upd);

static const tong_json *array_find(const tong_json *a, const char *id)
{
        for (size_t i = 0; i < tong_json_array_len(a); i++) {
                const tong_json *e = tong_json_array_at(a, i);
                _cleanup_free_ char *eid = entry_identity(e);

                if (streq(eid, id))
                        return e;
        }
        return NULL;
}

static tong_json *merge_arrays(const tong_json *old, const tong_json *upd)
{
        tong_json *out;

        if (!array_keyed(old) || !array_keyed(upd))
                return json_copy(upd);
        out = tong_json_new_array();
        for (size_t i = 0; i < tong_json_array_len(old); i++) {
                const tong_json *e = tong_json_array_at(old, i);
                _cleanup_free_ char *id = entry_identity(e);

                tong_json_append(out, json_merge(e, array_find(upd, id)));
        }
        for (size_t i = 0; i < tong_json_array_len(upd); i++) {
                const tong_json *e = tong_json_array_at(upd, i);
                _cleanup_free_ char *id = entry_identity(e);

                if (!array_find(old, id))
                        tong_json_append(out, json_copy(e));
        }
        return out;
}

static tong_json *merge_objects(const tong_json *old, const tong_json *upd)
{
        tong_json *out = tong_json_new_object();
        tong_json_iter it;
        const tong_json *v;
        const char *k;

        tong_json_iter_init(old, &it);
        while (tong_json_iter_next(&it, &k, &v))
                tong_json_set(out, k, json_merge(v, tong_json_get(upd, k)));
        tong_json_iter_init(upd, &it);
        while (tong_json_iter_next(&it, &k, &v))
                if (v && !tong_json_get(old, k))
                        tong_json_set(out, k, json_copy(v));
        return out;
}

/* upd over old: objects member by member, keyed arrays entry by entry, anything else
 * replaced; a JSON null or absent member in upd changes nothing (as runc's decoding). */
static tong_json *json_merge(const tong_json *old, const tong_json *upd)
{
        tong_json_type to, tu;

        if (!upd)
                return json_copy(old);
        if (!old)
                return json_copy(upd);
        to = tong_json_type_of(old);
        tu = tong_json_type_of(upd);
        if (to == TONG_JSON_OBJECT && tu == TONG_JSON_OBJECT)
                return merge_objects(old, upd);
        if (to == TONG_JSON_ARRAY && tu == TONG_JSON_ARRAY)
                return merge_arrays(old, upd);
        return json_copy(upd);
}

/* The config document with linux.resources replaced, members kept in their order. */
static char *config_with_resources(const tong_json *cfg, const tong_json *res)
{
        _cleanup_json_ tong_json *out = tong_json_new_object();
        const tong_json *linux_in = tong_json_get(cfg, "linux");
        tong_json *linux_out = tong_json_new_object();
        tong_json_iter it;
        const tong_json *v;
        const char *k;

        if (linux_in && tong_json_type_of(linux_in) == TONG_JSON_OBJECT) {
                tong_json_iter_init(linux_in, &it);
                while (tong_json_iter_next(&it, &k, &v))
                        tong_json_set(linux_out, k,
                                      streq(k, "resources") ? json_copy(res) : json_copy(v));
        }
        if (!tong_json_get(linux_out, "resources"))
                tong_json_set(linux_out, "resources", json_copy(res));
        tong_json_iter_init(cfg, &it);
        while (tong_json_iter_next(&it, &k, &v))
                if (!streq(k, "linux"))
                        tong_json_set(out, k, json_copy(v));
        tong_json_set(out, "linux", linux_out);
        return tong_json_to_string(out, TONG_JSON_PRETTY);
}

/* ---------------------------------------------------------------- update: applying */

typedef struct update_req {
        tong_json *upd;      /* the request, devices dropped, runc's swap rule applied */
        tong_json *merged;   /* saved linux.resources with the request on top */
        tong_resources want; /* the request as a model: what gets written */
        tong_resources all;  /* merged as a model */
} update_req;

static void update_req_done(update_req *q)
{
        tong_json_unref(q->upd);
        tong_json_unref(q->merged);
        tong_resources_done(&q->want);
        tong_resources_done(&q->all);
}

static int parse_model(const tong_json *j, const char *what, tong_resources *ret, tong_err **err)
{
        _cleanup_free_ char *s = tong_json_to_string(j, TONG_JSON_PLAIN);
        int r;

        r = tong_spec_parse_resources(s, strlen(s), what, ret, err);
        if (r >= 0)
                r = tong_spec_validate_resources(ret, what, err);
        return r;
}

/* Drop devices (runc's update cannot change them either) and, as runc, read an unlimited
 * memory limit without a swap value as "memory and swap unlimited". */
static int prepare_request(update_req *q, const char *buf, size_t len, tong_err **err)
{
        _cleanup_json_ tong_json *in = NULL, *req = tong_json_new_object();
        _cleanup_json_ tong_json *extra = tong_json_new_object();
        tong_memory *m = &q->want.memory;
        tong_json_iter it;
        const tong_json *v;
        const char *k;
        int r;

        r = tong_json_parse(buf, len, &in, err);
        if (r < 0)
                return r;
        if (tong_json_type_of(in) != TONG_JSON_OBJECT)
                return tong_err_set(err, EINVAL, "not a JSON object but %s",
                                    tong_json_type_name(tong_json_type_of(in)));
        tong_json_iter_init(in, &it);
        while (tong_json_iter_next(&it, &k, &v)) {
                if (streq(k, "devices"))
                        tong_warn("update: devices are ignored: the device rules of a container "
                                  "cannot be changed");
                else if (v)
                        tong_json_set(req, k, json_copy(v));
        }
        r = parse_model(req, "resources", &q->want, err);
        if (r < 0)
                return r;
        if (q->want.has_memory && m->has_limit && m->limit == -1 && !m->has_swap) {
                tong_json *mem = tong_json_new_object();

                tong_json_set(mem, "swap", tong_json_new_i64(-1));
                tong_json_set(extra, "memory", mem);
                m->has_swap = true;
                m->swap = -1;
        }
        q->upd = json_merge(req, extra);
        return 0;
}

/* Values the kernel checks against each other come from the merged set when the request
 * gives only one of them: a new memory limit keeps the recorded memory+swap. */
static void fill_partners(tong_resources *w, const tong_resources *all)
{
        tong_memory *m = &w->memory;
        const tong_memory *a = &all->memory;

        if (!w->has_memory || !all->has_memory)
                return;
        if (m->has_limit && !m->has_swap && a->has_swap) {
                m->has_swap = true;
                m->swap = a->swap;
        }
        if (m->has_swap && !m->has_limit && a->has_limit) {
                m->has_limit = true;
                m->limit = a->limit;
        }
        if (m->has_limit && !m->has_check_before_update && a->has_check_before_update) {
                m->has_check_before_update = true;
                m->check_before_update = a->check_before_update;
        }
}

static int build_update(container *c, const char *buf, size_t len, update_req *q, tong_err **err)
{
        _cleanup_json_ tong_json *cfg = NULL;
        int r;

        r = prepare_request(q, buf, len, err);
        if (r < 0)
                return r;
        r = tong_json_parse(c->config_buf, c->config_len, &cfg, err);
        if (r < 0)
                return tong_err_prefix(err, r, "saved config.json");
        q->merged = json_merge(tong_json_get(tong_json_get(cfg, "linux"), "resources"), q->upd);
        r = parse_model(q->merged, "linux.resources", &q->all, err);
        if (r < 0)
                return tong_err_prefix(err, r, "the updated resources");
        fill_partners(&q->want, &q->all);
        free(c->config_buf);
        c->config_buf = config_with_resources(cfg, q->merged);
        c->config_len = strlen(c->config_buf);
        return 0;
}

int tong_container_update(const tong_ctx *ctx, const char *id, const tong_update_opts *o,
                          tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        _cleanup_free_ char *buf = NULL;
        update_req q = { 0 };
        const char *status = NULL;
        size_t len;
        int r;

        r = read_request(o, &buf, &len, err);
        if (r < 0)
                return r;
        r = load_cgroup(c, LOCK_EX, true, &status, err);
        if (r < 0)
                return r;
        if (!streq(status, "running") && !streq(status, "created") && !streq(status, "paused"))
                return not_running(c, status, err);
        r = build_update(c, buf, len, &q, err);
        if (r < 0) {
                update_req_done(&q);
                if (o->resources)
                        return tong_err_prefix(err, r, "container `%s`: --resources `%s`", id,
                                               o->resources);
                return tong_err_prefix(err, r, "container `%s`: update", id);
        }
        r = tong_cgroup_apply(c->cg, &q.want, err);
        update_req_done(&q);
        if (r < 0)
                return tong_err_prefix(err, r, "container `%s`: update", id);
        /* Recorded only once written: a later update or `events` builds on these values. */
        r = tong_state_save_config(c->dir_fd, c->config_buf, c->config_len, true, err);
        return r < 0 ? tong_err_prefix(err, r, "container `%s`: update", id) : 0;
}

/* ---------------------------------------------------------------- events: runc's JSON */

/* Go's omitempty: zero is left out. */
static void set_nz(tong_json *o, const char *k, uint64_t v)
{
        if (v)
                tong_json_set(o, k, tong_json_new_u64(v));
}

static void set_u64_array(tong_json *o, const char *k, const uint64_t *v, size_t n)
{
        tong_json *a;

        if (!v || n == 0)
                return;
        a = tong_json_new_array();
        for (size_t i = 0; i < n; i++)
                tong_json_append(a, tong_json_new_u64(v[i]));
        tong_json_set(o, k, a);
}

static tong_json *cpu_json(const tong_cgroup_stats *st)
{
        tong_json *cpu = tong_json_new_object(), *u = tong_json_new_object();
        tong_json *t = tong_json_new_object();

        set_nz(u, "total", st->cpu.total);
        set_u64_array(u, "percpu", st->cpu.percpu, st->cpu.n_percpu);
        set_u64_array(u, "percpu_kernel", st->cpu.percpu_kernel, st->cpu.n_percpu);
        set_u64_array(u, "percpu_user", st->cpu.percpu_user, st->cpu.n_percpu);
        tong_json_set(u, "kernel", tong_json_new_u64(st->cpu.kernel));
        tong_json_set(u, "user", tong_json_new_u64(st->cpu.user));
        tong_json_set(cpu, "usage", u);
        set_nz(t, "periods", st->cpu.periods);
        set_nz(t, "throttledPeriods", st->cpu.throttled_periods);
        set_nz(t, "throttledTime", st->cpu.throttled_time);
        tong_json_set(cpu, "throttling", t);
        return cpu;
}

static void set_u16_array(tong_json *o, const char *k, const uint16_t *v, size_t n)
{
        tong_json *a;

        if (n == 0)
                return;
        a = tong_json_new_array();
        for (size_t i = 0; i < n; i++)
                tong_json_append(a, tong_json_new_u64(v[i]));
        tong_json_set(o, k, a);
}

static tong_json *cpuset_json(const tong_cgroup_stats *st)
{
        tong_json *o = tong_json_new_object();

        set_u16_array(o, "cpus", st->cpuset.cpus, st->cpuset.n_cpus);
        tong_json_set(o, "cpu_exclusive", tong_json_new_u64(st->cpuset.cpu_exclusive));
        set_u16_array(o, "mems", st->cpuset.mems, st->cpuset.n_mems);
        tong_json_set(o, "mem_hardwall", tong_json_new_u64(st->cpuset.mem_hardwall));
        tong_json_set(o, "mem_exclusive", tong_json_new_u64(st->cpuset.mem_exclusive));
        tong_json_set(o, "memory_migrate", tong_json_new_u64(st->cpuset.memory_migrate));
        tong_json_set(o, "memory_spread_page", tong_json_new_u64(st->cpuset.memory_spread_page));
        tong_json_set(o, "memory_spread_slab", tong_json_new_u64(st->cpuset.memory_spread_slab));
        tong_json_set(o, "memory_pressure", tong_json_new_u64(st->cpuset.memory_pressure));
        tong_json_set(o, "sched_load_balance", tong_json_new_u64(st->cpuset.sched_load_balance));
        tong_json_set(o, "sched_relax_domain_level",
                      tong_json_new_i64(st->cpuset.sched_relax_domain_level));
        return o;
}

static tong_json *mem_entry_json(const tong_cgroup_mem_entry *e)
{
        tong_json *o = tong_json_new_object();

        tong_json_set(o, "limit", tong_json_new_u64(e->limit));
        set_nz(o, "usage", e->usage);
        set_nz(o, "max", e->max);
        tong_json_set(o, "failcnt", tong_json_new_u64(e->failcnt));
        return o;
}

static tong_json *memory_json(const tong_cgroup_stats *st)
{
        tong_json *m = tong_json_new_object();

        set_nz(m, "cache", st->memory.cache);
        tong_json_set(m, "usage", mem_entry_json(&st->memory.usage));
        tong_json_set(m, "swap", mem_entry_json(&st->memory.swap));
        tong_json_set(m, "kernel", mem_entry_json(&st->memory.kernel));
        tong_json_set(m, "kernelTCP", mem_entry_json(&st->memory.kernel_tcp));
        if (st->memory.n_stat > 0) {
                tong_json *raw = tong_json_new_object();

                for (size_t i = 0; i < st->memory.n_stat; i++)
                        tong_json_set(raw, st->memory.stat_keys[i],
                                      tong_json_new_u64(st->memory.stat_values[i]));
                tong_json_set(m, "raw", raw);
        }
        return m;
}

static void set_blkio_entries(tong_json *o, const char *k, const tong_cgroup_blkio_entry *e,
                              size_t n)
{
        tong_json *a;

        if (n == 0)
                return;
        a = tong_json_new_array();
        for (size_t i = 0; i < n; i++) {
                tong_json *x = tong_json_new_object();

                set_nz(x, "major", e[i].major);
                set_nz(x, "minor", e[i].minor);
                if (e[i].op[0])
                        tong_json_set(x, "op", tong_json_new_string(e[i].op));
                set_nz(x, "value", e[i].value);
                tong_json_append(a, x);
        }
        tong_json_set(o, k, a);
}

static tong_json *stats_json(const tong_cgroup_stats *st)
{
        tong_json *d = tong_json_new_object(), *pids = tong_json_new_object();
        tong_json *blkio = tong_json_new_object(), *huge = tong_json_new_object();

        tong_json_set(d, "cpu", cpu_json(st));
        tong_json_set(d, "cpuset", cpuset_json(st));
        tong_json_set(d, "memory", memory_json(st));
        set_nz(pids, "current", st->pids.current);
        set_nz(pids, "limit", st->pids.limit);
        tong_json_set(d, "pids", pids);
        set_blkio_entries(blkio, "ioServiceBytesRecursive", st->blkio.service_bytes,
                          st->blkio.n_service_bytes);
        set_blkio_entries(blkio, "ioServicedRecursive", st->blkio.serviced, st->blkio.n_serviced);
        tong_json_set(d, "blkio", blkio);
        for (size_t i = 0; i < st->n_hugetlb; i++) {
                tong_json *h = tong_json_new_object();

                set_nz(h, "usage", st->hugetlb[i].usage);
                set_nz(h, "max", st->hugetlb[i].max);
                tong_json_set(h, "failcnt", tong_json_new_u64(st->hugetlb[i].failcnt));
                tong_json_set(huge, st->hugetlb[i].page_size, h);
        }
        tong_json_set(d, "hugetlb", huge);
        tong_json_set(d, "intel_rdt", tong_json_new_object());
        tong_json_set(d, "network_interfaces", tong_json_new_null());
        return d;
}

/* {"type":...,"id":...[,"data":...]} handed to emit; data is consumed. */
static int emit_event(const container *c, const char *type, tong_json *data, tong_event_fn emit,
                      void *userdata, tong_err **err)
{
        _cleanup_json_ tong_json *ev = tong_json_new_object();
        _cleanup_free_ char *s = NULL;
        int r;

        tong_json_set(ev, "type", tong_json_new_string(type));
        tong_json_set(ev, "id", tong_json_new_string(c->id));
        if (data)
                tong_json_set(ev, "data", data);
        s = tong_json_to_string(ev, TONG_JSON_PLAIN);
        r = emit(s, userdata);
        if (r < 0)
                return tong_err_sys(err, -r, "container `%s`: write the %s event", c->id, type);
        return 0;
}

static int emit_stats(const container *c, tong_event_fn emit, void *userdata, tong_err **err)
{
        _cleanup_(tong_cgroup_stats_freep) tong_cgroup_stats *st = NULL;
        int r;

        r = tong_cgroup_get_stats(c->cg, &st, err);
        if (r < 0)
                return tong_err_prefix(err, r, "container `%s`: stats", c->id);
        return emit_event(c, "stats", stats_json(st), emit, userdata, err);
}

/* ---------------------------------------------------------------- events: the stream */

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
        struct timespec ts = { .tv_sec = ns / 1000000000ll, .tv_nsec = ns % 1000000000ll };

        while (ns > 0 && clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
                ;
}

/* One "oom" event per kill counted since the last look.  *last: UINT64_MAX = no counter. */
static int check_oom(const container *c, uint64_t *last, tong_event_fn emit, void *userdata,
                     tong_err **err)
{
        uint64_t now = 0;
        int r;

        if (*last == UINT64_MAX || tong_cgroup_oom_kills(c->cg, &now, NULL) < 0 || now <= *last)
                return 0;
        for (uint64_t i = *last; i < now && i - *last < OOM_EVENTS_MAX; i++) {
                r = emit_event(c, "oom", NULL, emit, userdata, err);
                if (r < 0)
                        return r;
        }
        *last = now;
        return 0;
}

/* A sample that cannot be taken is reported and the stream goes on, as in runc. */
static int sample(const container *c, tong_event_fn emit, void *userdata, tong_err **err)
{
        _cleanup_(tong_cgroup_stats_freep) tong_cgroup_stats *st = NULL;
        _cleanup_(tong_err_freep) tong_err *e = NULL;

        if (tong_cgroup_get_stats(c->cg, &st, &e) < 0) {
                tong_warn("container `%s`: stats: %s", c->id, e->msg);
                return 0;
        }
        return emit_event(c, "stats", stats_json(st), emit, userdata, err);
}

static int events_stream(const container *c, int64_t interval_ns, tong_event_fn emit,
                         void *userdata, tong_err **err)
{
        int64_t next = now_ns() + interval_ns;
        uint64_t ooms = 0;
        int r;

        if (tong_cgroup_oom_kills(c->cg, &ooms, NULL) < 0)
                ooms = UINT64_MAX; /* no memory controller: nothing to report */
        for (;;) {
                sleep_ns(MIN(next - now_ns(), EVENTS_TICK_NS));
                /* OOM first: a kill that ends the container is still reported. */
                r = check_oom(c, &ooms, emit, userdata, err);
                if (r < 0)
                        return r;
                if (!tong_state_pid_alive(c->state))
                        return 0;
                if (now_ns() < next)
                        continue;
                next += interval_ns;
                if (next < now_ns())
                        next = now_ns() + interval_ns; /* we were stopped: do not catch up */
                r = sample(c, emit, userdata, err);
                if (r < 0)
                        return r;
        }
}

int tong_container_events(const tong_ctx *ctx, const char *id, bool stats_only, int64_t interval_ns,
                          tong_event_fn emit, void *userdata, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status = NULL;
        int r;

        if (interval_ns <= 0)
                return tong_err_set(err, EINVAL, "--interval: must be greater than 0");
        /* No lock: the stream runs for long and must not hold off `delete`. */
        r = load_cgroup(c, 0, false, &status, err);
        if (r < 0)
                return r;
        if (streq(status, "stopped") || streq(status, "creating"))
                return not_running(c, status, err);
        if (stats_only)
                return emit_stats(c, emit, userdata, err);
        return events_stream(c, interval_ns, emit, userdata, err);
}

/* ---------------------------------------------------------------- ps */

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

        return (x > y) - (x < y);
}

static int container_pids(const container *c, pid_t **ret, size_t *ret_n, tong_err **err)
{
        int r;

        r = tong_cgroup_pids(c->cg, ret, ret_n, err);
        if (r < 0)
                return tong_err_prefix(err, r, "container `%s`", c->id);
        if (*ret_n > 1)
                qsort(*ret, *ret_n, sizeof(pid_t), cmp_pid);
        return 0;
}

int tong_container_pids(const tong_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
                        tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status = NULL;
        int r;

        r = load_cgroup(c, 0, false, &status, err);
        if (r < 0)
                return r;
        return container_pids(c, ret, ret_n, err);
}

/* ps(1) with its stdout and stderr in *ret (runc reads both). */
static int run_ps(char *const *args, char **ret, tong_err **err)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_close_ int rd = -EBADF, wr = -EBADF;
        posix_spawn_file_actions_t fa;
        size_t len;
        pid_t pid;
        int fds[2], status, r;

        strv_push(&argv, "ps");
        if (!args || !args[0])
                strv_push(&argv, "-ef");
        for (size_t i = 0; args && args[i]; i++)
                strv_push(&argv, args[i]);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return tong_err_sys(err, errno, "ps: pipe");
        rd = fds[0];
        wr = fds[1];
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO);
        r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return tong_err_sys(err, r, "run ps");
        wr = safe_close(wr);
        r = read_fd_full(rd, PS_OUTPUT_MAX, ret, &len);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return tong_err_sys(err, -r, "read the output of ps");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                _cleanup_free_ char *out = TAKE_PTR(*ret);

                return tong_err_set(err, EIO, "ps %s: %s", WIFEXITED(status) ? "failed" : "died",
                                    out);
        }
        return 0;
}

/* Index of the PID column in ps's header, -1 if none. */
static ssize_t pid_column(const char *header)
{
        _cleanup_free_ char *h = xstrdup(header);
        ssize_t i = 0;

        for (char *save = NULL, *w = strtok_r(h, " \t", &save); w;
             w = strtok_r(NULL, " \t", &save), i++)
                if (streq(w, "PID"))
                        return i;
        return -1;
}

/* The ps field at column idx of line, or NULL. */
static char *field_at(const char *line, ssize_t idx)
{
        _cleanup_free_ char *l = xstrdup(line);
        ssize_t i = 0;

        for (char *save = NULL, *w = strtok_r(l, " \t", &save); w;
             w = strtok_r(NULL, " \t", &save), i++)
                if (i == idx)
                        return xstrdup(w);
        return NULL;
}

static int filter_ps(char *out, const pid_t *pids, size_t n, char **ret, tong_err **err)
{
        char *save = NULL, *line = strtok_r(out, "\n", &save);
        _cleanup_free_ char *table = NULL;
        ssize_t idx;

        if (!line || (idx = pid_column(line)) < 0)
                return tong_err_set(err, EIO, "couldn't find PID field in ps output");
        table = xasprintf("%s\n", line);
        while ((line = strtok_r(NULL, "\n", &save))) {
                _cleanup_free_ char *f = field_at(line, idx);
                pid_t key;
                int p;
                char *t;

                if (!f)
                        continue;
                if (parse_int(f, &p) < 0)
                        return tong_err_set(err, EIO, "ps: unable to parse pid \"%s\"", f);
                key = p;
                if (!bsearch(&key, pids, n, sizeof(pid_t), cmp_pid))
                        continue;
                t = xasprintf("%s%s\n", table, line);
                free(table);
                table = t;
        }
        *ret = TAKE_PTR(table);
        return 0;
}

int tong_container_ps(const tong_ctx *ctx, const char *id, char *const *ps_args, char **ret_table,
                      tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *out = NULL;
        const char *status = NULL;
        size_t n = 0;
        int r;

        r = load_cgroup(c, 0, false, &status, err);
        if (r >= 0)
                r = container_pids(c, &pids, &n, err);
        if (r >= 0)
                r = run_ps(ps_args, &out, err);
        if (r >= 0)
                r = filter_ps(out, pids, n, ret_table, err);
        return r;
}
