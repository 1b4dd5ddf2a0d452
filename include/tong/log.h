/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/*
 * The library never prints.  Warnings (a capability the kernel lacks, a failing poststop
 * hook) and debug traces go through one sink that the CLI installs; it writes them to
 * stderr and/or the --log file in the format asked for.  Errors travel as tong_err.
 */
typedef enum tong_log_level {
        TONG_LOG_ERROR,
        TONG_LOG_WARN,
        TONG_LOG_INFO,
        TONG_LOG_DEBUG,
} tong_log_level;

typedef void (*tong_log_sink)(tong_log_level level, const char *msg, void *userdata);

void tong_log_set_sink(tong_log_sink sink, void *userdata, tong_log_level max_level);

/*
 * For processes the runtime forks into a container: drop the caller's sink (which may hold
 * host files such as the --log file) and write warnings and errors to stderr only.
 */
void tong_log_to_stderr_only(void);

/*
 * The caller's log file (--log), if any.  Processes the runtime forks keep this one fd
 * (close-on-exec) so their warnings reach the log the engine reads; everything else of the
 * host is closed.
 */
void tong_log_set_file_fd(int fd);
int tong_log_file_fd(void);
bool tong_log_enabled(tong_log_level level);
void tong_log(tong_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define tong_warn(...) tong_log(TONG_LOG_WARN, __VA_ARGS__)
#define tong_info(...) tong_log(TONG_LOG_INFO, __VA_ARGS__)
#define tong_debug(...)                                        \
        do {                                                   \
                if (tong_log_enabled(TONG_LOG_DEBUG))          \
                        tong_log(TONG_LOG_DEBUG, __VA_ARGS__); \
        } while (0)
