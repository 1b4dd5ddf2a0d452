/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespaces that only carry a mapping, for idmapped mounts with their own
 * uidMappings/gidMappings (config.md, "idmap"/"ridmap").  A user namespace needs a process
 * to be created by: a short-lived child unshares one and waits; we write its maps, keep an
 * fd of the namespace, and let the child go.  Only done for mounts that ask for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "linux/namespaces.h"
#include "runtime/container.h"

static int userns_with_maps(const tong_idmap *u, size_t nu, const tong_idmap *g, size_t ng,
                            size_t idx, const char *dest, int *ret_fd, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        char path[64], c;
        int p[2], r;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return tong_err_sys(err, errno, "pipe");
        pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL,
                             0);
        if (pid == 0) {
                close(p[1]);
                (void)!read(p[0], &c, 1); /* until the parent is done with us */
                _exit(0);
        }
        close(p[0]);
        if (pid < 0) {
                close(p[1]);
                return tong_err_sys(err, errno, "mounts[%zu]: create a user namespace", idx);
        }
        r = tong_userns_write_maps(pid, u, nu, g, ng, false, err);
        if (r >= 0) {
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = tong_err_sys(err, errno, "open %s", path);
        }
        close(p[1]);
        (void)waitpid(pid, NULL, 0);
        if (r < 0)
                return tong_err_prefix(err, r, "mounts[%zu] (%s)", idx, dest);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int *fd_array(size_t n)
{
        int *v = xmalloc(n * sizeof(int));

        for (size_t k = 0; k < n; k++)
                v[k] = -1;
        return v;
}

/* A detached clone of the source, idmapped with userns_fd: made here, with our privileges. */
static int premake(container *c, const tong_mount *m, size_t i, int userns_fd, tong_err **err)
{
        _cleanup_free_ char *src =
                m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", c->bundle, m->source);
        unsigned rec = (m->recursive || m->ridmap) ? AT_RECURSIVE : 0;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
        _cleanup_close_ int fd =
                open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);

        if (fd < 0)
                return tong_err_sys(err, errno, "mounts[%zu] (%s): source %s", i, m->destination,
                                    src);
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (m->ridmap ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return tong_err_sys(err, errno, "mounts[%zu] (%s): idmap the mount", i,
                                    m->destination);
        c->mount_fds[i] = TAKE_FD(fd);
        return 0;
}

int container_open_mount_userns(container *c, tong_err **err)
{
        const tong_spec *s = c->spec;
        int own_ns = -1, r = 0;

        for (size_t i = 0; i < s->n_mounts && r >= 0; i++) {
                const tong_mount *m = &s->mounts[i];
                int ns;

                if ((!m->idmap && !m->ridmap) || !m->bind || !m->source)
                        continue;
                if (!c->mount_fds) {
                        c->mount_fds = fd_array(s->n_mounts);
                        c->mount_userns_fds = fd_array(s->n_mounts);
                }
                if (m->n_uid_mappings) {
                        r = userns_with_maps(m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
                                             m->n_gid_mappings, i, m->destination,
                                             &c->mount_userns_fds[i], err);
                        ns = c->mount_userns_fds[i];
                } else {
                        /* The container's own mapping (its user namespace does not exist yet). */
                        if (own_ns < 0 && s->linux.n_uid_mappings)
                                r = userns_with_maps(s->linux.uid_mappings, s->linux.n_uid_mappings,
                                                     s->linux.gid_mappings, s->linux.n_gid_mappings,
                                                     i, m->destination, &c->mount_userns_fds[i],
                                                     err);
                        if (own_ns < 0)
                                own_ns = c->mount_userns_fds[i];
                        ns = own_ns;
                        if (r >= 0 && ns < 0)
                                r = tong_err_set(err, EINVAL,
                                                 "mounts[%zu] (%s): idmap needs uidMappings and "
                                                 "gidMappings, or a user namespace with them",
                                                 i, m->destination);
                }
                if (r >= 0)
                        r = premake(c, m, i, ns, err);
        }
        return r;
}
