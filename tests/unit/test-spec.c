/* SPDX-License-Identifier: Apache-2.0 */
/* The config parser: every property of config.md / config-linux.md parsed into the model. */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/missing.h"
#include "core/strv.h"
#include "spec/names.h"
#include "spec/spec.h"
#include "test-spec-util.h"
#include "test.h"
#include "tong/spec.h"

static tong_spec *load_ok(const char *json)
{
        _cleanup_free_ char *msg = NULL;
        tong_spec *s = spec_test_load(json, &msg);

        if (!s)
                test_fail(__FILE__, __LINE__, "rejected: %s\n  %s", msg, json);
        return s;
}

static const char full_process[] =
        "{'ociVersion':'1.3.0','root':{'path':'/srv/rootfs','readonly':true},"
        "'process':{'terminal':true,'consoleSize':{'height':25,'width':80},"
        " 'user':{'uid':1000,'gid':1001,'umask':18,'additionalGids':[5,4294967295],"
        "         'username':'ignored'},"
        " 'args':['/bin/sh','-c','true'],'commandLine':'ignored','env':['PATH=/bin','X='],"
        " 'cwd':'/home','capabilities':{'bounding':['CAP_CHOWN','CAP_CHECKPOINT_RESTORE',"
        "   'CAP_FUTURE'],'effective':['CAP_KILL'],'inheritable':[],'permitted':['CAP_BPF',"
        "   'CAP_FUTURE'],'ambient':['CAP_NEW']},"
        " 'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
        "   {'type':'RLIMIT_CORE','soft':18446744073709551615,'hard':18446744073709551615}],"
        " 'noNewPrivileges':true,'apparmorProfile':'aa','selinuxLabel':'se',"
        " 'oomScoreAdj':-1000,'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':7},"
        " 'scheduler':{'policy':'SCHED_DEADLINE','flags':['SCHED_FLAG_RESET_ON_FORK',"
        "   'SCHED_FLAG_UTIL_CLAMP_MAX'],'runtime':10,'deadline':20,'period':30},"
        " 'execCPUAffinity':{'initial':'0-3,7','final':'1'},"
        " 'unknownProperty':{'is':'ignored'}},"
        "'hostname':'box','domainname':'example.org','futureTopLevel':[1,2,3]}";

TEST(spec_process_every_property)
{
        _cleanup_(tong_spec_freep) tong_spec *s = NULL;
        const tong_process *p;

        /* hostname needs a uts namespace: parse only, validate the process part. */
        _cleanup_free_ char *json = spec_test_json(full_process);
        _cleanup_(tong_err_freep) tong_err *err = NULL;

        ASSERT_OK(tong_spec_parse_buffer(json, strlen(json), &s, &err));
        p = &s->process;
        ASSERT_OK(tong_spec_validate_process(p, "process", NULL));
        ASSERT_STREQ(s->oci_version, "1.3.0");
        ASSERT_STREQ(s->root_path, "/srv/rootfs");
        ASSERT_TRUE(s->root_readonly);
        ASSERT_TRUE(s->has_process);
        ASSERT_TRUE(p->terminal);
        ASSERT_TRUE(p->has_console_size);
        ASSERT_U64_EQ(p->console_height, 25);
        ASSERT_U64_EQ(p->console_width, 80);
        ASSERT_EQ(p->user.uid, 1000);
        ASSERT_EQ(p->user.gid, 1001);
        ASSERT_TRUE(p->user.has_umask);
        ASSERT_EQ(p->user.umask, 022);
        ASSERT_EQ(p->user.n_additional_gids, 2);
        ASSERT_U64_EQ(p->user.additional_gids[1], UINT32_MAX);
        ASSERT_STREQ(p->user.username, "ignored");
        ASSERT_EQ(strv_length(p->args), 3);
        ASSERT_STREQ(p->args[2], "true");
        ASSERT_STREQ(p->command_line, "ignored");
        ASSERT_STREQ(p->env[1], "X=");
        ASSERT_STREQ(p->cwd, "/home");
        ASSERT_TRUE(p->has_capabilities);
        ASSERT_U64_EQ(p->capabilities.bounding, (1ULL << 0) | (1ULL << 40));
        ASSERT_U64_EQ(p->capabilities.effective, 1ULL << 5);
        ASSERT_U64_EQ(p->capabilities.inheritable, 0);
        ASSERT_U64_EQ(p->capabilities.permitted, 1ULL << 39);
        ASSERT_U64_EQ(p->capabilities.ambient, 0);
        /* Unknown names are kept once each, for the warning. */
        ASSERT_EQ(strv_length(p->capabilities.unknown), 2);
        ASSERT_STREQ(p->capabilities.unknown[0], "CAP_FUTURE");
        ASSERT_STREQ(p->capabilities.unknown[1], "CAP_NEW");
        ASSERT_EQ(p->n_rlimits, 2);
        ASSERT_EQ(p->rlimits[0].resource, RLIMIT_NOFILE);
        ASSERT_U64_EQ(p->rlimits[0].soft, 1024);
        ASSERT_U64_EQ(p->rlimits[0].hard, 4096);
        ASSERT_EQ(p->rlimits[1].resource, RLIMIT_CORE);
        ASSERT_U64_EQ(p->rlimits[1].soft, RLIM_INFINITY);
        ASSERT_U64_EQ(p->rlimits[1].hard, RLIM_INFINITY);
        ASSERT_TRUE(p->no_new_privileges);
        ASSERT_STREQ(p->apparmor_profile, "aa");
        ASSERT_STREQ(p->selinux_label, "se");
        ASSERT_TRUE(p->has_oom_score_adj);
        ASSERT_EQ(p->oom_score_adj, -1000);
        ASSERT_TRUE(p->io_priority.has);
        ASSERT_EQ(p->io_priority.klass, IOPRIO_CLASS_IDLE);
        ASSERT_EQ(p->io_priority.priority, 7);
        ASSERT_TRUE(p->scheduler.has);
        ASSERT_EQ(p->scheduler.policy, SCHED_DEADLINE);
        ASSERT_U64_EQ(p->scheduler.flags, SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_UTIL_CLAMP_MAX);
        ASSERT_TRUE(p->scheduler.has_runtime && p->scheduler.has_deadline &&
                    p->scheduler.has_period);
        ASSERT_U64_EQ(p->scheduler.period, 30);
        ASSERT_FALSE(p->scheduler.has_nice);
        ASSERT_STREQ(p->exec_cpu_affinity.initial, "0-3,7");
        ASSERT_STREQ(p->exec_cpu_affinity.final, "1");
        ASSERT_STREQ(s->hostname, "box");
        ASSERT_STREQ(s->domainname, "example.org");
        ASSERT_FALSE(s->has_linux);
}

