/* SPDX-License-Identifier: Apache-2.0 */
/* config.json inputs that must be refused, each with the message it must produce. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "spec/spec.h"
#include "test-spec-util.h"
#include "test.h"

typedef struct bad_case {
        const char *json;
        const char *msg; /* substring of the error */
} bad_case;

static const bad_case bad_cases[] = {
        /* ---- the examples of the brief, verbatim */
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_BOGUS','soft':1,'hard':1}]"),
          "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"" },
        { SPEC_LNX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'foo'}]"),
          "linux.namespaces[2].type: unknown namespace type \"foo\"" },
        { SPEC_TOP("'mounts':[{'destination':'/a'},{'type':'tmpfs'}]"),
          "mounts[1].destination: required property missing" },
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'uid':'0','gid':0}}}",
          "process.user.uid: expected an integer, got string" },

        /* ---- JSON types, ranges, NUL bytes */
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'uid':4294967296,'gid':0}}}",
          "process.user.uid: value 4294967296 out of range 0..4294967295" },
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':-1}}}",
          "process.user.gid: value -1 out of range 0..4294967295" },
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'gid':0}}}",
          "process.user.uid: required property missing" },
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':1.5,'hard':2}]"),
          "process.rlimits[0].soft: expected an integer, got number" },
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_CORE','soft':-1,'hard':2}]"),
          "process.rlimits[0].soft: value -1 out of range 0..18446744073709551615" },
        { SPEC_PROC(",'oomScoreAdj':2147483648"),
          "process.oomScoreAdj: value 2147483648 out of range -2147483648..2147483647" },
        { SPEC_RES("'blockIO':{'weight':65536}"),
          "linux.resources.blockIO.weight: value 65536 out of range 0..65535" },
        { SPEC_TOP("'hostname':'a\\u0000b'"), "hostname: string contains a NUL byte" },
        { SPEC_PROC(",'env':['A=1','B=\\u0000']"), "process.env[1]: string contains a NUL byte" },
        { SPEC_TOP("'annotations':{'a\\u0000b':'x'}"), "NUL byte in a property name" },
        { SPEC_TOP("'root':'rootfs'"), "root: expected an object, got string" },
        { SPEC_TOP("'mounts':{}"), "mounts: expected an array, got object" },
        { SPEC_TOP("'annotations':{'a':1}"), "annotations[\"a\"]: expected a string, got integer" },
        { SPEC_PROC(",'capabilities':{'bounding':['CAP_KILL',1]}"),
          "process.capabilities.bounding[1]: expected a string, got integer" },
        { SPEC_PROC(",'terminal':'yes'"), "process.terminal: expected a boolean, got string" },
        { "[]", "expected an object at the top level, got array" },
        { "{} {}", "line 1, column 4: " },
        { "{'root':{'path':'rootfs'}}", "ociVersion: required property missing" },

        /* ---- ociVersion, root */
        { "{'ociVersion':'2.0.0','root':{'path':'rootfs'}}",
          "ociVersion: unsupported version \"2.0.0\"" },
        { "{'ociVersion':'1.0','root':{'path':'rootfs'}}",
          "ociVersion: \"1.0\" is not a SemVer version" },
        { "{'ociVersion':'1.01.0','root':{'path':'rootfs'}}", "is not a SemVer version" },
        { "{'ociVersion':'1.0.0'}", "root.path: required property missing" },
        { "{'ociVersion':'1.0.0','root':{}}", "root.path: required property missing" },

        /* ---- process */
        { "{" SPEC_BASE ",'process':{'args':[],'cwd':'/'}}",
          "process.args: needs at least one entry" },
        { "{" SPEC_BASE ",'process':{'args':['sh']}}", "process.cwd: required property missing" },
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'tmp'}}",
          "process.cwd: \"tmp\" is not an absolute path" },
        { SPEC_PROC(",'env':['A=1','FOO']"),
          "process.env[1]: \"FOO\" is not of the form KEY=VALUE" },
        { SPEC_PROC(",'env':['=x']"), "process.env[0]: \"=x\" is not of the form KEY=VALUE" },
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
                    "{'type':'RLIMIT_NOFILE','soft':1,'hard':1}]"),
          "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':2,'hard':1}]"),
          "process.rlimits[0]: soft limit 2 is greater than the hard limit 1" },
        { SPEC_PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':2}]"),
          "process.rlimits[0].hard: required property missing" },
        { SPEC_PROC(",'oomScoreAdj':1001"),
          "process.oomScoreAdj: 1001 is out of range -1000..1000" },
        { SPEC_PROC(",'oomScoreAdj':-1001"),
          "process.oomScoreAdj: -1001 is out of range -1000..1000" },
        { "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':0,"
          "'umask':512}}}",
          "process.user.umask: 01000 is out of range 0..0777" },
        { SPEC_PROC(",'ioPriority':{'class':'IOPRIO_CLASS_X','priority':1}"),
          "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_X\"" },
        { SPEC_PROC(",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"),
          "process.ioPriority.priority: 8 is out of range 0..7" },
        { SPEC_PROC(",'ioPriority':{'priority':1}"),
          "process.ioPriority.class: required property missing" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_OTHER','nice':20}"),
          "process.scheduler.nice: 20 is out of range -20..19" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_FIFO'}"),
          "process.scheduler.priority: SCHED_FIFO and SCHED_RR need a priority in 1..99" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_RR','priority':100}"),
          "process.scheduler.priority: SCHED_FIFO and SCHED_RR need a priority in 1..99" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_OTHER','priority':5}"),
          "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, got 5" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':10,'deadline':5}"),
          "process.scheduler: runtime 10 is greater than deadline 5" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':1,'deadline':5,"
                    "'period':4}"),
          "process.scheduler: deadline 5 is greater than period 4" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_DEADLINE'}"),
          "process.scheduler.runtime: SCHED_DEADLINE needs a runtime" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_OTHER','runtime':5}"),
          "process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_BOGUS'}"),
          "process.scheduler.policy: unknown scheduler policy \"SCHED_BOGUS\"" },
        { SPEC_PROC(",'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_X']}"),
          "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"" },
        { SPEC_PROC(",'execCPUAffinity':{'initial':'0-'}"),
          "process.execCPUAffinity.initial: malformed CPU list \"0-\"" },
        { SPEC_PROC(",'execCPUAffinity':{'final':'3-1'}"),
          "process.execCPUAffinity.final: malformed CPU list \"3-1\"" },
        { SPEC_PROC(",'consoleSize':{'height':10}"),
          "process.consoleSize.width: required property missing" },

        /* ---- namespaces and id mappings */
        { SPEC_LNX("'namespaces':[{'type':'pid'},{'type':'pid'}]"),
          "linux.namespaces[1].type: duplicate namespace type \"pid\"" },
        { SPEC_LNX("'namespaces':[{'type':'net'}]"),
          "linux.namespaces[0].type: unknown namespace type \"net\"" },
        { SPEC_LNX("'namespaces':[{'type':'network','path':'proc/1/ns/net'}]"),
          "linux.namespaces[0].path: \"proc/1/ns/net\" is not an absolute path" },
        { SPEC_LNX("'namespaces':[{'path':'/proc/1/ns/net'}]"),
          "linux.namespaces[0].type: required property missing" },
        { SPEC_LNX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1,"
                   "'size':1}]"),
          "linux.gidMappings: required when linux.uidMappings is given" },
        { SPEC_LNX("'uidMappings':[{'containerID':0,'hostID':1,'size':1}],"
                   "'gidMappings':[{'containerID':0,'hostID':1,'size':1}]"),
          "linux.uidMappings: given without a user namespace" },
        { SPEC_LNX("'namespaces':[{'type':'pid'},{'type':'user'}]"),
          "linux.namespaces[1]: a new user namespace needs linux.uidMappings and "
          "linux.gidMappings" },
        { SPEC_LNX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1,"
                   "'size':0}],'gidMappings':[{'containerID':0,'hostID':1,'size':1}]"),
          "linux.uidMappings[0].size: must be at least 1" },
        { SPEC_LNX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1,"
                   "'size':1}],'gidMappings':[{'containerID':0,'hostID':4294967295,'size':2}]"),
          "linux.gidMappings[0]: hostID 4294967295 + size 2 overflows 32 bits" },
        { SPEC_LNX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1}]"),
          "linux.uidMappings[0].size: required property missing" },
        { SPEC_LNX("'timeOffsets':{'monotonic':{'secs':1}}"),
          "linux.timeOffsets: needs a time namespace" },
        { SPEC_LNX("'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':{'secs':1}}"),
          "linux.timeOffsets[\"realtime\"]: unknown clock" },
        { SPEC_TOP("'hostname':'box'"), "hostname: needs a uts namespace" },
        { SPEC_TOP("'domainname':'example.org'"), "domainname: needs a uts namespace" },

        /* ---- sysctl */
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'net..ipv4':'1'}"),
          "linux.sysctl[\"net..ipv4\"]: malformed sysctl name" },
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'net/ipv4/../x':'1'}"),
          "linux.sysctl[\"net/ipv4/../x\"]: malformed sysctl name" },
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'.net':'1'}"), "malformed sysctl name" },
        { SPEC_LNX("'namespaces':[{'type':'ipc'}],'sysctl':{'net.ipv4.ip_forward':'1'}"),
          "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace" },
        { SPEC_LNX("'namespaces':[{'type':'network'}],'sysctl':{'kernel.shmmax':'1'}"),
          "linux.sysctl[\"kernel.shmmax\"]: needs a ipc namespace" },
        { SPEC_LNX("'namespaces':[{'type':'network'}],'sysctl':{'fs.mqueue.msg_max':'1'}"),
          "linux.sysctl[\"fs.mqueue.msg_max\"]: needs a ipc namespace" },
        { SPEC_LNX("'namespaces':[{'type':'ipc'}],'sysctl':{'kernel.domainname':'x'}"),
          "linux.sysctl[\"kernel.domainname\"]: needs a uts namespace" },
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'kernel.panic':'1'}"),
          "linux.sysctl[\"kernel.panic\"]: not allowed in a container (not namespaced)" },
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'vm.swappiness':'1'}"),
          "linux.sysctl[\"vm.swappiness\"]: not allowed in a container" },
        { SPEC_LNX(SPEC_NS_ALL ",'sysctl':{'net.core.somaxconn':1}"),
          "linux.sysctl[\"net.core.somaxconn\"]: expected a string, got integer" },

        /* ---- devices */
        { SPEC_LNX("'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]"),
          "linux.devices[0].type: unknown device type \"x\"" },
        { SPEC_LNX("'devices':[{'path':'/dev/x','type':'c','major':1}]"),
          "linux.devices[0]: major and minor are required for type 'c'" },
        { SPEC_LNX("'devices':[{'path':'dev/x','type':'p'}]"),
          "linux.devices[0].path: \"dev/x\" is not an absolute path" },
        { SPEC_LNX("'devices':[{'type':'p'}]"),
          "linux.devices[0].path: required property missing" },
        { SPEC_LNX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,"
                   "'fileMode':33206}]"),
          "linux.devices[0].fileMode: 0100666 has bits other than the permission bits" },
        { SPEC_LNX("'netDevices':{'eth0':{'name':'a/b'}},'namespaces':[{'type':'network'}]"),
          "linux.netDevices[\"eth0\"].name: invalid interface name \"a/b\"" },
        { SPEC_LNX("'netDevices':{'eth0':{'name':'abcdefghijklmnop'}},"
                   "'namespaces':[{'type':'network'}]"),
          "invalid interface name \"abcdefghijklmnop\"" },
        { SPEC_LNX("'netDevices':{'eth:0':{}},'namespaces':[{'type':'network'}]"),
          "linux.netDevices[\"eth:0\"]: invalid interface name" },
        { SPEC_LNX("'netDevices':{'eth0':{'name':'x%s'}},'namespaces':[{'type':'network'}]"),
          "invalid interface name \"x%s\"" },
        { SPEC_LNX("'netDevices':{'eth0':{}}"), "linux.netDevices: needs a network namespace" },
        { SPEC_LNX("'netDevices':{'eth0':{'name':23}}"),
          "linux.netDevices[\"eth0\"].name: expected a string, got integer" },

        /* ---- mounts */
        { SPEC_TOP("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,"
                   "'size':1}]}]"),
          "mounts[0]: uidMappings and gidMappings must be given together" },
        { SPEC_TOP("'mounts':[{'destination':'/a','options':['bind','idmap']}]"),
          "mounts[0].options: \"idmap\" needs uidMappings and gidMappings or a user namespace" },
        { SPEC_TOP("'mounts':[{'destination':'/a','options':['rbind','ridmap']}]"),
          "mounts[0].options: \"ridmap\" needs" },
        { SPEC_TOP("'mounts':[{'destination':'/a','options':['shared','private','slave',"
                   "'rshared','rslave']}]"),
          "mounts[0].options: more than 4 propagation options (at \"rslave\")" },
        { SPEC_TOP("'mounts':[{'destination':''}]"),
          "mounts[0].destination: required property missing" },
        { SPEC_TOP("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,"
                   "'size':1}],'gidMappings':[{'containerID':4294967295,'hostID':1,"
                   "'size':5}]}]"),
          "mounts[0].gidMappings[0]: containerID 4294967295 + size 5 overflows 32 bits" },
        { SPEC_TOP("'mounts':[{'destination':'/a','options':'ro'}]"),
          "mounts[0].options: expected an array, got string" },

        /* ---- resources */
        { SPEC_RES("'devices':[{'allow':true,'type':'x'}]"),
          "linux.resources.devices[0].type: unknown device type \"x\"" },
        { SPEC_RES("'devices':[{'allow':true,'type':'c','access':'rwx'}]"),
          "linux.resources.devices[0].access: invalid access \"rwx\" (only r, w and m)" },
        { SPEC_RES("'devices':[{'type':'a'}]"),
          "linux.resources.devices[0].allow: required property missing" },
        { SPEC_RES("'memory':{'limit':2000,'swap':1000}"),
          "linux.resources.memory.swap: 1000 is less than memory.limit 2000" },
        { SPEC_RES("'memory':{'swappiness':101}"),
          "linux.resources.memory.swappiness: 101 is out of range 0..100" },
        { SPEC_RES("'cpu':{'quota':1000,'burst':5000}"),
          "linux.resources.cpu.burst: 5000 is greater than cpu.quota 1000" },
        { SPEC_RES("'cpu':{'cpus':'0,,1'}"),
          "linux.resources.cpu.cpus: malformed CPU list \"0,,1\"" },
        { SPEC_RES("'cpu':{'mems':'x'}"), "linux.resources.cpu.mems: malformed node list \"x\"" },
        { SPEC_RES("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
          "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
        { SPEC_RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'rate':1}]}"),
          "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required property missing" },
        { SPEC_RES("'rdma':{'mlx5_1':{}}"),
          "linux.resources.rdma[\"mlx5_1\"]: needs hcaHandles or hcaObjects" },
        { SPEC_RES("'rdma':{'mlx5_1':{'hcaHandles':'x'}}"),
          "linux.resources.rdma[\"mlx5_1\"].hcaHandles: expected an integer, got string" },
        { SPEC_RES("'hugepageLimits':[{'pageSize':'64kB','limit':1}]"),
          "linux.resources.hugepageLimits[0].pageSize: \"64kB\" does not match "
          "^[1-9][0-9]*[KMG]B$" },
        { SPEC_RES("'hugepageLimits':[{'pageSize':'2MB'}]"),
          "linux.resources.hugepageLimits[0].limit: required property missing" },
        { SPEC_RES("'pids':{}"), "linux.resources.pids.limit: required property missing" },
        { SPEC_RES("'unified':{'../cgroup.procs':'1'}"),
          "linux.resources.unified[\"../cgroup.procs\"]: not a cgroup file name" },
        { SPEC_RES("'network':{'priorities':[{'name':'eth0 1','priority':1}]}"),
          "linux.resources.network.priorities[0].name: invalid interface name \"eth0 1\"" },

        /* ---- seccomp */
        { SPEC_LNX("'seccomp':{'syscalls':[]}"),
          "linux.seccomp.defaultAction: required property missing" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_BOGUS'}"),
          "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_BOGUS\"" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],"
                   "'action':'SCMP_ACT_ERRNO'}]}"),
          "linux.seccomp.syscalls[0].names: needs at least one entry" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
                   "'action':'SCMP_ACT_KILL','errnoRet':1}]}"),
          "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or "
          "SCMP_ACT_TRACE, not SCMP_ACT_KILL" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1}"),
          "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'x'}"),
          "linux.seccomp.listenerMetadata: needs linux.seccomp.listenerPath" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY'}"),
          "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
                   "'action':'SCMP_ACT_NOTIFY'}]}"),
          "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath" },
        { SPEC_LNX(
                  "'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
                  "'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}"),
          "linux.seccomp.syscalls[0].args[0].index: 6 is out of range 0..5" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],"
                   "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'EQ'}]}]}"),
          "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"EQ\"" },
        { SPEC_LNX(
                  "'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64',"
                  "'SCMP_ARCH_Z80']}"),
          "linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_Z80\"" },
        { SPEC_LNX(
                  "'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_X']}"),
          "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\"" },
        { SPEC_LNX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read']}]}"),
          "linux.seccomp.syscalls[0].action: required property missing" },

        /* ---- personality, memoryPolicy, hooks, misc */
        { SPEC_LNX("'personality':{'domain':'LINUX','flags':['ADDR_NO_RANDOMIZE']}"),
          "linux.personality.flags[0]: unknown flag \"ADDR_NO_RANDOMIZE\" (the spec defines "
          "none)" },
        { SPEC_LNX("'personality':{'domain':'LINUX64'}"),
          "linux.personality.domain: unknown personality domain \"LINUX64\"" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_BIND'}"),
          "linux.memoryPolicy.nodes: required with MPOL_BIND" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_WEIGHTED_INTERLEAVE','nodes':''}"),
          "linux.memoryPolicy.nodes: required with MPOL_WEIGHTED_INTERLEAVE" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':'0'}"),
          "linux.memoryPolicy.nodes: not allowed with MPOL_DEFAULT" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_LOCAL','nodes':'0-1'}"),
          "linux.memoryPolicy.nodes: not allowed with MPOL_LOCAL" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-1','flags':"
                   "['MPOL_F_STATIC_NODES','MPOL_F_RELATIVE_NODES']}"),
          "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude "
          "each other" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0-'}"),
          "linux.memoryPolicy.nodes: malformed node list \"0-\"" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_NONE'}"),
          "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_NONE\"" },
        { SPEC_LNX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0','flags':['MPOL_F_X']}"),
          "linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\"" },
        { SPEC_TOP("'hooks':{'prestart':[{'path':'hook'}]}"),
          "hooks.prestart[0].path: \"hook\" is not an absolute path" },
        { SPEC_TOP("'hooks':{'poststop':[{'path':'/bin/true'},{'path':'/bin/x','timeout':0}]}"),
          "hooks.poststop[1].timeout: must be at least 1, got 0" },
        { SPEC_TOP("'hooks':{'createRuntime':[{'args':['x']}]}"),
          "hooks.createRuntime[0].path: required property missing" },
        { SPEC_LNX("'rootfsPropagation':'bogus'"),
          "linux.rootfsPropagation: unknown rootfs propagation \"bogus\"" },
        { SPEC_LNX("'rootfsPropagation':'nosuid'"),
          "linux.rootfsPropagation: unknown rootfs propagation \"nosuid\"" },
        { SPEC_LNX("'cgroupsPath':'/a/../../b'"),
          "linux.cgroupsPath: \"/a/../../b\" must not contain \"..\"" },
        { SPEC_LNX("'intelRdt':{'closID':'../x'}"),
          "linux.intelRdt.closID: \"../x\" is not a valid name" },
        { SPEC_LNX("'intelRdt':{'memBwSchema':'L3:0=1'}"),
          "linux.intelRdt.memBwSchema: must be one line starting with \"MB:\"" },
        { "{'ociVersion':'1.3.0','root':{'path':'rootfs'},'freebsd':{'jail':{'vnet':'disable'}}}",
          "freebsd.jail.vnet: unknown sharing mode \"disable\"" },
};

