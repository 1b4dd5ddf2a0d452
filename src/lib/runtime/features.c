/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tong features` (runtime-spec features.md): what this build recognises and implements.
 * The name lists come from the same tables the parser uses (spec/names.c), so a name is
 * listed exactly when the parser accepts it.  The booleans say what tong really does; keep
 * them true to the code.
 */
#include "config.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "tong/tong.h"
#include "spec/names.h"

static tong_json *str_array(const char *const *names, size_t n)
{
        tong_json *a = tong_json_new_array();

        for (size_t i = 0; i < n; i++)
                if (names[i])
                        tong_json_append(a, tong_json_new_string(names[i]));
        return a;
}

static tong_json *enabled(bool on)
{
        tong_json *o = tong_json_new_object();

        tong_json_set(o, "enabled", tong_json_new_bool(on));
        return o;
}

static tong_json *seccomp_flags(void)
{
        tong_json *a = tong_json_new_array();

        for (unsigned f = 1; f <= TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV; f <<= 1)
                tong_json_append(a, tong_json_new_string(tong_seccomp_flag_name(f)));
        return a;
}

static tong_json *seccomp_features(void)
{
        tong_json *o = tong_json_new_object(), *a;

        tong_json_set(o, "enabled", tong_json_new_bool(true));
        a = tong_json_new_array();
        for (int i = 0; i < _TONG_SCMP_ACT_MAX; i++)
                tong_json_append(a, tong_json_new_string(tong_seccomp_action_name(i)));
        tong_json_set(o, "actions", a);
        a = tong_json_new_array();
        for (int i = 0; i < _TONG_SCMP_CMP_MAX; i++)
                tong_json_append(a, tong_json_new_string(tong_seccomp_op_name(i)));
        tong_json_set(o, "operators", a);
        a = tong_json_new_array();
        for (size_t i = 0; tong_seccomp_arch_names[i]; i++)
                tong_json_append(a, tong_json_new_string(tong_seccomp_arch_names[i]));
        tong_json_set(o, "archs", a);
        /* Every flag tong knows is passed to seccomp(2) as it is: known == supported. */
        tong_json_set(o, "knownFlags", seccomp_flags());
        tong_json_set(o, "supportedFlags", seccomp_flags());
        return o;
}

static tong_json *linux_features(void)
{
        tong_json *o = tong_json_new_object(), *a, *cg, *ext;

        a = tong_json_new_array();
        for (int t = 0; t < _TONG_NS_MAX; t++)
                tong_json_append(a, tong_json_new_string(tong_ns_to_oci(t)));
        tong_json_set(o, "namespaces", a);
        a = tong_json_new_array();
        for (int cap = 0; cap <= TONG_CAP_LAST; cap++)
                tong_json_append(a, tong_json_new_string(tong_cap_name(cap)));
        tong_json_set(o, "capabilities", a);

        cg = tong_json_new_object();
        tong_json_set(cg, "v1", tong_json_new_bool(true));
        tong_json_set(cg, "v2", tong_json_new_bool(true));
        tong_json_set(cg, "systemd", tong_json_new_bool(false));
        tong_json_set(cg, "systemdUser", tong_json_new_bool(false));
        tong_json_set(cg, "rdma", tong_json_new_bool(true));
        tong_json_set(o, "cgroup", cg);

        tong_json_set(o, "seccomp", seccomp_features());
        tong_json_set(o, "apparmor", enabled(false));
        tong_json_set(o, "selinux", enabled(false));
        tong_json_set(o, "intelRdt", enabled(false));
        ext = tong_json_new_object();
        tong_json_set(ext, "idmap", enabled(true));
        tong_json_set(o, "mountExtensions", ext);
        tong_json_set(o, "netDevices", enabled(false));
        return o;
}

char *tong_features_json(void)
{
        static const char *const hooks[] = { "prestart",       "createRuntime", "createContainer",
                                             "startContainer", "poststart",     "poststop" };
        _cleanup_json_ tong_json *o = tong_json_new_object();
        tong_json *a, *ann;

        tong_json_set(o, "ociVersionMin", tong_json_new_string(TONG_OCI_VERSION_MIN));
        tong_json_set(o, "ociVersionMax", tong_json_new_string(TONG_OCI_VERSION));
        tong_json_set(o, "hooks", str_array(hooks, sizeof(hooks) / sizeof(hooks[0])));
        a = tong_json_new_array();
        for (const tong_mount_opt *m = tong_mount_opts; m->name; m++)
                tong_json_append(a, tong_json_new_string(m->name));
        tong_json_set(o, "mountOptions", a);
        tong_json_set(o, "linux", linux_features());
        ann = tong_json_new_object();
        tong_json_set(ann, "io.github.seccomp.libseccomp.version",
                      tong_json_new_string(tong_libseccomp_version()));
        tong_json_set(ann, "org.tong.version", tong_json_new_string(TONG_VERSION));
        if (*TONG_COMMIT)
                tong_json_set(ann, "org.tong.commit", tong_json_new_string(TONG_COMMIT));
        tong_json_set(o, "annotations", ann);
        tong_json_set(o, "potentiallyUnsafeConfigAnnotations", tong_json_new_array());
        return tong_json_to_string(o, TONG_JSON_PRETTY);
}
