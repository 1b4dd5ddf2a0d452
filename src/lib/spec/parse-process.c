/* SPDX-License-Identifier: Apache-2.0 */
/* The "process" object of config.json (config.md "Process"), also `exec --process`. */
#include <errno.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/strv.h"
#include "spec/names.h"
#include "spec/parse-internal.h"

/* Unknown capability names are warnings, not errors; a config repeats them across the five
 * sets, so keep each once, and stop remembering after this many (the warning is enough). */
#define MAX_UNKNOWN_CAPS 128

static int sp_console_size(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("height", TONG_JSON_INT, sp_u64, tong_process, console_height),
                SP_FR("width", TONG_JSON_INT, sp_u64, tong_process, console_width),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_gids(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_user *u = dst;

        return sp_array(c, v, sizeof(uint32_t), TONG_SPEC_MAX_ARRAY, sp_u32,
                        (void **)&u->additional_gids, &u->n_additional_gids);
}

static int sp_user(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("uid", TONG_JSON_INT, sp_u32, tong_user, uid),
                SP_FR("gid", TONG_JSON_INT, sp_u32, tong_user, gid),
                SP_FH("umask", TONG_JSON_INT, sp_u32, tong_user, umask, has_umask),
                { "additionalGids", TONG_JSON_ARRAY, sp_gids, 0, 0, false },
                SP_F("username", TONG_JSON_STRING, sp_string, tong_user, username),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int cap_set(sp_ctx *c, const tong_json *arr, uint64_t *set, char ***unknown)
{
        size_t n;

        if (tong_json_type_of(arr) != TONG_JSON_ARRAY)
                return sp_type_error(c, TONG_JSON_ARRAY, arr);
        n = tong_json_array_len(arr);
        if (n > TONG_SPEC_MAX_ARRAY)
                return sp_error(c, E2BIG, "too many entries (%zu, the limit is %d)", n,
                                TONG_SPEC_MAX_ARRAY);
        for (size_t i = 0; i < n; i++) {
                size_t saved = sp_push_index(c, i);
                const char *s;
                int cap, r = sp_string_get(c, tong_json_array_at(arr, i), &s);

                if (r < 0)
                        return r;
                sp_pop(c, saved);
                cap = tong_cap_from_name(s);
                if (cap >= 0)
                        *set |= UINT64_C(1) << cap;
                else if (strv_length(*unknown) < MAX_UNKNOWN_CAPS && !strv_contains(*unknown, s))
                        strv_push(unknown, s);
        }
        return 0;
}

static int sp_capabilities(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_capabilities *caps = dst;
        const struct {
                const char *key;
                uint64_t *set;
        } sets[] = {
                { "bounding", &caps->bounding },       { "effective", &caps->effective },
                { "inheritable", &caps->inheritable }, { "permitted", &caps->permitted },
                { "ambient", &caps->ambient },
        };

        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                const tong_json *arr = tong_json_get(v, sets[i].key);
                size_t saved;
                int r;

                if (!arr)
                        continue;
                saved = sp_push_key(c, sets[i].key);
                r = cap_set(c, arr, sets[i].set, &caps->unknown);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        return 0;
}

static int sp_rlimit_type(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int res, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        res = tong_rlimit_from_name(s);
        if (res < 0)
                return sp_unknown(c, "rlimit", s);
        *(int *)dst = res;
        return 0;
}

static int sp_rlimits(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("type", TONG_JSON_STRING, sp_rlimit_type, tong_rlimit, resource),
                SP_FR("soft", TONG_JSON_INT, sp_u64, tong_rlimit, soft),
                SP_FR("hard", TONG_JSON_INT, sp_u64, tong_rlimit, hard),
                SP_END,
        };
        tong_process *p = dst;

        return sp_array_obj(c, v, sizeof(tong_rlimit), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&p->rlimits, &p->n_rlimits);
}

/* A string resolved through a names.c lookup; `what` names the kind in the message. */
static int enum_value(sp_ctx *c, const tong_json *v, int (*lookup)(const char *), const char *what,
                      int *ret)
{
        const char *s;
        int val, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        val = lookup(s);
        if (val < 0)
                return sp_unknown(c, what, s);
        *ret = val;
        return 0;
}

static int sp_ioprio_class(sp_ctx *c, const tong_json *v, void *dst)
{
        return enum_value(c, v, tong_ioprio_class_from_name, "I/O priority class", dst);
}

static int sp_io_priority(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("class", TONG_JSON_STRING, sp_ioprio_class, tong_io_priority, klass),
                SP_F("priority", TONG_JSON_INT, sp_i32, tong_io_priority, priority),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_sched_policy(sp_ctx *c, const tong_json *v, void *dst)
{
        return enum_value(c, v, tong_sched_policy_from_name, "scheduler policy", dst);
}

static int sp_sched_flag(sp_ctx *c, const tong_json *v, void *dst)
{
        int flag = 0, r = enum_value(c, v, tong_sched_flag_from_name, "scheduler flag", &flag);

        if (r >= 0)
                *(uint64_t *)dst |= (uint64_t)flag;
        return r;
}

static int sp_sched_flags(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_each(c, v, sp_sched_flag, dst);
}

static int sp_scheduler(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("policy", TONG_JSON_STRING, sp_sched_policy, tong_scheduler, policy),
                SP_FH("nice", TONG_JSON_INT, sp_i32, tong_scheduler, nice, has_nice),
                SP_FH("priority", TONG_JSON_INT, sp_i32, tong_scheduler, priority, has_priority),
                SP_F("flags", TONG_JSON_ARRAY, sp_sched_flags, tong_scheduler, flags),
                SP_FH("runtime", TONG_JSON_INT, sp_u64, tong_scheduler, runtime, has_runtime),
                SP_FH("deadline", TONG_JSON_INT, sp_u64, tong_scheduler, deadline, has_deadline),
                SP_FH("period", TONG_JSON_INT, sp_u64, tong_scheduler, period, has_period),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_exec_cpu_affinity(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_F("initial", TONG_JSON_STRING, sp_string, tong_exec_cpu_affinity, initial),
                SP_F("final", TONG_JSON_STRING, sp_string, tong_exec_cpu_affinity, final),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static const sp_field process_fields[] = {
        SP_F("terminal", TONG_JSON_BOOL, sp_bool, tong_process, terminal),
        { "consoleSize", TONG_JSON_OBJECT, sp_console_size, 0,
          offsetof(tong_process, has_console_size) + 1, false },
        SP_F("user", TONG_JSON_OBJECT, sp_user, tong_process, user),
        SP_F("args", TONG_JSON_ARRAY, sp_strv, tong_process, args),
        SP_F("commandLine", TONG_JSON_STRING, sp_string, tong_process, command_line),
        SP_F("env", TONG_JSON_ARRAY, sp_strv, tong_process, env),
        SP_F("cwd", TONG_JSON_STRING, sp_string, tong_process, cwd),
        SP_FH("capabilities", TONG_JSON_OBJECT, sp_capabilities, tong_process, capabilities,
              has_capabilities),
        { "rlimits", TONG_JSON_ARRAY, sp_rlimits, 0, 0, false },
        SP_F("noNewPrivileges", TONG_JSON_BOOL, sp_bool, tong_process, no_new_privileges),
        SP_F("apparmorProfile", TONG_JSON_STRING, sp_string, tong_process, apparmor_profile),
        SP_F("selinuxLabel", TONG_JSON_STRING, sp_string, tong_process, selinux_label),
        SP_FH("oomScoreAdj", TONG_JSON_INT, sp_i32, tong_process, oom_score_adj, has_oom_score_adj),
        SP_FH("ioPriority", TONG_JSON_OBJECT, sp_io_priority, tong_process, io_priority,
              io_priority.has),
        SP_FH("scheduler", TONG_JSON_OBJECT, sp_scheduler, tong_process, scheduler, scheduler.has),
        SP_F("execCPUAffinity", TONG_JSON_OBJECT, sp_exec_cpu_affinity, tong_process,
             exec_cpu_affinity),
        SP_END,
};

int sp_process(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_object(c, v, process_fields, dst);
}
