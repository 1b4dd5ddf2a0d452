/* SPDX-License-Identifier: Apache-2.0 */
/* Feed every file under the given directories (or the given files) to the fuzz target. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fd-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, path, 64u << 20, &buf, &len);

        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return -1;
        }
        (void)LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
        return 0;
}

int main(int argc, char **argv)
{
        size_t n = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;

                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i]) < 0)
                                return 1;
                        n++;
                        continue;
                }
                d = opendir(argv[i]);
                if (!d) {
                        perror(argv[i]);
                        return 1;
                }
                while ((de = readdir(d))) {
                        _cleanup_free_ char *p = NULL;

                        if (de->d_name[0] == '.')
                                continue;
                        if (asprintf(&p, "%s/%s", argv[i], de->d_name) < 0)
                                return 1;
                        if (replay_file(p) < 0)
                                return 1;
                        n++;
                }
        }
        printf("replayed %zu inputs\n", n);
        return n > 0 ? 0 : 1;
}
