/* reload_cli.h: `lunatic run`'s reload triggers (reload_cli.c). */
#ifndef LUN_RELOAD_CLI_H
#define LUN_RELOAD_CLI_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "sched/sched.h"

/* Reload rt's application from path; prints one line saying what
 * happened. 0, or the error of sched_runtime_reload (-1: unreadable). */
int reload_cli_file(sched_runtime_t *rt, const char *path);

/* --watch: the file's last seen modification time and size. */
typedef struct reload_watch {
    const char *path;
    struct timespec mtime;
    off_t size;
    bool have;
} reload_watch_t;

void reload_watch_init(reload_watch_t *w, const char *path);
/* Has the file changed since the last call (or init)? */
bool reload_watch_changed(reload_watch_t *w);

#endif
