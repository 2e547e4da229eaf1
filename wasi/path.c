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

/* Resolve the guest path [ptr, ptr+len) beneath directory fd (which needs
 * `rights`); with `follow` a symlink in the last component is followed. */
static uint32_t resolve(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint64_t rights, uint32_t ptr, uint32_t len,
                        bool follow, struct target *out)
{
    wasi_fd_t *f;
    char *path;
    uint32_t rc = get_dir(ctx, fd, rights, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((rc = wasi__path_copy(mem, ptr, len, &path)) != WASI_ESUCCESS)
        return rc;
    rc = wasi__errno_from_fs(fs_parent(f->host_fd, path,
                                       follow ? FS_FOLLOW : 0, &out->dir,
                                       &out->name));
    free(path);
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
                          path_ptr, path_len, false, &t);
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
    rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_FILESTAT_GET, path_ptr,
                 path_len, lookup & WASI_LOOKUP_SYMLINK_FOLLOW, &t);
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
    rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path_ptr,
                 path_len, lookup & WASI_LOOKUP_SYMLINK_FOLLOW, &t);
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
    uint32_t rc = resolve(ctx, mem, old_fd, WASI_RIGHT_PATH_LINK_SOURCE,
                          old_ptr, old_len,
                          old_lookup & WASI_LOOKUP_SYMLINK_FOLLOW, &from);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve(ctx, mem, new_fd, WASI_RIGHT_PATH_LINK_TARGET, new_ptr,
                 new_len, false, &to);
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
    rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_READLINK, path_ptr, path_len,
                 false, &t);
    if (rc != WASI_ESUCCESS)
        return rc;
    n = readlinkat(t.dir, t.name, link, sizeof link);
    rc = n < 0 ? wasi__errno_from_host(errno) : WASI_ESUCCESS;
    target_free(&t);
    if (rc != WASI_ESUCCESS)
        return rc;
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
    uint32_t rc = resolve(ctx, mem, fd, right, path_ptr, path_len, false, &t);
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
                          old_ptr, old_len, false, &from);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve(ctx, mem, new_fd, WASI_RIGHT_PATH_RENAME_TARGET, new_ptr,
                 new_len, false, &to);
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
    /* The link's text is stored as given: it is data, and resolution
     * refuses to follow one that leads outside (absolute or too many
     * ".."), wherever it was made. */
    uint32_t rc = wasi__path_copy(mem, old_ptr, old_len, &contents);
    if (rc != WASI_ESUCCESS)
        return rc;
    rc = resolve(ctx, mem, fd, WASI_RIGHT_PATH_SYMLINK, new_ptr, new_len,
                 false, &t);
    if (rc == WASI_ESUCCESS) {
        rc = host_result(symlinkat(contents, t.dir, t.name));
        target_free(&t);
    }
    free(contents);
    return rc;
}