TEST(spec_bad_inputs_fail_with_exact_messages)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                _cleanup_free_ char *msg = NULL;
                tong_spec *s = spec_test_load(bad_cases[i].json, &msg);

                if (s) {
                        tong_spec_free(s);
                        test_fail(__FILE__, __LINE__, "case %zu accepted: %s", i,
                                  bad_cases[i].json);
                }
                if (!strstr(msg, bad_cases[i].msg))
                        test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not contain \"%s\"", i,
                                  msg, bad_cases[i].msg);
        }
        /* The brief asks for at least 40 distinct cases. */
        ASSERT_TRUE(ELEMENTSOF(bad_cases) >= 40);
}

static void run_bad_cases(void)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                _cleanup_free_ char *msg = NULL;

                tong_spec_free(spec_test_load(bad_cases[i].json, &msg));
        }
}

/* Every error path above releases what it had built (also checked by the fuzz replays). */
TEST(spec_bad_inputs_do_not_leak)
{
        run_bad_cases();
        spec_test_assert_no_leaks();
}

TEST(spec_syntax_error_names_line_and_column)
{
        _cleanup_free_ char *msg = NULL;
        tong_spec *s = spec_test_load("{\n  'ociVersion': '1.0.0',\n    ]\n}", &msg);

        ASSERT_NULL(s);
        ASSERT_STR_CONTAINS(msg, "line 3, column 5: ");
}

