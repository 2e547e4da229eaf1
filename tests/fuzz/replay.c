/* replay.c: runs a libFuzzer entry point over files and directories given
 * on the command line, so that corpora replay without libFuzzer. */
#include "common/lun_prefix.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replayed;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 4096, n;
    uint8_t *buf = malloc(cap);
    if (f == NULL || buf == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path,
                f == NULL ? strerror(errno) : "out of memory");
        if (f != NULL)
            fclose(f);
        free(buf);
        return 1;
    }
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    int failed = ferror(f) || len == cap;
    fclose(f);
    if (failed) {
        fprintf(stderr, "replay: %s: read error\n", path);
    } else {
        /* An exact-size copy lets ASan catch reads past the input. */
        uint8_t *exact = malloc(len ? len : 1);
        if (exact != NULL) {
            memcpy(exact, buf, len);
            LLVMFuzzerTestOneInput(exact, len);
            replayed++;
        }
        failed = exact == NULL;
        free(exact);
    }
    free(buf);
    return failed;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under path, in sorted order (so runs repeat). */
static int replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    DIR *d = opendir(path);
    char **names = NULL;
    size_t count = 0, cap = 0;
    int failed = d == NULL;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            char **bigger = realloc(names, (cap = cap ? cap * 2 : 64) *
                                               sizeof *names);
            if (bigger == NULL) {
                failed = 1;
                break;
            }
            names = bigger;
        }
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        if ((names[count] = malloc(n)) == NULL) {
            failed = 1;
            break;
        }
        snprintf(names[count++], n, "%s/%s", path, e->d_name);
    }
    if (d != NULL)
        closedir(d);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        failed |= replay_path(names[i]);
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    int failed = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: replay FILE|DIR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        failed |= replay_path(argv[i]);
    printf("replay: %lu inputs\n", replayed);
    return failed;
}
