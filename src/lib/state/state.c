/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "core/macro.h"
#include "core/parse-util.h"
#include "core/strv.h"
#include "state/state.h"

#define STATE_FILE "state.json"
#define CONFIG_FILE "config.json"
#define STATE_MAX_SIZE (1u << 20)

/* Files tong may leave in a container directory; delete removes exactly these. */
static const char *const state_files[] = {
        STATE_FILE,
        CONFIG_FILE,
        "start.sock",
        "notify.sock",
};

static bool id_char_ok(char c, bool first)
{
        if (isalnum((unsigned char)c) || c == '_' || c == '+' || c == '-')
                return true;
        return !first && c == '.';
}

int tong_id_validate(const char *id, tong_err **err)
{
        size_t n;

        if (!id || !*id)
                return tong_err_set(err, EINVAL, "container ID must not be empty");
        n = strlen(id);
        if (n > TONG_ID_MAX)
                return tong_err_set(err, EINVAL,
                                    "container ID is %zu bytes long, at most %d allowed", n,
                                    TONG_ID_MAX);
        for (size_t i = 0; i < n; i++)
                if (!id_char_ok(id[i], i == 0))
                        return tong_err_set(err, EINVAL,
                                            "invalid container ID `%s`: only letters, digits and "
                                            "_+-. are allowed, and it must not start with '.'",
                                            id);
        return 0;
}

tong_state *tong_state_free(tong_state *st)
{
        if (!st)
                return NULL;
        free(st->id);
        free(st->bundle);
        free(st->status);
        free(st->created);
        free(st->cgroup_path);
        for (size_t i = 0; i < st->n_annotations; i++) {
                free(st->annotations[i].key);
                free(st->annotations[i].value);
        }
        free(st->annotations);
        free(st);
        return NULL;
}

static int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = xstrdup(path);

        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int tong_state_root_open(const char *root, bool create, int *ret_fd, tong_err **err)
{
        struct stat st;
        int fd, r;

        if (!root || root[0] != '/')
                return tong_err_set(err, EINVAL, "--root `%s` must be an absolute path",
                                    root ? root : "");
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
                r = mkdir_p(root, 0700);
                if (r < 0)
                        return tong_err_sys(err, -r, "create state root `%s`", root);
                fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (fd < 0)
                return tong_err_sys(err, errno, "open state root `%s`", root);
        if (fstat(fd, &st) < 0) {
                r = -errno;
                safe_close(fd);
                return tong_err_sys(err, -r, "stat state root `%s`", root);
        }
        if (create && st.st_uid == geteuid() && (st.st_mode & 077))
                (void)fchmod(fd, st.st_mode & 0700);
        *ret_fd = fd;
        return 0;
}

static int lock_dir(int dirfd, int lock, const char *id, tong_err **err)
{
        if (!lock)
                return 0;
        while (flock(dirfd, lock) < 0) {
                if (errno != EINTR)
                        return tong_err_sys(err, errno, "lock container `%s`", id);
        }
        return 0;
}

int tong_state_dir_create(int root_fd, const char *id, int *ret_dirfd, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = tong_id_validate(id, err);
        if (r < 0)
                return r;
        if (mkdirat(root_fd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return tong_err_set(err, EEXIST, "container `%s` already exists", id);
                return tong_err_sys(err, errno, "create state directory for `%s`", id);
        }
        fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                (void)unlinkat(root_fd, id, AT_REMOVEDIR);
                return tong_err_sys(err, -r, "open state directory of `%s`", id);
        }
        r = lock_dir(fd, LOCK_EX, id, err);
        if (r < 0) {
                (void)unlinkat(root_fd, id, AT_REMOVEDIR);
                return r;
        }
        *ret_dirfd = TAKE_FD(fd);
        return 0;
}

int tong_state_dir_open(int root_fd, const char *id, int lock, int *ret_dirfd, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = tong_id_validate(id, err);
        if (r < 0)
                return r;
        fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return tong_err_set(err, ENOENT, "container `%s` does not exist", id);
                return tong_err_sys(err, errno, "open state directory of `%s`", id);
        }
        r = lock_dir(fd, lock, id, err);
        if (r < 0)
                return r;
        *ret_dirfd = TAKE_FD(fd);
        return 0;
}

