/* fs.h: capability-based path resolution. Every path is resolved beneath a
 * directory fd (a preopen): `..` above it, absolute paths and symlinks that
 * lead out of it fail with FS_ENOTCAPABLE, whatever races happen meanwhile.
 *
 *     fs_open(preopen_fd, "a/b.txt", O_RDONLY, 0, FS_FOLLOW, &fd);
 *     fs_parent(preopen_fd, "a/new", 0, &dirfd, &name);  // then mkdirat..
 *
 * Two resolvers: openat2(RESOLVE_BENEATH) where the kernel has it, and a
 * component-by-component walk with O_NOFOLLOW otherwise (or when forced:
 * fs_set_resolver, or LUN_FS_RESOLVER=walk in the environment). */
#ifndef LUN_FS_H
#define LUN_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"

/* A path left its directory: `..` too far, absolute, or a symlink out. */
#define FS_ENOTCAPABLE (-900)

/* Symlinks followed in one resolution before it fails with ELOOP. */
#define FS_MAX_SYMLINKS 40

/* Flags of fs_open and fs_parent. */
#define FS_FOLLOW 1u /* follow a symlink in the last component */
/* fs_parent only: when the path ends in '/', so does *out_name ("name/"),
 * and the *at() call applies POSIX's rule that the name must be a
 * directory (ENOTDIR for "file/", and for "link/": as unlink(2) and
 * rmdir(2) do, the slash alone does not follow a symlink then; add
 * FS_FOLLOW for that). Pass the slashed name only to calls that never
 * follow the last component (unlinkat, mkdirat, renameat, symlinkat,
 * linkat's new path): a slash makes fstatat and utimensat follow a
 * symlink a race swapped in, even with AT_SYMLINK_NOFOLLOW. */
#define FS_KEEP_SLASH 2u

typedef enum fs_resolver {
    FS_RESOLVER_AUTO = 0, /* openat2 if the kernel has it, else the walk */
    FS_RESOLVER_OPENAT2,  /* openat2 (falls back to the walk on ENOSYS) */
    FS_RESOLVER_WALK      /* the portable component-by-component walk */
} fs_resolver;

/* Choose the resolver for the whole process (tests use it to cover both).
 * Until it is called, LUN_FS_RESOLVER=walk|openat2 in the environment
 * decides, then FS_RESOLVER_AUTO. */
void fs_set_resolver(fs_resolver r);
/* The resolver fs_open and fs_parent use now (never FS_RESOLVER_AUTO). */
fs_resolver fs_resolver_in_use(void);

/* Open a host directory to serve as a preopen. Returns 0 or
 * LUN_ERR_ERRNO(e); *out_fd is the new descriptor (close-on-exec). */
int fs_open_root(const char *host_path, int *out_fd);

/* Open `path` beneath dirfd with open(2) flags `oflags` (O_CLOEXEC and
 * O_NOFOLLOW are managed here) and `mode` when creating. With FS_FOLLOW a
 * symlink in the last component is followed, if it stays beneath dirfd;
 * without it a symlink there gives ELOOP. A trailing '/' demands a
 * directory, as open(2) does: ENOTDIR for a file (or a symlink to one),
 * EISDIR with O_CREAT. Returns 0, FS_ENOTCAPABLE,
 * LUN_ERR_ERRNO(ELOOP) after FS_MAX_SYMLINKS links, or another
 * LUN_ERR_ERRNO(e). */
int fs_open(int dirfd, const char *path, int oflags, uint32_t mode,
            unsigned flags, int *out_fd);

/* Resolve all but the last component of `path` beneath dirfd, for the
 * *at() calls that act on a name in a directory (mkdirat, unlinkat...).
 * *out_dirfd is a new descriptor of that directory and *out_name a
 * malloc'd single component (no '/' unless FS_KEEP_SLASH, never "..";
 * "." when the path names the directory itself). With FS_FOLLOW, or
 * when the path ends in '/' (without FS_KEEP_SLASH), a symlink in the
 * last component is followed first, so *out_name does not name one
 * (callers still pass AT_SYMLINK_NOFOLLOW: a racing swap must not be
 * followed). Errors as fs_open. The caller closes *out_dirfd and frees
 * *out_name. */
int fs_parent(int dirfd, const char *path, unsigned flags, int *out_dirfd,
              char **out_name);

/* Whether path ends in '/' (it then names a directory, following a
 * symlink there, in POSIX's path resolution). */
bool fs_ends_in_slash(const char *path);

/* Open the directory `path` beneath dirfd (symlinks followed only while
 * they stay beneath it) as a new preopen: a subdirectory handed on keeps
 * naming what was checked, whatever is renamed or swapped later. Errors
 * as fs_open (ENOTDIR for a file). */
int fs_open_subdir(int dirfd, const char *path, int *out_fd);

/* The host path of the directory fd refers to, symlinks resolved, into
 * buf (NUL-terminated): for messages and for checks by path. Returns 0,
 * LUN_ERR_ERRNO(ENAMETOOLONG), or LUN_ERR_ERRNO(ENOSYS) where the system
 * cannot say (then use the path that was opened). */
int fs_fd_path(int fd, char *buf, size_t len);

#endif