static const char full_linux[] = SPEC_TOP(
        "'hostname':'h','mounts':[{'destination':'/data','source':'/srv','type':'none',"
        " 'options':['rbind','ro','nosuid','rprivate','idmap','mode=755','size=1k'],"
        " 'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
        " 'gidMappings':[{'containerID':0,'hostID':100000,'size':65536}]},"
        " {'destination':'tmp','type':'tmpfs'}],"
        "'hooks':{'prestart':[{'path':'/bin/a','args':['a','1'],'env':['K=V'],'timeout':5}],"
        " 'createRuntime':[{'path':'/bin/b'}],'createContainer':[{'path':'/bin/c'}],"
        " 'startContainer':[{'path':'/bin/d'}],'poststart':[{'path':'/bin/e'}],"
        " 'poststop':[{'path':'/bin/f'},{'path':'/bin/g'}]},"
        "'annotations':{'org.example.a':'1','org.example.b':''},"
        "'linux':{'namespaces':[{'type':'pid'},{'type':'network','path':'/var/run/netns/x'},"
        "  {'type':'mount'},{'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},"
        "  {'type':'time'}],"
        " 'uidMappings':[{'containerID':0,'hostID':1000,'size':1},"
        "  {'containerID':1,'hostID':100000,'size':65535}],"
        " 'gidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
        " 'timeOffsets':{'boottime':{'secs':-5,'nanosecs':7},'monotonic':{'secs':9}},"
        " 'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,"
        "   'uid':0,'gid':5},{'path':'/dev/fifo','type':'p'}],"
        " 'netDevices':{'eth1':{'name':'ctr%d'},'ens4':{}},"
        " 'cgroupsPath':'system.slice:tong:abc',"
        " 'rootfsPropagation':'rslave',"
        " 'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
        "   'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_RISCV64'],"
        "   'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
        "   'listenerPath':'/run/l.sock','listenerMetadata':'meta',"
        "   'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
        "    {'names':['personality'],'action':'SCMP_ACT_TRACE','errnoRet':1,"
        "     'args':[{'index':0,'value':255,'valueTwo':18446744073709551615,"
        "      'op':'SCMP_CMP_MASKED_EQ'},{'index':5,'value':0,'op':'SCMP_CMP_NE'}]},"
        "    {'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]},"
        " 'sysctl':{'net.ipv4.ip_forward':'1','net/ipv4/conf/eth0.1/forwarding':'0',"
        "   'kernel.shm_rmid_forced':'1','kernel.msgmax':'8192','fs.mqueue.queues_max':'4',"
        "   'kernel.domainname':'x'},"
        " 'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/bus'],"
        " 'mountLabel':'system_u:object_r:container_file_t:s0',"
        " 'intelRdt':{'closID':'guaranteed','schemata':['L3:0=ff','MB:0=50'],"
        "   'l3CacheSchema':'L3:0=ff','memBwSchema':'MB:0=50','enableMonitoring':true},"
        " 'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-1','flags':"
        "   ['MPOL_F_STATIC_NODES','MPOL_F_NUMA_BALANCING']},"
        " 'personality':{'domain':'LINUX32','flags':[]},"
        " 'futureLinuxProperty':true}");

