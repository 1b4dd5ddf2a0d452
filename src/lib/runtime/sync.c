/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "runtime/sync.h"

struct sync_hdr {
        uint32_t type;
        int32_t errnum;
        uint32_t len;
};

int sync_send(int fd, sync_type type, int errnum, const void *payload, uint32_t len, int pass_fd,
              tong_err **err)
{
        struct sync_hdr h = { .type = type, .errnum = errnum, .len = len };
        struct iovec iov[2] = {
                { .iov_base = &h, .iov_len = sizeof(h) },
                { .iov_base = (void *)payload, .iov_len = len },
        };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
        ssize_t n;

        if (len > SYNC_MAX_PAYLOAD)
                return tong_err_set(err, EMSGSIZE, "sync message of %u bytes", len);
        if (pass_fd >= 0) {
                struct cmsghdr *c;

                memset(&u, 0, sizeof(u));
                msg.msg_control = u.buf;
                msg.msg_controllen = sizeof(u.buf);
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        do {
                n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                return tong_err_sys(err, errno, "send to the container process");
        return 0;
}

void sync_send_error(int fd, const tong_err *err)
{
        const char *msg = err && err->msg ? err->msg : "unknown error";
        size_t len = MIN(strlen(msg), (size_t)SYNC_MAX_PAYLOAD);

        (void)sync_send(fd, SYNC_ERROR, err ? err->errnum : EIO, msg, (uint32_t)len, -1, NULL);
}

static int recv_fd_from(struct msghdr *msg)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                int fd;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
                return fd;
        }
        return -1;
}

static int recv_one(int fd, struct sync_hdr *hp, int *ret_fd, tong_err **err)
{
        struct sync_hdr h;
        char payload[SYNC_MAX_PAYLOAD + 1];
        struct iovec iov[2] = {
                { .iov_base = &h, .iov_len = sizeof(h) },
                { .iov_base = payload, .iov_len = SYNC_MAX_PAYLOAD },
        };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {
                .msg_iov = iov,
                .msg_iovlen = 2,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        _cleanup_close_ int got_fd = -EBADF;
        ssize_t n;

        do {
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                return tong_err_sys(err, errno, "receive from the container process");
        got_fd = recv_fd_from(&msg);
        if (n == 0)
                return 0;
        if ((size_t)n < sizeof(h) || h.len != (size_t)n - sizeof(h) || (msg.msg_flags & MSG_TRUNC))
                return tong_err_set(err, EPROTO, "malformed sync message");
        payload[h.len] = '\0';
        if (h.type == SYNC_ERROR)
                return tong_err_take(err, h.errnum > 0 ? h.errnum : EIO, xstrdup(payload));
        *hp = h;
        if (ret_fd)
                *ret_fd = TAKE_FD(got_fd);
        return 1;
}

int sync_recv(int fd, sync_type *ret_type, int *ret_fd, tong_err **err)
{
        struct sync_hdr h;
        int r = recv_one(fd, &h, ret_fd, err);

        if (r > 0)
                *ret_type = (sync_type)h.type;
        return r;
}

int sync_expect(int fd, sync_type want, int *ret_fd, tong_err **err)
{
        struct sync_hdr h;
        int got = -EBADF, r;

        r = recv_one(fd, &h, &got, err);
        if (r < 0)
                return r;
        if (r == 0)
                return tong_err_set(err, EPIPE, "the container process exited unexpectedly");
        if (h.type != (uint32_t)want) {
                safe_close(got);
                return tong_err_set(err, EPROTO, "expected sync message %d, got %u", (int)want,
                                    h.type);
        }
        if (ret_fd)
                *ret_fd = got;
        else
                safe_close(got);
        return 0;
}