int tong_state_dir_remove(int root_fd, const char *id, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = tong_id_validate(id, err);
        if (r < 0)
                return r;
        fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return tong_err_sys(err, errno, "open state directory of `%s`", id);
        }
        for (size_t i = 0; i < ELEMENTSOF(state_files); i++)
                if (unlinkat(fd, state_files[i], 0) < 0 && errno != ENOENT)
                        return tong_err_sys(err, errno, "remove `%s` of container `%s`",
                                            state_files[i], id);
        if (unlinkat(root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return tong_err_sys(err, errno, "remove state directory of `%s`", id);
        return 0;
}

static tong_json *state_to_json(const tong_state *st)
{
        tong_json *o = tong_json_new_object();
        tong_json *ann = tong_json_new_object();

        tong_json_set(o, "id", tong_json_new_string(st->id));
        tong_json_set(o, "bundle", tong_json_new_string(st->bundle));
        tong_json_set(o, "status", tong_json_new_string(st->status));
        tong_json_set(o, "pid", tong_json_new_i64(st->pid));
        tong_json_set(o, "pidStart", tong_json_new_u64(st->pid_start));
        tong_json_set(o, "created", tong_json_new_string(st->created ? st->created : ""));
        if (st->cgroup_path)
                tong_json_set(o, "cgroupPath", tong_json_new_string(st->cgroup_path));
        tong_json_set(o, "rootless", tong_json_new_bool(st->rootless));
        for (size_t i = 0; i < st->n_annotations; i++)
                tong_json_set(ann, st->annotations[i].key,
                              tong_json_new_string(st->annotations[i].value));
        tong_json_set(o, "annotations", ann);
        return o;
}

int tong_state_write(int dirfd, const tong_state *st, bool durable, tong_err **err)
{
        _cleanup_json_ tong_json *o = state_to_json(st);
        _cleanup_free_ char *s = tong_json_to_string(o, TONG_JSON_PLAIN);
        int r = write_file_atomic_at_full(dirfd, STATE_FILE, s, strlen(s), 0600, durable);

        if (r < 0)
                return tong_err_sys(err, -r, "write state of container `%s`", st->id);
        return 0;
}

static char *json_str_dup(const tong_json *o, const char *key)
{
        const tong_json *v = tong_json_get(o, key);
        const char *s;

        if (!v || tong_json_get_string(v, &s) < 0)
                return NULL;
        return xstrdup(s);
}

static int state_from_json(const tong_json *o, tong_state *st)
{
        const tong_json *v, *ann;
        int64_t pid = 0;
        uint64_t start = 0;

        st->id = json_str_dup(o, "id");
        st->bundle = json_str_dup(o, "bundle");
        st->status = json_str_dup(o, "status");
        st->created = json_str_dup(o, "created");
        st->cgroup_path = json_str_dup(o, "cgroupPath");
        if (!st->id || !st->bundle || !st->status)
                return -EBADMSG;
        v = tong_json_get(o, "pid");
        if (v && tong_json_get_i64(v, &pid) < 0)
                return -EBADMSG;
        v = tong_json_get(o, "pidStart");
        if (v && tong_json_get_u64(v, &start) < 0)
                return -EBADMSG;
        st->pid = (pid_t)pid;
        st->pid_start = start;
        v = tong_json_get(o, "rootless");
        st->rootless = v && tong_json_type_of(v) == TONG_JSON_BOOL && tong_json_bool(v);
        ann = tong_json_get(o, "annotations");
        if (ann && tong_json_type_of(ann) == TONG_JSON_OBJECT) {
                tong_json_iter it;
                const char *k;

                tong_json_iter_init(ann, &it);
                while (tong_json_iter_next(&it, &k, &v)) {
                        const char *s;
                        tong_kv *kv;

                        if (!v || tong_json_get_string(v, &s) < 0)
                                continue;
                        kv = xappend(&st->annotations, &st->n_annotations, sizeof(*kv));
                        kv->key = xstrdup(k);
                        kv->value = xstrdup(s);
                }
        }
        return 0;
}

int tong_state_read(int dirfd, tong_state **ret, tong_err **err)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ tong_json *o = NULL;
        tong_state *st;
        size_t len;
        int r;

        r = read_file_at(dirfd, STATE_FILE, STATE_MAX_SIZE, &buf, &len);
        if (r == -ENOENT)
                return tong_err_set(err, ENOENT, "container state not written yet");
        if (r < 0)
                return tong_err_sys(err, -r, "read container state");
        r = tong_json_parse(buf, len, &o, err);
        if (r < 0)
                return tong_err_prefix(err, r, "container state is corrupt");
        st = xcalloc(1, sizeof(*st));
        r = state_from_json(o, st);
        if (r < 0) {
                tong_state_free(st);
                return tong_err_set(err, EBADMSG, "container state is corrupt");
        }
        *ret = st;
        return 0;
}

int tong_state_save_config(int dirfd, const char *buf, size_t len, bool durable, tong_err **err)
{
        int r = write_file_atomic_at_full(dirfd, CONFIG_FILE, buf, len, 0600, durable);

        if (r < 0)
                return tong_err_sys(err, -r, "save config.json in the state directory");
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int tong_state_list(int root_fd, char ***ret_ids, tong_err **err)
{
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = dup(root_fd);
        if (fd < 0)
                return tong_err_sys(err, errno, "list containers");
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return tong_err_sys(err, errno, "list containers");
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (tong_id_validate(de->d_name, NULL) < 0)
                        continue;
                strv_push(&ids, de->d_name);
        }
        if (ids)
                qsort(ids, strv_length(ids), sizeof(char *), cmp_str);
        else
                ids = xcalloc(1, sizeof(char *));
        *ret_ids = TAKE_PTR(ids);
        return 0;
}

int tong_proc_start_time(pid_t pid, uint64_t *ret_start, bool *ret_zombie)
{
        char path[64], buf[1024], *p;
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;
        int field = 3; /* the field p points at, counting from 1 */

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = '\0';
        /* comm may contain spaces and parentheses: fields restart after the last ')'. */
        p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EIO;
        p += 2;
        if (ret_zombie)
                *ret_zombie = *p == 'Z' || *p == 'X';
        while (*p && field < 22) {
                if (*p++ == ' ')
                        field++;
        }
        if (field != 22)
                return -EIO;
        *ret_start = strtoull(p, NULL, 10);
        return 0;
}

bool tong_state_pid_alive(const tong_state *st)
{
        uint64_t start;
        bool zombie;

        if (st->pid <= 0)
                return false;
        if (tong_proc_start_time(st->pid, &start, &zombie) < 0)
                return false;
        return start == st->pid_start && !zombie;
}

void tong_rfc3339_now(char *buf, size_t n)
{
        struct timespec ts;
        struct tm tm;
        char base[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, n, "%s.%09ldZ", base, ts.tv_nsec);
}