TEST(spec_linux_every_property)
{
        _cleanup_(tong_spec_freep) tong_spec *s = load_ok(full_linux);
        const tong_linux *l = &s->linux;

        ASSERT_EQ(s->n_mounts, 2);
        ASSERT_STREQ(s->mounts[0].source, "/srv");
        ASSERT_STREQ(s->mounts[0].type, "none");
        ASSERT_TRUE(s->mounts[0].bind && s->mounts[0].recursive && s->mounts[0].idmap);
        ASSERT_FALSE(s->mounts[0].ridmap);
        ASSERT_EQ(s->mounts[0].n_uid_mappings, 1);
        ASSERT_EQ(s->mounts[0].gid_mappings[0].size, 65536);
        ASSERT_STREQ(s->mounts[0].data, "mode=755,size=1k");
        ASSERT_STREQ(s->mounts[1].destination, "tmp");
        ASSERT_NULL(s->mounts[1].source);

        ASSERT_EQ(s->hooks.n_hooks[TONG_HOOK_PRESTART], 1);
        ASSERT_STREQ(s->hooks.hooks[TONG_HOOK_PRESTART][0].args[1], "1");
        ASSERT_STREQ(s->hooks.hooks[TONG_HOOK_PRESTART][0].env[0], "K=V");
        ASSERT_TRUE(s->hooks.hooks[TONG_HOOK_PRESTART][0].has_timeout);
        ASSERT_EQ(s->hooks.hooks[TONG_HOOK_PRESTART][0].timeout, 5);
        for (int k = 0; k < _TONG_HOOK_MAX; k++)
                ASSERT_TRUE(s->hooks.n_hooks[k] >= 1);
        ASSERT_STREQ(s->hooks.hooks[TONG_HOOK_POSTSTOP][1].path, "/bin/g");
        ASSERT_STREQ(tong_spec_annotation(s, "org.example.a"), "1");
        ASSERT_STREQ(tong_spec_annotation(s, "org.example.b"), "");
        ASSERT_NULL(tong_spec_annotation(s, "org.example.c"));

        ASSERT_EQ(l->n_namespaces, 8);
        ASSERT_EQ(tong_spec_find_namespace(s, TONG_NS_NET), 1);
        ASSERT_STREQ(l->namespaces[1].path, "/var/run/netns/x");
        ASSERT_EQ(tong_spec_find_namespace(s, TONG_NS_TIME), 7);
        ASSERT_EQ(l->n_uid_mappings, 2);
        ASSERT_EQ(l->uid_mappings[1].host_id, 100000);
        ASSERT_TRUE(l->time_boottime.has);
        ASSERT_EQ(l->time_boottime.secs, -5);
        ASSERT_EQ(l->time_boottime.nanosecs, 7);
        ASSERT_EQ(l->time_monotonic.secs, 9);
        ASSERT_EQ(l->n_devices, 2);
        ASSERT_EQ(l->devices[0].type, 'c');
        ASSERT_TRUE(l->devices[0].has_major_minor);
        ASSERT_EQ(l->devices[0].minor, 229);
        ASSERT_EQ(l->devices[0].file_mode, 0666);
        ASSERT_TRUE(l->devices[0].has_gid);
        ASSERT_EQ(l->devices[0].gid, 5);
        ASSERT_EQ(l->devices[1].type, 'p');
        ASSERT_FALSE(l->devices[1].has_major_minor);
        ASSERT_EQ(l->n_net_devices, 2);
        ASSERT_STREQ(l->net_devices[0].host_name, "eth1");
        ASSERT_STREQ(l->net_devices[0].name, "ctr%d");
        ASSERT_NULL(l->net_devices[1].name);
        ASSERT_STREQ(l->cgroups_path, "system.slice:tong:abc");
        ASSERT_TRUE(l->has_rootfs_propagation);
        ASSERT_EQ(l->rootfs_propagation, MS_SLAVE | MS_REC);

        ASSERT_TRUE(l->has_seccomp);
        ASSERT_EQ(l->seccomp.default_action, TONG_SCMP_ACT_ERRNO);
        ASSERT_EQ(l->seccomp.default_errno_ret, 38);
        ASSERT_STREQ(l->seccomp.architectures[1], "SCMP_ARCH_RISCV64");
        ASSERT_EQ(l->seccomp.flags, TONG_SECCOMP_FLAG_LOG | TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV);
        ASSERT_STREQ(l->seccomp.listener_path, "/run/l.sock");
        ASSERT_STREQ(l->seccomp.listener_metadata, "meta");
        ASSERT_EQ(l->seccomp.n_syscalls, 3);
        ASSERT_STREQ(l->seccomp.syscalls[0].names[1], "write");
        ASSERT_TRUE(l->seccomp.syscalls[1].has_errno_ret);
        ASSERT_EQ(l->seccomp.syscalls[1].n_args, 2);
        ASSERT_EQ(l->seccomp.syscalls[1].args[0].op, TONG_SCMP_CMP_MASKED_EQ);
        ASSERT_U64_EQ(l->seccomp.syscalls[1].args[0].value_two, UINT64_MAX);
        ASSERT_EQ(l->seccomp.syscalls[1].args[1].index, 5);
        ASSERT_EQ(l->seccomp.syscalls[2].action, TONG_SCMP_ACT_NOTIFY);

        ASSERT_EQ(l->n_sysctl, 6);
        ASSERT_STREQ(l->masked_paths[0], "/proc/kcore");
        ASSERT_STREQ(l->readonly_paths[1], "/proc/bus");
        ASSERT_STREQ(l->mount_label, "system_u:object_r:container_file_t:s0");
        ASSERT_TRUE(l->has_intel_rdt);
        ASSERT_STREQ(l->intel_rdt.clos_id, "guaranteed");
        ASSERT_STREQ(l->intel_rdt.schemata[1], "MB:0=50");
        ASSERT_STREQ(l->intel_rdt.l3_cache_schema, "L3:0=ff");
        ASSERT_STREQ(l->intel_rdt.mem_bw_schema, "MB:0=50");
        ASSERT_TRUE(l->intel_rdt.enable_monitoring);
        ASSERT_TRUE(l->has_memory_policy);
        ASSERT_EQ(l->memory_policy.mode, MPOL_INTERLEAVE);
        ASSERT_STREQ(l->memory_policy.nodes, "0-1");
        ASSERT_EQ(l->memory_policy.flags, MPOL_F_STATIC_NODES | MPOL_F_NUMA_BALANCING);
        ASSERT_TRUE(l->has_personality);
        ASSERT_EQ(l->personality.domain, PER_LINUX32);
        ASSERT_FALSE(l->has_resources);
}

