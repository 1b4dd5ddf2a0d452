/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] = "[options] CONTAINER";
static const char options[] =
        "  -r, --resources FILE          a linux.resources JSON object (\"-\": stdin); the\n"
        "                                other options are then ignored\n"
        "      --memory SIZE             memory limit (bytes, or with a k/m/g suffix; -1: none)\n"
        "      --memory-reservation SIZE soft limit\n"
        "      --memory-swap SIZE        memory+swap limit; -1: unlimited swap\n"
        "      --kernel-memory SIZE      kernel memory limit (cgroup v1, kernels < 5.16)\n"
        "      --kernel-memory-tcp SIZE  kernel TCP buffer limit (cgroup v1)\n"
        "      --cpu-share N             CPU shares (relative weight)\n"
        "      --cpu-quota N             CFS quota in microseconds per period; -1: none\n"
        "      --cpu-period N            CFS period in microseconds\n"
        "      --cpu-burst N             CFS burst in microseconds\n"
        "      --cpu-rt-runtime N        realtime runtime in microseconds per period\n"
        "      --cpu-rt-period N         realtime period in microseconds\n"
        "      --cpu-idle 0|1            SCHED_IDLE for the cgroup\n"
        "      --cpuset-cpus LIST        CPUs to use (0-3,7)\n"
        "      --cpuset-mems LIST        memory nodes to use\n"
        "      --pids-limit N            maximum number of processes; -1: none; 0: unchanged\n"
        "      --blkio-weight N          block IO weight, 10..1000; 0: unchanged\n"
        "      --l3-cache-schema S       Intel RDT (not supported)\n"
        "      --mem-bw-schema S         Intel RDT (not supported)\n";

/* getopt value -> the member of tong_update_opts it sets. */
static const struct {
        struct option opt;
        size_t off;
} flags[] = {
        { { "resources", required_argument, NULL, 'r' }, offsetof(tong_update_opts, resources) },
        { { "memory", required_argument, NULL, 256 }, offsetof(tong_update_opts, memory) },
        { { "memory-reservation", required_argument, NULL, 257 },
          offsetof(tong_update_opts, memory_reservation) },
        { { "memory-swap", required_argument, NULL, 258 },
          offsetof(tong_update_opts, memory_swap) },
        { { "kernel-memory", required_argument, NULL, 259 },
          offsetof(tong_update_opts, kernel_memory) },
        { { "kernel-memory-tcp", required_argument, NULL, 260 },
          offsetof(tong_update_opts, kernel_memory_tcp) },
        { { "cpu-share", required_argument, NULL, 261 }, offsetof(tong_update_opts, cpu_shares) },
        { { "cpu-shares", required_argument, NULL, 262 }, offsetof(tong_update_opts, cpu_shares) },
        { { "cpu-quota", required_argument, NULL, 263 }, offsetof(tong_update_opts, cpu_quota) },
        { { "cpu-period", required_argument, NULL, 264 }, offsetof(tong_update_opts, cpu_period) },
        { { "cpu-burst", required_argument, NULL, 265 }, offsetof(tong_update_opts, cpu_burst) },
        { { "cpu-rt-runtime", required_argument, NULL, 266 },
          offsetof(tong_update_opts, cpu_rt_runtime) },
        { { "cpu-rt-period", required_argument, NULL, 267 },
          offsetof(tong_update_opts, cpu_rt_period) },
        { { "cpu-idle", required_argument, NULL, 268 }, offsetof(tong_update_opts, cpu_idle) },
        { { "cpuset-cpus", required_argument, NULL, 269 },
          offsetof(tong_update_opts, cpuset_cpus) },
        { { "cpuset-mems", required_argument, NULL, 270 },
          offsetof(tong_update_opts, cpuset_mems) },
        { { "pids-limit", required_argument, NULL, 271 }, offsetof(tong_update_opts, pids_limit) },
        { { "blkio-weight", required_argument, NULL, 272 },
          offsetof(tong_update_opts, blkio_weight) },
        { { "l3-cache-schema", required_argument, NULL, 273 },
          offsetof(tong_update_opts, l3_cache_schema) },
        { { "mem-bw-schema", required_argument, NULL, 274 },
          offsetof(tong_update_opts, mem_bw_schema) },
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

int cmd_update(const cli_globals *g, int argc, char **argv)
{
        struct option opts[N_FLAGS + 2];
        tong_update_opts o = { 0 };
        tong_err *err = NULL;
        int c, r;

        for (size_t i = 0; i < N_FLAGS; i++)
                opts[i] = flags[i].opt;
        opts[N_FLAGS] = (struct option){ "help", no_argument, NULL, 'h' };
        opts[N_FLAGS + 1] = (struct option){ 0 };
        optind = 0;
        while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
                size_t i;

                if (c == 'h')
                        return cli_help("update", usage, options);
                for (i = 0; i < N_FLAGS && flags[i].opt.val != c; i++)
                        ;
                if (i == N_FLAGS)
                        return cli_usage_error("update", "unknown or incomplete option");
                *(const char **)((char *)&o + flags[i].off) = optarg;
        }
        if (argc - optind != 1)
                return cli_usage_error("update", "expected exactly one container ID");
        r = tong_container_update(&g->ctx, argv[optind], &o, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}
