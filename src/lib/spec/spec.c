/* SPDX-License-Identifier: Apache-2.0 */
/* Releasing the model, small queries on it, and loading config.json from a bundle. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/strv.h"
#include "spec/spec.h"

static void kv_free(tong_kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

void tong_mount_done(tong_mount *m)
{
        free(m->destination);
        free(m->source);
        free(m->type);
        strv_free(m->options);
        free(m->data);
        free(m->uid_mappings);
        free(m->gid_mappings);
        *m = (tong_mount){ 0 };
}

void tong_process_done(tong_process *p)
{
        free(p->user.additional_gids);
        free(p->user.username);
        strv_free(p->args);
        free(p->command_line);
        strv_free(p->env);
        free(p->cwd);
        strv_free(p->capabilities.unknown);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->exec_cpu_affinity.initial);
        free(p->exec_cpu_affinity.final);
        *p = (tong_process){ 0 };
}

void tong_resources_done(tong_resources *r)
{
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->blkio.weight_devices);
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++)
                free(r->blkio.throttle[k]);
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        for (size_t i = 0; i < r->n_net_priorities; i++)
                free(r->net_priorities[i].name);
        free(r->net_priorities);
        for (size_t i = 0; i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        kv_free(r->unified, r->n_unified);
        *r = (tong_resources){ 0 };
}

void tong_seccomp_done(tong_seccomp *s)
{
        strv_free(s->architectures);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        *s = (tong_seccomp){ 0 };
}

static void linux_done(tong_linux *l)
{
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        for (size_t i = 0; i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
        free(l->cgroups_path);
        tong_resources_done(&l->resources);
        tong_seccomp_done(&l->seccomp);
        kv_free(l->sysctl, l->n_sysctl);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free(l->mount_label);
        free(l->intel_rdt.clos_id);
        strv_free(l->intel_rdt.schemata);
        free(l->intel_rdt.l3_cache_schema);
        free(l->intel_rdt.mem_bw_schema);
        free(l->memory_policy.nodes);
        strv_free(l->personality.flags);
}

static void hooks_done(tong_hooks *h)
{
        for (int k = 0; k < _TONG_HOOK_MAX; k++) {
                for (size_t i = 0; i < h->n_hooks[k]; i++) {
                        free(h->hooks[k][i].path);
                        strv_free(h->hooks[k][i].args);
                        strv_free(h->hooks[k][i].env);
                }
                free(h->hooks[k]);
        }
}

tong_spec *tong_spec_free(tong_spec *spec)
{
        if (!spec)
                return NULL;
        free(spec->oci_version);
        free(spec->root_path);
        tong_process_done(&spec->process);
        free(spec->hostname);
        free(spec->domainname);
        for (size_t i = 0; i < spec->n_mounts; i++)
                tong_mount_done(&spec->mounts[i]);
        free(spec->mounts);
        hooks_done(&spec->hooks);
        kv_free(spec->annotations, spec->n_annotations);
        linux_done(&spec->linux);
        free(spec);
        return NULL;
}

ssize_t tong_spec_find_namespace(const tong_spec *spec, tong_ns_type t)
{
        for (size_t i = 0; i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type == t)
                        return (ssize_t)i;
        return -1;
}

const char *tong_spec_annotation(const tong_spec *spec, const char *key)
{
        for (size_t i = 0; i < spec->n_annotations; i++)
                if (streq(spec->annotations[i].key, key))
                        return spec->annotations[i].value;
        return NULL;
}

int tong_spec_load_at(int dirfd, const char *name, tong_spec **ret, tong_err **err)
{
        _cleanup_(tong_spec_freep) tong_spec *s = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (!name)
                name = "config.json";
        r = read_file_at(dirfd, name, TONG_SPEC_MAX_SIZE, &buf, &len);
        if (r == -EFBIG)
                return tong_err_set(err, EFBIG, "%s: larger than %u bytes", name,
                                    TONG_SPEC_MAX_SIZE);
        if (r < 0)
                return tong_err_sys(err, -r, "read %s", name);
        r = tong_spec_parse_buffer(buf, len, &s, err);
        if (r >= 0)
                r = tong_spec_validate(s, err);
        if (r < 0)
                return tong_err_prefix(err, r, "%s", name);
        *ret = TAKE_PTR(s);
        return 0;
}
