/* path.c: the path_* functions. Every path is resolved by fs/ beneath the
 * directory descriptor it is relative to, so no guest path reaches outside
 * its preopens. Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "wasi/wasi_int.h"

/* A resolved path: the directory that holds it and its last name. */
struct target {
    int dir;
    char *name;
};

static void target_free(struct target *t)
{
    close(t->dir);
    free(t->name);
}

/* The directory descriptor fd, if it has `rights`. */
static uint32_t get_dir(wasi_ctx_t *ctx, uint32_t fd, uint64_t rights,
                        wasi_fd_t **out)
{
    uint32_t rc = wasi__fd_get(ctx, fd, rights, out);
    if (rc == WASI_ESUCCESS && (*out)->kind != WASI_FD_DIR)
        rc = WASI_ENOTDIR;
    return rc;
}

/* resolve's own flag, beside fs_parent's: the call looks the object up
 * (stat, utimes, readlink, link's source), so a trailing slash follows a
 * symlink there, as in POSIX. The calls that act on the name itself
 * (unlink, rmdir, rename, mkdir, symlink) take "link/" as the link,
 * which is no directory: ENOTDIR, as unlink(2) and rmdir(2) say. */
#define LOOKS_UP 0x100u

/* The fs_parent flags for a guest's lookupflags. Every call keeps a
 * trailing slash: "file/" must fail with ENOTDIR, as in POSIX. */
static unsigned fs_flags(uint32_t lookup)
{
    return FS_KEEP_SLASH |
           ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? FS_FOLLOW : 0);
}

/* Resolve the guest path [ptr, ptr+len) beneath directory fd (which needs
 * `rights`) with fs_parent `flags` and LOOKS_UP. */
