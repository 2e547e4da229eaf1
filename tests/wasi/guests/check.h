/* check.h: the one assertion the WASI test guests share: on a mismatch,
 * print where and exit with status 1 so the driver reports it. */
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

#endif