TEST(spec_raw_nul_byte_is_refused)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        static const char doc[] = "{\"ociVersion\":\"1.0.0\"\0}";
        tong_spec *s = NULL;

        ASSERT_EQ(tong_spec_parse_buffer(doc, sizeof(doc) - 1, &s, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "line 1, column 22: NUL byte in the document");
}

TEST(spec_too_large_is_refused_before_parsing)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        size_t n = TONG_SPEC_MAX_SIZE + 1;
        _cleanup_free_ char *buf = xmalloc(n);
        tong_spec *s = NULL;

        memset(buf, ' ', n);
        buf[0] = '{';
        buf[n - 1] = '}';
        ASSERT_EQ(tong_spec_parse_buffer(buf, n, &s, &err), -EFBIG);
        ASSERT_STR_CONTAINS(err->msg, "document too large");
}

/* A JSON array of n copies of `elem`, inside `pre` ... `post`. */
static char *repeat_json(const char *pre, const char *elem, size_t n, const char *post)
{
        size_t el = strlen(elem), len = strlen(pre) + n * (el + 1) + strlen(post) + 1;
        char *buf = xmalloc(len), *p = stpcpy(buf, pre);

        for (size_t i = 0; i < n; i++) {
                if (i)
                        *p++ = ',';
                p = stpcpy(p, elem);
        }
        stpcpy(p, post);
        return buf;
}

TEST(spec_caps_idmaps_and_arrays)
{
        _cleanup_free_ char *maps = repeat_json(
                "{" SPEC_BASE ",'linux':{'namespaces':[{'type':'user'}],'gidMappings':["
                "{'containerID':0,'hostID':1,'size':1}],'uidMappings':[",
                "{'containerID':0,'hostID':1,'size':1}", TONG_SPEC_MAX_IDMAPS + 1, "]}}");
        _cleanup_free_ char *paths = repeat_json("{" SPEC_BASE ",'linux':{'maskedPaths':[", "'/a'",
                                                 TONG_SPEC_MAX_ARRAY + 1, "]}}");
        _cleanup_free_ char *msg = NULL, *msg2 = NULL;

        ASSERT_NULL(spec_test_load(maps, &msg));
        ASSERT_STR_CONTAINS(msg, "linux.uidMappings: too many entries (341, the limit is 340)");
        ASSERT_NULL(spec_test_load(paths, &msg2));
        ASSERT_STR_CONTAINS(msg2, "linux.maskedPaths: too many entries (65537, the limit is "
                                  "65536)");
}
