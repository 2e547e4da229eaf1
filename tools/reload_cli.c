/* reload_cli.c: `lunatic run` reloading its application (docs/reload.md):
 * on SIGHUP, and with --watch when the file's modification time or size
 * changes (polled: no inotify needed). Interface: reload_cli.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/reload_cli.h"

/* The whole file (malloc'd), or NULL with errno's reason in err. */
static uint8_t *slurp(const char *path, size_t *len, char *err, size_t el)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) {
        snprintf(err, el, "cannot read it: %s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!nb) {
                snprintf(err, el, "out of memory");
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, el, "cannot read it: %s", strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int reload_cli_file(sched_runtime_t *rt, const char *path)
{
    char err[512];
    size_t len = 0;
    uint8_t *bytes = slurp(path, &len, err, sizeof err);
    int rc = bytes ? sched_runtime_reload(rt, bytes, len, err, sizeof err)
                   : -1;
    free(bytes);
    uint64_t v = sched_runtime_version(rt, NULL);
    if (rc == 0)
        fprintf(stderr, "lunatic: reloaded %s: version %llu\n", path,
                (unsigned long long)v);
    else
        fprintf(stderr, "lunatic: reload of %s refused: %s (version %llu "
                "keeps running)\n", path, err, (unsigned long long)v);
    return rc;
}

/* What identifies a version of the file: its mtime and size. */
static bool file_stamp(const char *path, struct timespec *mtime, off_t *size)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return false;
    *mtime = sb.st_mtim;
    *size = sb.st_size;
    return true;
}

void reload_watch_init(reload_watch_t *w, const char *path)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->have = file_stamp(path, &w->mtime, &w->size);
}

bool reload_watch_changed(reload_watch_t *w)
{
    struct timespec m;
    off_t s;
    if (!file_stamp(w->path, &m, &s)) /* being replaced: look again later */
        return false;
    if (w->have && m.tv_sec == w->mtime.tv_sec &&
        m.tv_nsec == w->mtime.tv_nsec && s == w->size)
        return false;
    w->mtime = m;
    w->size = s;
    w->have = true;
    return true;
}
