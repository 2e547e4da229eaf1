/* The functions of posix.h and pwd.h, and the two wasi-libc declares but
 * leaves out; see there. (setjmp.h: sjlj.c.) */
#define REAL_SHIM_IMPL
#include "posix.h"
#undef fcntl /* the real one (build.sh may have force-included posix.h first) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Declared by wasi-libc's headers but not defined: there are no processes
 * and no temporary directory. Both fail as their C standard allows. */
#include <errno.h>

FILE *tmpfile(void)
{
    errno = ENOTSUP;
    return NULL;
}

int system(const char *command)
{
    return command == NULL ? 0 : -1; /* 0: no command processor */
}

int chmod(const char *path, mode_t mode)
{
    (void)path, (void)mode;
    return 0;
}

int fchmod(int fd, mode_t mode)
{
    (void)fd, (void)mode;
    return 0;
}

int fchown(int fd, uid_t owner, gid_t group)
{
    (void)fd, (void)owner, (void)group;
    return 0;
}

uid_t geteuid(void)
{
    return 0;
}

uid_t getuid(void)
{
    return 0;
}

int real_shim_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r;
    if (cmd == F_SETLK || cmd == F_SETLKW) {
        r = 0;
    } else if (cmd == F_GETLK) {
        struct flock *lk = va_arg(ap, struct flock *);
        lk->l_type = F_UNLCK;
        r = 0;
    } else if (cmd == F_SETFD || cmd == F_SETFL) {
        r = fcntl(fd, cmd, va_arg(ap, int));
    } else {
        r = fcntl(fd, cmd);
    }
    va_end(ap);
    return r;
}

#include "pwd.h"

struct passwd *getpwuid(uid_t uid)
{
    (void)uid;
    return NULL;
}

struct passwd *getpwnam(const char *name)
{
    (void)name;
    return NULL;
}