static const char full_resources[] =
        "{'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':1,"
        "  'minor':3,'access':'mwr'},{'allow':true,'type':'b','major':8}],"
        " 'memory':{'limit':-1,'reservation':1024,'swap':-1,'kernel':-1,'kernelTCP':5,"
        "  'swappiness':100,'disableOOMKiller':true,'useHierarchy':false,"
        "  'checkBeforeUpdate':true},"
        " 'cpu':{'shares':1024,'quota':-1,'burst':0,'period':100000,'realtimeRuntime':950,"
        "  'realtimePeriod':1000,'cpus':'0-1','mems':'0','idle':1},"
        " 'pids':{'limit':0},"
        " 'blockIO':{'weight':10,'leafWeight':1000,'weightDevice':[{'major':8,'minor':0,"
        "  'weight':500},{'major':8,'minor':16,'leafWeight':300}],"
        "  'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':600}],"
        "  'throttleWriteBpsDevice':[{'major':8,'minor':0,'rate':18446744073709551615}],"
        "  'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':1}],"
        "  'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':300}]},"
        " 'hugepageLimits':[{'pageSize':'2MB','limit':9223372036854772000},"
        "  {'pageSize':'1GB','limit':0}],"
        " 'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500}]},"
        " 'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},'rxe3':{'hcaObjects':1}},"
        " 'unified':{'memory.high':'max','io.weight':'default 100'}}";

TEST(spec_resources_every_property)
{
        _cleanup_free_ char *json = spec_test_json(full_resources);
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_resources r;

        ASSERT_OK(tong_spec_parse_resources(json, strlen(json), "", &r, &err));
        ASSERT_OK(tong_spec_validate_resources(&r, "", NULL));
        ASSERT_EQ(r.n_devices, 3);
        ASSERT_FALSE(r.devices[0].allow);
        ASSERT_EQ(r.devices[0].type, 'a');
        ASSERT_EQ(r.devices[0].major, -1);
        ASSERT_STREQ(r.devices[1].access, "rwm"); /* canonical order */
        ASSERT_EQ(r.devices[2].minor, -1);
        ASSERT_STREQ(r.devices[2].access, "");
        ASSERT_TRUE(r.has_memory && r.memory.has_limit && r.memory.has_swappiness);
        ASSERT_EQ(r.memory.limit, -1);
        ASSERT_EQ(r.memory.kernel_tcp, 5);
        ASSERT_TRUE(r.memory.has_disable_oom_killer && r.memory.disable_oom_killer);
        ASSERT_TRUE(r.memory.has_use_hierarchy && !r.memory.use_hierarchy);
        ASSERT_TRUE(r.memory.check_before_update);
        ASSERT_TRUE(r.has_cpu && r.cpu.has_quota && r.cpu.has_burst && r.cpu.has_idle);
        ASSERT_EQ(r.cpu.quota, -1);
        ASSERT_U64_EQ(r.cpu.realtime_period, 1000);
        ASSERT_STREQ(r.cpu.cpus, "0-1");
        ASSERT_STREQ(r.cpu.mems, "0");
        ASSERT_TRUE(r.pids.has_limit);
        ASSERT_EQ(r.pids.limit, 0);
        ASSERT_TRUE(r.has_blkio && r.blkio.has_weight && r.blkio.has_leaf_weight);
        ASSERT_EQ(r.blkio.leaf_weight, 1000);
        ASSERT_EQ(r.blkio.n_weight_devices, 2);
        ASSERT_FALSE(r.blkio.weight_devices[1].has_weight);
        ASSERT_EQ(r.blkio.weight_devices[1].leaf_weight, 300);
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++)
                ASSERT_EQ(r.blkio.n_throttle[k], 1);
        ASSERT_U64_EQ(r.blkio.throttle[TONG_THROTTLE_WRITE_BPS][0].rate, UINT64_MAX);
        ASSERT_EQ(r.blkio.throttle[TONG_THROTTLE_WRITE_IOPS][0].minor, 16);
        ASSERT_EQ(r.n_hugepage_limits, 2);
        ASSERT_STREQ(r.hugepage_limits[1].page_size, "1GB");
        ASSERT_TRUE(r.has_class_id);
        ASSERT_EQ(r.class_id, 1048577);
        ASSERT_STREQ(r.net_priorities[0].name, "eth0");
        ASSERT_EQ(r.n_rdma, 2);
        ASSERT_STREQ(r.rdma[0].device, "mlx5_1");
        ASSERT_TRUE(r.rdma[0].has_hca_handles && r.rdma[0].has_hca_objects);
        ASSERT_FALSE(r.rdma[1].has_hca_handles);
        ASSERT_EQ(r.n_unified, 2);
        ASSERT_STREQ(r.unified[1].value, "default 100");
        tong_resources_done(&r);
}