static uint32_t resolve(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint64_t rights, uint32_t ptr, uint32_t len,
                        unsigned flags, struct target *out)
{
    wasi_fd_t *f;
    char *path;
    uint32_t rc = get_dir(ctx, fd, rights, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((rc = wasi__path_copy(mem, ptr, len, &path)) != WASI_ESUCCESS)
        return rc;
    if ((flags & LOOKS_UP) && fs_ends_in_slash(path))
        flags |= FS_FOLLOW;
    rc = wasi__errno_from_fs(fs_parent(f->host_fd, path, flags & ~LOOKS_UP,
                                       &out->dir, &out->name));
    free(path);
    return rc;
}

/* For the calls that must not see a trailing slash (fstatat, utimensat,
 * readlinkat, linkat's source: with one the kernel follows a symlink a
 * race swapped in, even with AT_SYMLINK_NOFOLLOW), drop it from t->name
 * and apply its meaning here: the name must be a directory. */
static uint32_t settle_slash(struct target *t)
{
    size_t n = strlen(t->name);
    struct stat st;
    if (n < 2 || t->name[n - 1] != '/')
        return WASI_ESUCCESS;
    t->name[n - 1] = '\0';
    if (fstatat(t->dir, t->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return wasi__errno_from_host(errno);
    return S_ISDIR(st.st_mode) ? WASI_ESUCCESS : WASI_ENOTDIR;
}

/* resolve for a call that looks the object up, then settle_slash. */
static uint32_t resolve_settled(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                uint32_t fd, uint64_t rights, uint32_t ptr,
                                uint32_t len, unsigned flags,
                                struct target *out)
{
    uint32_t rc = resolve(ctx, mem, fd, rights, ptr, len, flags | LOOKS_UP,
                          out);
    if (rc == WASI_ESUCCESS && (rc = settle_slash(out)) != WASI_ESUCCESS)
        target_free(out);
    return rc;
}

static uint32_t host_result(int r)
{
    return r == 0 ? WASI_ESUCCESS : wasi__errno_from_host(errno);
}

uint32_t wasi__path_create_directory(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                     uint32_t fd, uint32_t path_ptr,
                                     uint32_t path_len)
{
    struct target t;
    uint32_t rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY,
                          path_ptr, path_len, fs_flags(0), &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = host_result(mkdirat(t.dir, t.name, 0777));
    target_free(&t);
    return rc;
}

uint32_t wasi__path_filestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                 uint32_t fd, uint32_t lookup,
                                 uint32_t path_ptr, uint32_t path_len,
                                 uint32_t buf_ptr)
{
    uint8_t *out = wasi__mem_range(mem, buf_ptr, WASI_FILESTAT_SIZE);
    struct target t;
    struct stat st;
    uint32_t rc;
    if (!out)
        return WASI_EFAULT;
    rc = resolve_settled(ctx, mem, fd, WASI_RIGHT_PATH_FILESTAT_GET,
                         path_ptr, path_len, fs_flags(lookup), &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = host_result(fstatat(t.dir, t.name, &st, AT_SYMLINK_NOFOLLOW));
    if (rc == WASI_ESUCCESS)
        wasi__store_filestat(out, &st);
    target_free(&t);
    return rc;
}

uint32_t wasi__path_filestat_set_times(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                       uint32_t fd, uint32_t lookup,
                                       uint32_t path_ptr, uint32_t path_len,
                                       uint64_t atim, uint64_t mtim,
                                       uint32_t fst)
{
    struct timespec ts[2];
    struct target t;
    uint32_t rc = wasi__timespecs(atim, mtim, fst, ts);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve_settled(ctx, mem, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES,
                         path_ptr, path_len, fs_flags(lookup), &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = host_result(utimensat(t.dir, t.name, ts, AT_SYMLINK_NOFOLLOW));
    target_free(&t);
    return rc;
}

uint32_t wasi__path_link(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                         uint32_t old_fd, uint32_t old_lookup,
                         uint32_t old_ptr, uint32_t old_len, uint32_t new_fd,
                         uint32_t new_ptr, uint32_t new_len)
{
    struct target from, to;
    uint32_t rc = resolve_settled(ctx, mem, old_fd,
                                  WASI_RIGHT_PATH_LINK_SOURCE, old_ptr,
                                  old_len, fs_flags(old_lookup), &from);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve(ctx, mem, new_fd, WASI_RIGHT_PATH_LINK_TARGET, new_ptr,
                 new_len, fs_flags(0), &to);
    if (rc == WASI_ESUCCESS) {
        /* flags 0: linkat never follows from.name, a symlink swapped in
         * meanwhile is linked itself */
        rc = host_result(linkat(from.dir, from.name, to.dir, to.name, 0));
        target_free(&to);
    }
    target_free(&from);
    return rc;
}

uint32_t wasi__path_readlink(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t path_ptr,
                             uint32_t path_len, uint32_t buf_ptr,
                             uint32_t buf_len, uint32_t bufused_ptr)
{
    uint8_t *buf = wasi__mem_range(mem, buf_ptr, buf_len);
    uint8_t *used = wasi__mem_range(mem, bufused_ptr, 4);
    char link[WASI_MAX_PATH_BYTES];
    struct target t;
    ssize_t n;
    uint32_t rc;
    if (!buf || !used)
        return WASI_EFAULT;
    rc = resolve_settled(ctx, mem, fd, WASI_RIGHT_PATH_READLINK, path_ptr,
                         path_len, fs_flags(0), &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    n = readlinkat(t.dir, t.name, link, sizeof link);
    rc = n < 0 ? wasi__errno_from_host(errno) : WASI_ESUCCESS;
    target_free(&t);
    if (rc != WASI_ESUCCESS)
        return rc;
    /* An absolute target is a host path (the guest's own symlinks cannot
     * hold one, see path_symlink): never hand it over. EPERM is what
     * wasmtime says (cap-std's read_link refuses it as an escape
     * attempt, PermissionDenied). */
    if (n > 0 && link[0] == '/')
        return WASI_EPERM;
    if ((uint64_t)n > buf_len) /* truncated, as readlink(2) does */
        n = (ssize_t)buf_len;
    memcpy(buf, link, (size_t)n);
    wasi__store_u32(used, (uint32_t)n);
    return WASI_ESUCCESS;
}

/* unlinkat in the resolved directory: files, or directories (rmdir). */
static uint32_t remove_path(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                            uint32_t fd, uint64_t right, uint32_t path_ptr,
                            uint32_t path_len, int flags)
{
    struct target t;
    uint32_t rc = resolve(ctx, mem, fd, right, path_ptr, path_len,
                          fs_flags(0), &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = host_result(unlinkat(t.dir, t.name, flags));
    target_free(&t);
    return rc;
}

uint32_t wasi__path_remove_directory(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                     uint32_t fd, uint32_t path_ptr,
                                     uint32_t path_len)
{
    return remove_path(ctx, mem, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY,
                       path_ptr, path_len, AT_REMOVEDIR);
}

uint32_t wasi__path_unlink_file(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                uint32_t fd, uint32_t path_ptr,
                                uint32_t path_len)
{
    return remove_path(ctx, mem, fd, WASI_RIGHT_PATH_UNLINK_FILE, path_ptr,
                       path_len, 0);
}

uint32_t wasi__path_rename(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t old_fd, uint32_t old_ptr,
                           uint32_t old_len, uint32_t new_fd,
                           uint32_t new_ptr, uint32_t new_len)
{
    struct target from, to;
    uint32_t rc = resolve(ctx, mem, old_fd, WASI_RIGHT_PATH_RENAME_SOURCE,
                          old_ptr, old_len, fs_flags(0), &from);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve(ctx, mem, new_fd, WASI_RIGHT_PATH_RENAME_TARGET, new_ptr,
                 new_len, fs_flags(0), &to);
    if (rc == WASI_ESUCCESS) {
        rc = host_result(renameat(from.dir, from.name, to.dir, to.name));
        target_free(&to);
    }
    target_free(&from);
    return rc;
}

uint32_t wasi__path_symlink(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                            uint32_t old_ptr, uint32_t old_len, uint32_t fd,
                            uint32_t new_ptr, uint32_t new_len)
{
    struct target t;
    char *contents;
    /* The link's text is stored as given: resolution refuses to follow
     * one that leads outside (too many ".."), wherever it was made. An
     * absolute one is refused outright, though it could never be
     * followed either: it would point other programs on the host at a
     * path the guest chose, and path_readlink could not give it back.
     * EPERM, as wasmtime (cap-std's symlink calls it an escape attempt,
     * PermissionDenied); a path that leaves the sandbox gets
     * ENOTCAPABLE here (see docs/wasi.md). */
    uint32_t rc = wasi__path_copy(mem, old_ptr, old_len, &contents);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (contents[0] == '/') {
        free(contents);
        return WASI_EPERM;
    }
    rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_SYMLINK, new_ptr, new_len,
                 fs_flags(0), &t);
    if (rc == WASI_ESUCCESS) {
        /* "name/" is never a symlink: ENOENT when missing, as the kernel
         * says, but ENOTDIR rather than its EEXIST when name is a file,
         * which is what the WASI testsuite lists for Unix */
        if ((rc = settle_slash(&t)) == WASI_ESUCCESS)
            rc = host_result(symlinkat(contents, t.dir, t.name));
        target_free(&t);
    }
    free(contents);
    return rc;
}
