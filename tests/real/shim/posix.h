/* posix.h: force-included (-include) into the wasm32-wasi builds of the
 * corpus. wasi-libc leaves out what WASI cannot do: owners and modes of
 * files, user ids, advisory record locks. These few declarations let the
 * upstream sources compile unpatched; the definitions are in shim.c. Each
 * one behaves as on a single-user, single-process system:
 *   chmod, fchmod, fchown  succeed and do nothing (WASI files have no
 *                    modes or owners)
 *   geteuid, getuid  0
 *   fcntl F_SETLK/F_SETLKW  succeed (the guest is the only process)
 *   fcntl F_GETLK    reports the range unlocked
 * Other fcntl commands go to wasi-libc's fcntl (whose fcntl.h has
 * struct flock but not the commands). */
#ifndef REAL_SHIM_POSIX_H
#define REAL_SHIM_POSIX_H

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif

int chmod(const char *path, mode_t mode);
int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t owner, gid_t group);
uid_t geteuid(void);
uid_t getuid(void);
int real_shim_fcntl(int fd, int cmd, ...);
#ifndef REAL_SHIM_IMPL
#define fcntl real_shim_fcntl
#endif

#endif
