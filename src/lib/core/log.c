/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"

static tong_log_sink log_sink;
static void *log_userdata;
static tong_log_level log_max = TONG_LOG_WARN;
static int log_file_fd = -1;

void tong_log_set_sink(tong_log_sink sink, void *userdata, tong_log_level max_level)
{
        log_sink = sink;
        log_userdata = userdata;
        log_max = max_level;
}

bool tong_log_enabled(tong_log_level level)
{
        return log_sink && level <= log_max;
}

void tong_log(tong_log_level level, const char *fmt, ...)
{
        va_list ap;
        char *msg;

        if (!tong_log_enabled(level))
                return;
        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        log_sink(level, msg, log_userdata);
        free(msg);
}

static void stderr_sink(tong_log_level level, const char *msg, void *userdata)
{
        (void)userdata;
        if (level <= TONG_LOG_WARN)
                dprintf(STDERR_FILENO, "tong: %s%s\n", level == TONG_LOG_WARN ? "warning: " : "",
                        msg);
}

void tong_log_to_stderr_only(void)
{
        log_sink = stderr_sink;
        log_userdata = NULL;
        if (log_max > TONG_LOG_WARN)
                log_max = TONG_LOG_WARN;
}

void tong_log_set_file_fd(int fd)
{
        log_file_fd = fd;
}

int tong_log_file_fd(void)
{
        return log_file_fd;
}
