/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/path-util.h"
#include "test-rootfs-util.h"
#include "test.h"

/*
 * A hostile tree:
 *   a/b/            f (file "hello")       abs -> /a         up -> ../../../../..
 *   esc -> ../../../../../<sentinel>/x    loop -> loop      dangling -> /newdir/x
 *   rel -> a/../a/b                       fsym -> /f
 */
typedef struct tree {
        char *root;
        char *sentinel;
        int root_fd;
} tree;

static void tree_make(tree *t)
{
        _cleanup_free_ char *esc = NULL;
        char p[PATH_MAX];

        t->root = trt_mkdtemp("path");
        t->sentinel = trt_mkdtemp("sentinel");
        snprintf(p, sizeof(p), "%s/a/b", t->root);
        trt_mkdir_p(p, 0755);
        snprintf(p, sizeof(p), "%s/f", t->root);
        trt_write(p, "hello");
#define LINK(target, name)                                      \
        do {                                                    \
                snprintf(p, sizeof(p), "%s/%s", t->root, name); \
                trt_symlink(target, p);                         \
        } while (0)
        LINK("/a", "abs");
        LINK("../../../../..", "up");
        esc = xasprintf("../../../../../../..%s/x", t->sentinel);
        LINK(esc, "esc");
        LINK("loop", "loop");
        LINK("/newdir/x", "dangling");
        LINK("a/../a/b", "rel");
        LINK("/f", "fsym");
#undef LINK
        t->root_fd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(t->root_fd >= 0);
}

static void tree_free(tree *t)
{
        safe_close(t->root_fd);
        trt_rm_rf(t->root);
        trt_rm_rf(t->sentinel);
        free(t->root);
        free(t->sentinel);
}

/* Is fd the host path root/rel? */
static bool is_inode(int fd, const char *root, const char *rel)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
        struct stat a, b;

        if (fstat(fd, &a) < 0 || lstat(p, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void check_resolution(unsigned flags)
{
        tree t;
        int fd;

        tree_make(&t);
#define OPEN(path, extra) tong_path_open_in_root(t.root_fd, path, O_PATH, flags | (extra))
        fd = OPEN("a/b", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "a/b"));
        safe_close(fd);
        fd = OPEN("/abs/b", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "a/b"));
        safe_close(fd);
        fd = OPEN("up/a", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "a"));
        safe_close(fd);
        fd = OPEN("../../../a/./b/..", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "a"));
        safe_close(fd);
        fd = OPEN("rel", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "a/b"));
        safe_close(fd);
        fd = OPEN("/", 0);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "."));
        safe_close(fd);
        ASSERT_EQ(OPEN("esc", 0), -ENOENT); /* resolved inside: <root>/<sentinel>/x */
        ASSERT_EQ(OPEN("loop", 0), -ELOOP);
        ASSERT_EQ(OPEN("f/x", 0), -ENOTDIR);
        ASSERT_EQ(OPEN("abs/b", TONG_PATH_NO_SYMLINKS), -ELOOP);
        ASSERT_EQ(OPEN("../a", TONG_PATH_BENEATH), -EXDEV);
        ASSERT_EQ(OPEN("abs", TONG_PATH_BENEATH), -EXDEV);
        fd = OPEN("abs", TONG_PATH_NOFOLLOW);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "abs"));
        safe_close(fd);
#undef OPEN
        /* A real open of a file through an absolute symlink. */
        fd = tong_path_open_in_root(t.root_fd, "fsym", O_RDONLY, flags);
        ASSERT_TRUE(fd >= 0);
        {
                char buf[8] = { 0 };

                ASSERT_EQ(read(fd, buf, sizeof(buf) - 1), 5);
                ASSERT_STREQ(buf, "hello");
        }
        safe_close(fd);
        ASSERT_EQ(tong_path_open_in_root(t.root_fd, "fsym", O_RDONLY, flags | TONG_PATH_NOFOLLOW),
                  -ELOOP);
        ASSERT_EQ(tong_path_open_in_root(t.root_fd, "f", O_PATH | O_DIRECTORY, flags), -ENOTDIR);
        ASSERT_EQ(trt_count_entries(t.sentinel), 0);
        tree_free(&t);
}

TEST(path_open_in_root_openat2)
{
        check_resolution(0);
}

TEST(path_open_in_root_fallback)
{
        check_resolution(TONG_PATH_FALLBACK);
}

