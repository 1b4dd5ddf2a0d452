/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/capability.h>

#include "tong/log.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/parse-util.h"
#include "linux/caps.h"
#include "test.h"

#define BIT(c) (UINT64_C(1) << (c))

/* The hex value of a Cap*: line of /proc/self/status. */
static uint64_t status_caps(const char *field)
{
        _cleanup_free_ char *s = NULL;
        char key[32];
        const char *p;

        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &s, NULL));
        (void)snprintf(key, sizeof(key), "\n%s:\t", field);
        p = strstr(s, key);
        ASSERT_NOT_NULL(p);
        return strtoull(p + strlen(key), NULL, 16);
}

static int warnings;
static char last_warning[512];

static void count_warning(tong_log_level level, const char *msg, void *userdata)
{
        (void)userdata;
        if (level == TONG_LOG_WARN) {
                warnings++;
                (void)snprintf(last_warning, sizeof(last_warning), "%s", msg);
        }
}

TEST(caps_last_cap_matches_procfs)
{
        _cleanup_free_ char *s = NULL;
        int last;

        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &s, NULL));
        s[strcspn(s, "\n")] = '\0';
        ASSERT_OK(parse_int(s, &last));
        ASSERT_EQ(tong_cap_last_cap(), last);
        ASSERT_U64_EQ(tong_cap_known_mask(), (UINT64_C(1) << (last + 1)) - 1);
}

TEST(caps_get_and_bounding_match_status)
{
        tong_capset c;

        ASSERT_OK(tong_caps_get(&c, NULL));
        ASSERT_U64_EQ(c.effective, status_caps("CapEff"));
        ASSERT_U64_EQ(c.permitted, status_caps("CapPrm"));
        ASSERT_U64_EQ(c.inheritable, status_caps("CapInh"));
        ASSERT_U64_EQ(tong_caps_bounding_get(), status_caps("CapBnd"));
        ASSERT_U64_EQ(tong_caps_ambient_get(), status_caps("CapAmb"));
}

TEST(caps_bounding_drop_keeps_only_requested)
{
        uint64_t keep = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETPCAP);

        ASSERT_OK(tong_caps_bounding_drop(keep, NULL));
        ASSERT_U64_EQ(status_caps("CapBnd"), keep & tong_caps_bounding_get());
        ASSERT_U64_EQ(tong_caps_bounding_get(), keep);
        /* Dropping what is already gone is not an error. */
        ASSERT_OK(tong_caps_bounding_drop(BIT(CAP_CHOWN), NULL));
        ASSERT_U64_EQ(status_caps("CapBnd"), BIT(CAP_CHOWN));
}

TEST(caps_set_and_ambient_raise)
{
        tong_capset c = { .effective = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETPCAP),
                          .permitted = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETPCAP),
                          .inheritable = BIT(CAP_NET_BIND_SERVICE) };

        ASSERT_OK(tong_caps_set(&c, NULL));
        ASSERT_U64_EQ(status_caps("CapInh"), BIT(CAP_NET_BIND_SERVICE));
        ASSERT_OK(tong_caps_ambient_set(BIT(CAP_NET_BIND_SERVICE), NULL));
        ASSERT_U64_EQ(status_caps("CapAmb"), BIT(CAP_NET_BIND_SERVICE));
        ASSERT_U64_EQ(tong_caps_ambient_get(), BIT(CAP_NET_BIND_SERVICE));
        ASSERT_OK(tong_caps_ambient_set(0, NULL));
        ASSERT_U64_EQ(status_caps("CapAmb"), 0);
}

TEST(caps_ambient_refusal_is_a_warning)
{
        tong_log_set_sink(count_warning, NULL, TONG_LOG_WARN);
        /* CAP_CHOWN is permitted but not inheritable: the kernel refuses to raise it. */
        ASSERT_OK(tong_caps_ambient_set(BIT(CAP_CHOWN), NULL));
        ASSERT_EQ(warnings, 1);
        ASSERT_STR_CONTAINS(last_warning, "CAP_CHOWN");
        ASSERT_U64_EQ(status_caps("CapAmb"), 0);
}