TEST(spec_parse_process_and_resources_use_the_prefix)
{
        _cleanup_(tong_err_freep) tong_err *e1 = NULL, *e2 = NULL, *e3 = NULL;
        _cleanup_free_ char *p = spec_test_json("{'args':['sh'],'cwd':'/','user':{'uid':-1}}");
        _cleanup_free_ char *r = spec_test_json("{'memory':{'limit':'1G'}}");
        _cleanup_free_ char *ok = spec_test_json("{'args':['sh'],'cwd':'rel'}");
        tong_process proc = { 0 };
        tong_resources res = { 0 };

        ASSERT_EQ(tong_spec_parse_process(p, strlen(p), "process.json", &proc, &e1), -ERANGE);
        ASSERT_STREQ(e1->msg, "process.json.user.uid: value -1 out of range 0..4294967295");
        ASSERT_EQ(tong_spec_parse_resources(r, strlen(r), NULL, &res, &e2), -EINVAL);
        ASSERT_STREQ(e2->msg, "memory.limit: expected an integer, got string");
        ASSERT_OK(tong_spec_parse_process(ok, strlen(ok), "process", &proc, NULL));
        ASSERT_EQ(tong_spec_validate_process(&proc, "process", &e3), -EINVAL);
        ASSERT_STREQ(e3->msg, "process.cwd: \"rel\" is not an absolute path");
        tong_process_done(&proc);
}

TEST(spec_json_null_is_absent)
{
        _cleanup_(tong_spec_freep) tong_spec *s =
                load_ok(SPEC_TOP("'hostname':null,'process':null,'mounts':null"));

        ASSERT_NULL(s->hostname);
        ASSERT_FALSE(s->has_process);
        ASSERT_EQ(s->n_mounts, 0);
}

TEST(spec_mount_options_resolve)
{
        _cleanup_(tong_spec_freep) tong_spec *s = load_ok(SPEC_TOP(
                "'mounts':[{'destination':'/a','type':'bind','source':'/x',"
                " 'options':['ro','rw','nosuid','suid','nodev','noexec','sync','dirsync',"
                "  'silent','loud','mand','nomand','iversion','lazytime','nosymfollow',"
                "  'noatime','nodiratime','relatime','strictatime','remount','defaults']},"
                " {'destination':'/b','options':['rbind','rro','rnosuid','rnodev','rnoexec',"
                "  'rnodiratime','rnosymfollow','rnoatime','rrw','rsuid','rstrictatime',"
                "  'shared','rshared','private','runbindable','tmpcopyup','ridmap','',"
                "  'uid=1','gid=2']},"
                " {'destination':'/c','options':['rdev','rexec','rdiratime','rsymfollow',"
                "  'ratime','rrelatime','rnorelatime','rnostrictatime','slave','rslave',"
                "  'unbindable','rprivate','async','atime','diratime','dev','exec',"
                "  'noiversion','nolazytime','norelatime','nostrictatime','symfollow','bind']}],"
                "'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,"
                " 'hostID':1,'size':1}],'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}"));
        const tong_mount *a = &s->mounts[0], *b = &s->mounts[1], *c = &s->mounts[2];

        ASSERT_TRUE(a->bind);
        ASSERT_FALSE(a->recursive);
        ASSERT_U64_EQ(a->flags, MS_BIND | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC |
                                        MS_I_VERSION | MS_LAZYTIME | MS_NOSYMFOLLOW | MS_NOATIME |
                                        MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_REMOUNT);
        ASSERT_U64_EQ(a->clear_flags, MS_RDONLY | MS_NOSUID | MS_SILENT | MS_MANDLOCK);
        ASSERT_NULL(a->data);

        ASSERT_TRUE(b->bind && b->recursive && b->tmpcopyup && b->ridmap && !b->idmap);
        ASSERT_U64_EQ(b->flags, MS_BIND | MS_REC);
        ASSERT_U64_EQ(b->rec_attr_set, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                                               MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW |
                                               MOUNT_ATTR_STRICTATIME);
        ASSERT_U64_EQ(b->rec_attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR__ATIME);
        ASSERT_EQ(b->n_propagation, 4);
        ASSERT_U64_EQ(b->propagation[0], MS_SHARED);
        ASSERT_U64_EQ(b->propagation[1], MS_SHARED | MS_REC);
        ASSERT_U64_EQ(b->propagation[2], MS_PRIVATE);
        ASSERT_U64_EQ(b->propagation[3], MS_UNBINDABLE | MS_REC);
        ASSERT_STREQ(b->data, "uid=1,gid=2");

        ASSERT_U64_EQ(c->rec_attr_set, MOUNT_ATTR_RELATIME);
        ASSERT_U64_EQ(c->rec_attr_clr, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                                               MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW |
                                               MOUNT_ATTR__ATIME);
        ASSERT_U64_EQ(c->propagation[3], MS_PRIVATE | MS_REC);
        ASSERT_U64_EQ(c->flags, MS_BIND);
        ASSERT_U64_EQ(c->clear_flags, MS_SYNCHRONOUS | MS_NOATIME | MS_NODIRATIME | MS_NODEV |
                                              MS_NOEXEC | MS_I_VERSION | MS_LAZYTIME | MS_RELATIME |
                                              MS_STRICTATIME | MS_NOSYMFOLLOW);
}