static void check_mkdir(unsigned flags)
{
        tree t;
        int fd;
        char p[PATH_MAX];
        struct stat st;

        tree_make(&t);
        fd = tong_path_mkdir_in_root(t.root_fd, "/x/y/z", 0700, flags);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "x/y/z"));
        safe_close(fd);
        snprintf(p, sizeof(p), "%s/x/y/z", t.root);
        ASSERT_TRUE(stat(p, &st) == 0 && (st.st_mode & 07777) == 0700);
        /* CVE-2024-45310 shape: the symlink points out; the directories appear inside. */
        fd = tong_path_mkdir_in_root(t.root_fd, "esc/newdir/sub", 0755, flags);
        ASSERT_TRUE(fd >= 0);
        safe_close(fd);
        ASSERT_EQ(trt_count_entries(t.sentinel), 0);
        snprintf(p, sizeof(p), "%s%s/x/newdir/sub", t.root, t.sentinel);
        ASSERT_TRUE(trt_exists(p));
        /* CVE-2019-18837 shape: a dangling symlink as last component. */
        fd = tong_path_mkdir_in_root(t.root_fd, "dangling", 0755, flags);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "newdir/x"));
        safe_close(fd);
        ASSERT_EQ(tong_path_mkdir_in_root(t.root_fd, "f", 0755, flags), -ENOTDIR);
        ASSERT_EQ(tong_path_mkdir_in_root(t.root_fd, "f/sub", 0755, flags), -ENOTDIR);
        ASSERT_EQ(tong_path_mkdir_in_root(t.root_fd, "loop/sub", 0755, flags), -ELOOP);
        /* File mount points. */
        fd = tong_path_mkfile_in_root(t.root_fd, "/m/n/file", 0644, flags);
        ASSERT_TRUE(fd >= 0 && is_inode(fd, t.root, "m/n/file"));
        ASSERT_TRUE(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
        safe_close(fd);
        fd = tong_path_mkfile_in_root(t.root_fd, "a", 0644, flags);
        ASSERT_TRUE(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
        safe_close(fd);
        fd = tong_path_mkfile_in_root(t.root_fd, "esc", 0644, flags);
        ASSERT_TRUE(fd >= 0);
        safe_close(fd);
        ASSERT_EQ(trt_count_entries(t.sentinel), 0);
        tree_free(&t);
}

TEST(path_mkdir_in_root_openat2)
{
        check_mkdir(0);
}

TEST(path_mkdir_in_root_fallback)
{
        check_mkdir(TONG_PATH_FALLBACK);
}

static void check_xdev(unsigned flags)
{
        tree t;
        char p[PATH_MAX];
        int fd;

        trt_unshare_mnt(); /* first: root_fd must be a mount of the new namespace */
        tree_make(&t);
        snprintf(p, sizeof(p), "%s/a", t.root);
        ASSERT_OK(mount("tmpfs", p, "tmpfs", 0, "size=64k"));
        snprintf(p, sizeof(p), "%s/a/inner", t.root);
        trt_write(p, "x");
        ASSERT_EQ(tong_path_open_in_root(t.root_fd, "a/inner", O_PATH, flags | TONG_PATH_NO_XDEV),
                  -EXDEV);
        fd = tong_path_open_in_root(t.root_fd, "a/inner", O_PATH, flags);
        ASSERT_TRUE(fd >= 0);
        safe_close(fd);
        /* A file bind-mounted over another is a mount point too. */
        snprintf(p, sizeof(p), "%s/f", t.root);
        ASSERT_OK(mount(p, p, NULL, MS_BIND, NULL));
        ASSERT_EQ(tong_path_open_in_root(t.root_fd, "f", O_RDONLY, flags | TONG_PATH_NO_XDEV),
                  -EXDEV);
        snprintf(p, sizeof(p), "%s/a", t.root);
        ASSERT_OK(umount2(p, MNT_DETACH));
        snprintf(p, sizeof(p), "%s/f", t.root);
        ASSERT_OK(umount2(p, MNT_DETACH));
        tree_free(&t);
}

TEST(path_no_xdev_openat2)
{
        check_xdev(0);
}

TEST(path_no_xdev_fallback)
{
        check_xdev(TONG_PATH_FALLBACK);
}

static void check_magiclink(unsigned flags)
{
        _cleanup_close_ int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct stat a, b;
        int fd;

        ASSERT_TRUE(self >= 0);
        /* /proc/self/root is a magic link to "/": it must not take us to the real root. */
        fd = tong_path_open_in_root(self, "root", O_PATH, flags);
        if (fd == -ELOOP)
                return;
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(fstat(fd, &a));
        ASSERT_OK(fstat(self, &b));
        ASSERT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        safe_close(fd);
}

TEST(path_magiclinks_not_followed)
{
        check_magiclink(0);
        check_magiclink(TONG_PATH_FALLBACK);
}

TEST(path_clean)
{
        const char *cases[][2] = {
                { "", "/" },
                { "/", "/" },
                { "a//b/./c/../", "/a/b" },
                { "../../x", "/x" },
                { "/proc/../proc/sys/", "/proc/sys" },
                { "/a/b/../../..", "/" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *c = tong_path_clean(cases[i][0]);

                ASSERT_STREQ(c, cases[i][1]);
        }
        ASSERT_TRUE(tong_path_is_under("/proc/sys", "/proc"));
        ASSERT_TRUE(tong_path_is_under("/proc", "/proc"));
        ASSERT_FALSE(tong_path_is_under("/procx", "/proc"));
        ASSERT_TRUE(tong_path_is_under("/x", "/"));
}
