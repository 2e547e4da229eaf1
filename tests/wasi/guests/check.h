/* check.h: what the WASI test guests share: the assertion (on a mismatch,
 * print where and exit with status 1 so the driver reports it) and the
 * lookup of the sandbox preopen. */
#ifndef CHECK_H
#define CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n",    \
                    __FILE__, __LINE__, #cond, errno, strerror(errno));    \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

#ifdef __wasi__
#include <wasi/api.h>

/* The descriptor of the preopen the test driver grants as "/sb". */
static inline __wasi_fd_t sandbox_root(void)
{
    char name[16];
    __wasi_prestat_t ps;
    for (__wasi_fd_t fd = 3; __wasi_fd_prestat_get(fd, &ps) == 0; fd++)
        if (ps.u.dir.pr_name_len == 3 &&
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, 3) == 0 &&
            memcmp(name, "/sb", 3) == 0)
            return fd;
    CHECK(!"no /sb preopen");
    return 0;
}
#endif

#endif