TEST(spec_mount_option_table_covers_config_md)
{
        static const char *const names[] = {
                "async",
                "atime",
                "bind",
                "defaults",
                "dev",
                "diratime",
                "dirsync",
                "exec",
                "iversion",
                "lazytime",
                "loud",
                "noatime",
                "nodev",
                "nodiratime",
                "noexec",
                "noiversion",
                "nolazytime",
                "norelatime",
                "nostrictatime",
                "nosuid",
                "private",
                "rbind",
                "relatime",
                "remount",
                "ro",
                "rprivate",
                "rshared",
                "rslave",
                "runbindable",
                "rw",
                "shared",
                "silent",
                "slave",
                "strictatime",
                "suid",
                "sync",
                "unbindable",
                "rro",
                "rrw",
                "rnosuid",
                "rsuid",
                "rnodev",
                "rdev",
                "rnoexec",
                "rexec",
                "rnodiratime",
                "rdiratime",
                "rrelatime",
                "rnorelatime",
                "rnoatime",
                "ratime",
                "rstrictatime",
                "rnostrictatime",
                "rnosymfollow",
                "rsymfollow",
                "nosymfollow",
                "symfollow",
                "idmap",
                "ridmap",
                "tmpcopyup",
                "mand",
                "nomand",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (!tong_mount_opt_lookup(names[i]))
                        test_fail(__FILE__, __LINE__, "mount option %s missing", names[i]);
        ASSERT_NULL(tong_mount_opt_lookup("mode=755"));
        ASSERT_EQ(tong_mount_opt_lookup("nosymfollow")->flag, MS_NOSYMFOLLOW);
}

TEST(spec_names_tables)
{
        static const char *const rlimits[] = {
                "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
                "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
                "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
                "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
        };

        for (size_t i = 0; i < ELEMENTSOF(rlimits); i++) {
                int r = tong_rlimit_from_name(rlimits[i]);

                ASSERT_TRUE(r >= 0);
                ASSERT_STREQ(tong_rlimit_name(r), rlimits[i]);
        }
        ASSERT_EQ(tong_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        ASSERT_EQ(tong_rlimit_from_name("NOFILE"), -1);
        for (int c = 0; c <= TONG_CAP_LAST; c++)
                ASSERT_EQ(tong_cap_from_name(tong_cap_name(c)), c);
        ASSERT_EQ(tong_cap_from_name("CAP_SYS_ADMIN"), 21);
        ASSERT_EQ(tong_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        ASSERT_NULL(tong_cap_name(41));
        for (int t = 0; t < _TONG_NS_MAX; t++)
                ASSERT_EQ(tong_ns_from_oci(tong_ns_to_oci(t)), t);
        ASSERT_STREQ(tong_ns_proc_name(TONG_NS_NET), "net");
        ASSERT_STREQ(tong_ns_proc_name(TONG_NS_MNT), "mnt");
        ASSERT_EQ(tong_ns_clone_flag(TONG_NS_TIME), CLONE_NEWTIME);
        ASSERT_EQ(tong_ns_clone_flag(TONG_NS_CGROUP), CLONE_NEWCGROUP);
        ASSERT_EQ(tong_seccomp_flag_from_name("SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
                  TONG_SECCOMP_FLAG_SPEC_ALLOW);
        ASSERT_STREQ(tong_seccomp_flag_name(TONG_SECCOMP_FLAG_TSYNC), "SECCOMP_FILTER_FLAG_TSYNC");
        for (int a = 0; a < _TONG_SCMP_ACT_MAX; a++)
                ASSERT_EQ(tong_seccomp_action_from_name(tong_seccomp_action_name(a)), a);
        for (int o = 0; o < _TONG_SCMP_CMP_MAX; o++)
                ASSERT_EQ(tong_seccomp_op_from_name(tong_seccomp_op_name(o)), o);
        ASSERT_TRUE(tong_seccomp_arch_known("SCMP_ARCH_LOONGARCH64"));
        ASSERT_FALSE(tong_seccomp_arch_known("x86_64"));
        ASSERT_EQ(tong_sched_policy_from_name("SCHED_ISO"), TONG_SCHED_ISO);
        ASSERT_EQ(tong_sched_policy_from_name("SCHED_IDLE"), SCHED_IDLE);
        ASSERT_EQ(tong_sched_flag_from_name("SCHED_FLAG_KEEP_PARAMS"), SCHED_FLAG_KEEP_PARAMS);
        ASSERT_EQ(tong_ioprio_class_from_name("IOPRIO_CLASS_RT"), IOPRIO_CLASS_RT);
        ASSERT_EQ(tong_mpol_mode_from_name("MPOL_PREFERRED_MANY"), MPOL_PREFERRED_MANY);
        ASSERT_STREQ(tong_mpol_mode_name(TONG_MPOL_WEIGHTED_INTERLEAVE),
                     "MPOL_WEIGHTED_INTERLEAVE");
        ASSERT_EQ(tong_mpol_flag_from_name("MPOL_F_RELATIVE_NODES"), MPOL_F_RELATIVE_NODES);
        ASSERT_EQ(tong_personality_domain_from_name("LINUX"), PER_LINUX);
        ASSERT_STREQ(tong_hook_kind_name(TONG_HOOK_START_CONTAINER), "startContainer");
}

TEST(spec_signals)
{
        ASSERT_EQ(tong_signal_from_string("SIGKILL"), 9);
        ASSERT_EQ(tong_signal_from_string("KILL"), 9);
        ASSERT_EQ(tong_signal_from_string("kill"), 9);
        ASSERT_EQ(tong_signal_from_string("9"), 9);
        ASSERT_EQ(tong_signal_from_string("sigterm"), SIGTERM);
        ASSERT_EQ(tong_signal_from_string("SIGIOT"), SIGABRT);
        ASSERT_EQ(tong_signal_from_string("SIGRTMIN"), SIGRTMIN);
        ASSERT_EQ(tong_signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3);
        ASSERT_EQ(tong_signal_from_string("RTMIN+1"), SIGRTMIN + 1);
        ASSERT_EQ(tong_signal_from_string("SIGRTMAX-2"), SIGRTMAX - 2);
        ASSERT_EQ(tong_signal_from_string("RTMAX"), SIGRTMAX);
        {
                _cleanup_free_ char *max = xasprintf("%d", SIGRTMAX);

                ASSERT_EQ(tong_signal_from_string(max), SIGRTMAX);
        }
        ASSERT_EQ(tong_signal_from_string("SIGRTMIN-1"), -1);
        ASSERT_EQ(tong_signal_from_string("SIGRTMAX+1"), -1);
        ASSERT_EQ(tong_signal_from_string("SIGRTMIN+99"), -1);
        ASSERT_EQ(tong_signal_from_string("0"), -1);
        ASSERT_EQ(tong_signal_from_string("65"), -1);
        ASSERT_EQ(tong_signal_from_string("9x"), -1);
        ASSERT_EQ(tong_signal_from_string(""), -1);
        ASSERT_EQ(tong_signal_from_string("SIGFOO"), -1);
        ASSERT_STREQ(tong_signal_name(SIGKILL), "SIGKILL");
        ASSERT_STREQ(tong_signal_name(SIGSYS), "SIGSYS");
        ASSERT_STREQ(tong_signal_name(SIGRTMAX), "SIGRTMAX");
        ASSERT_NULL(tong_signal_name(SIGRTMIN + 1));
        for (int sig = 1; sig < SIGRTMIN; sig++)
                if (tong_signal_name(sig))
                        ASSERT_EQ(tong_signal_from_string(tong_signal_name(sig)), sig);
}

TEST(spec_default_config_round_trips)
{
        for (int rootless = 0; rootless <= 1; rootless++) {
                _cleanup_free_ char *json = tong_spec_default_json(rootless, 1000, 1001);
                _cleanup_(tong_spec_freep) tong_spec *s = NULL;
                _cleanup_(tong_err_freep) tong_err *err = NULL;
                size_t n = strlen(json);

                ASSERT_TRUE(n > 0 && json[n - 1] == '\n');
                ASSERT_OK(tong_spec_parse_buffer(json, n, &s, &err));
                ASSERT_OK(tong_spec_validate(s, &err));
                ASSERT_STREQ(s->oci_version, "1.3.0");
                ASSERT_TRUE(s->process.terminal);
                ASSERT_STREQ(s->process.args[0], "sh");
                ASSERT_STREQ(s->process.cwd, "/");
                ASSERT_EQ(strv_length(s->process.env), 2);
                ASSERT_U64_EQ(s->process.capabilities.bounding,
                              (1ULL << 29) | (1ULL << 5) | (1ULL << 10));
                ASSERT_EQ(s->process.rlimits[0].resource, RLIMIT_NOFILE);
                ASSERT_U64_EQ(s->process.rlimits[0].hard, 1024);
                ASSERT_TRUE(s->process.no_new_privileges);
                ASSERT_STREQ(s->root_path, "rootfs");
                ASSERT_TRUE(s->root_readonly);
                ASSERT_STREQ(s->hostname, "tong");
                ASSERT_EQ(s->n_mounts, 7);
                ASSERT_TRUE(strv_contains(s->linux.masked_paths, "/proc/kcore"));
                ASSERT_TRUE(strv_contains(s->linux.readonly_paths, "/proc/sys"));
                ASSERT_TRUE(tong_spec_has_namespace(s, TONG_NS_PID));
                ASSERT_TRUE(tong_spec_has_namespace(s, TONG_NS_MNT));
                ASSERT_EQ(tong_spec_has_namespace(s, TONG_NS_USER), rootless);
                ASSERT_EQ(tong_spec_has_namespace(s, TONG_NS_NET), !rootless);
                if (rootless) {
                        ASSERT_EQ(s->linux.uid_mappings[0].host_id, 1000);
                        ASSERT_EQ(s->linux.gid_mappings[0].host_id, 1001);
                        ASSERT_EQ(s->linux.uid_mappings[0].container_id, 0);
                        ASSERT_FALSE(s->linux.has_resources);
                        ASSERT_TRUE(s->mounts[5].bind && s->mounts[5].recursive);
                        ASSERT_FALSE(strv_contains(s->mounts[2].options, "gid=5"));
                } else {
                        ASSERT_EQ(s->linux.resources.n_devices, 1);
                        ASSERT_FALSE(s->linux.resources.devices[0].allow);
                        ASSERT_EQ(s->linux.resources.devices[0].type, 'a');
                        ASSERT_STREQ(s->mounts[5].type, "sysfs");
                        ASSERT_TRUE(strv_contains(s->mounts[2].options, "gid=5"));
                }
        }
}

TEST(spec_load_at_prefixes_the_file_name)
{
        char dir[] = "/tmp/tong-spec-test-XXXXXX";
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(tong_spec_freep) tong_spec *s = NULL;
        _cleanup_(tong_err_freep) tong_err *e1 = NULL, *e2 = NULL, *e3 = NULL;
        _cleanup_free_ char *bad = spec_test_json("{\n  'ociVersion': '1.0.0',\n    ]\n}");
        _cleanup_free_ char *bad2 =
                spec_test_json(SPEC_PROC(",'rlimits':[{'type':'RLIMIT_BOGUS','soft':1,'hard':1}]"));
        _cleanup_free_ char *good = spec_test_json(SPEC_TOP("'annotations':{}"));

        ASSERT_NOT_NULL(mkdtemp(dir));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dfd >= 0);
        ASSERT_EQ(tong_spec_load_at(dfd, "config.json", &s, &e1), -ENOENT);
        ASSERT_STR_CONTAINS(e1->msg, "read config.json: No such file");
        ASSERT_OK(write_file_atomic_at(dfd, "config.json", bad, strlen(bad), 0600));
        ASSERT_EQ(tong_spec_load_at(dfd, NULL, &s, &e2), -EINVAL);
        ASSERT_STR_CONTAINS(e2->msg, "config.json: line 3, column 5: ");
        ASSERT_OK(write_file_atomic_at(dfd, "config.json", bad2, strlen(bad2), 0600));
        ASSERT_EQ(tong_spec_load_at(dfd, "config.json", &s, &e3), -EINVAL);
        ASSERT_STREQ(e3->msg,
                     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"");
        ASSERT_OK(write_file_atomic_at(dfd, "config.json", good, strlen(good), 0600));
        ASSERT_OK(tong_spec_load_at(dfd, "config.json", &s, NULL));
        ASSERT_STREQ(s->root_path, "rootfs");
        ASSERT_OK(unlinkat(dfd, "config.json", 0));
        ASSERT_OK(rmdir(dir));
}

TEST(spec_valid_corner_cases)
{
        static const char *const ok[] = {
                /* Joining an existing user namespace needs no mappings. */
                SPEC_LNX("'namespaces':[{'type':'user','path':'/proc/1/ns/user'}]"),
                /* idmap with the container's user namespace. */
                "{" SPEC_BASE ",'mounts':[{'destination':'/a','options':['bind','idmap']}],"
                "'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,"
                "'hostID':1,'size':4294967295}],'gidMappings':[{'containerID':1,"
                "'hostID':0,'size':4294967295}]}}",
                SPEC_PROC(",'scheduler':{'policy':'SCHED_FIFO','priority':99}"),
                SPEC_PROC(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':5}"),
                SPEC_PROC(",'scheduler':{'policy':'SCHED_BATCH','nice':-20,'priority':0}"),
                SPEC_PROC(",'oomScoreAdj':0,'user':{'uid':0,'gid':0,'umask':511}"),
                SPEC_RES("'memory':{'limit':100,'swap':-1},'cpu':{'quota':-1,'burst':10}"),
                SPEC_RES("'memory':{'limit':100,'swap':100},'cpu':{'cpus':'','mems':'0,2-3'}"),
                SPEC_LNX("'memoryPolicy':{'mode':'MPOL_PREFERRED'}"),
                SPEC_LNX("'memoryPolicy':{'mode':'MPOL_LOCAL','nodes':''}"),
                SPEC_LNX("'rootfsPropagation':'private'"),
                SPEC_LNX("'namespaces':[{'type':'uts'}],'sysctl':{'kernel.hostname':'a'}"),
                SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_TRACE','defaultErrnoRet':1}"),
                SPEC_TOP("'hostname':''"),
                "{'ociVersion':'1.2.3-rc.1+build.5','root':{'path':'r'}}",
                "{'ociVersion':'1.0.2-dev','root':{'path':'r'}}",
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++)
                tong_spec_free(load_ok(ok[i]));
}

TEST(spec_good_inputs_do_not_leak)
{
        {
                _cleanup_free_ char *res = spec_test_json(full_resources);
                _cleanup_free_ char *proc = spec_test_json(full_process);
                _cleanup_(tong_spec_freep) tong_spec *a = load_ok(full_linux);
                _cleanup_(tong_spec_freep) tong_spec *b = NULL;
                _cleanup_free_ char *def = tong_spec_default_json(true, 1, 1);
                tong_resources r;

                ASSERT_OK(tong_spec_parse_resources(res, strlen(res), "x", &r, NULL));
                tong_resources_done(&r);
                ASSERT_OK(tong_spec_parse_buffer(proc, strlen(proc), &b, NULL));
                tong_spec_free(load_ok(def));
        }
        spec_test_assert_no_leaks();
}