TEST(caps_set_error_names_the_sets)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_capset c = { .effective = BIT(CAP_CHOWN), .permitted = 0 };

        ASSERT_EQ(tong_caps_set(&c, &err), -EPERM);
        ASSERT_STR_CONTAINS(err->msg, "capset effective=0000000000000001");
}

TEST(caps_plan_absent_object_means_no_capabilities)
{
        tong_caps_plan p;

        tong_caps_plan_make(NULL, UINT64_MAX, UINT64_MAX, &p);
        ASSERT_U64_EQ(p.bounding | p.effective | p.permitted | p.inheritable | p.ambient, 0);
}

TEST(caps_plan_warns_for_what_cannot_be_granted)
{
        char *unknown[] = { (char *)"CAP_BOGUS", NULL };
        uint64_t want = BIT(CAP_CHOWN) | BIT(CAP_SYS_RESOURCE) | BIT(CAP_NET_BIND_SERVICE);
        tong_capabilities c = { .bounding = want | BIT(62),
                                .effective = want,
                                .permitted = want,
                                .inheritable = BIT(CAP_NET_BIND_SERVICE),
                                .ambient = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN),
                                .unknown = unknown };
        uint64_t host = ~BIT(CAP_SYS_RESOURCE) & tong_cap_known_mask();
        tong_caps_plan p;

        tong_log_set_sink(count_warning, NULL, TONG_LOG_WARN);
        tong_caps_plan_make(&c, host, host, &p);
        /* CAP_BOGUS, bit 62 (kernel), CAP_SYS_RESOURCE (bounding), CAP_CHOWN (ambient). */
        ASSERT_EQ(warnings, 4);
        ASSERT_U64_EQ(p.bounding, BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE));
        ASSERT_U64_EQ(p.effective, BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE));
        ASSERT_U64_EQ(p.permitted, BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE));
        ASSERT_U64_EQ(p.inheritable, BIT(CAP_NET_BIND_SERVICE));
        ASSERT_U64_EQ(p.ambient, BIT(CAP_NET_BIND_SERVICE));
        ASSERT_STR_CONTAINS(last_warning, "CAP_CHOWN (in ambient)");
}

TEST(caps_plan_warning_lists_every_set_once)
{
        tong_capabilities c = { .bounding = BIT(CAP_SYS_RESOURCE),
                                .effective = BIT(CAP_SYS_RESOURCE),
                                .permitted = BIT(CAP_SYS_RESOURCE) };
        uint64_t host = ~BIT(CAP_SYS_RESOURCE) & tong_cap_known_mask();
        tong_caps_plan p;

        tong_log_set_sink(count_warning, NULL, TONG_LOG_WARN);
        tong_caps_plan_make(&c, host, host, &p);
        ASSERT_EQ(warnings, 1);
        ASSERT_STR_CONTAINS(last_warning,
                            "CAP_SYS_RESOURCE (in bounding, effective, permitted) cannot be "
                            "granted: it is not in the runtime's bounding set");
}

TEST(caps_plan_inheritable_needs_bounding_effective_needs_permitted)
{
        tong_capabilities c = { .bounding = BIT(CAP_CHOWN),
                                .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
                                .permitted = BIT(CAP_CHOWN),
                                .inheritable = BIT(CAP_KILL) };
        tong_caps_plan p;

        tong_log_set_sink(count_warning, NULL, TONG_LOG_WARN);
        tong_caps_plan_make(&c, tong_cap_known_mask(), tong_cap_known_mask(), &p);
        ASSERT_EQ(warnings, 1);
        ASSERT_U64_EQ(p.effective, BIT(CAP_CHOWN));
        ASSERT_U64_EQ(p.inheritable, 0);
}
