/* fd_attr.c: descriptor state and metadata: fd_close, fd_renumber,
 * fd_fdstat_*, fd_filestat_*, fd_advise, fd_allocate, fd_sync,
 * fd_datasync, fd_prestat_*. Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

uint32_t wasi__fd_close(wasi_ctx_t *ctx, uint32_t fd)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, 0, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    /* The host keeps its own stdio (for its error messages): the guest's
     * fd only disappears from the guest's view. */
    wasi__fd_release(f);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_renumber(wasi_ctx_t *ctx, uint32_t from, uint32_t to)
{
    wasi_fd_t *f, *t;
    uint32_t rc;
    if ((rc = wasi__fd_get(ctx, from, 0, &f)) != WASI_ESUCCESS ||
        (rc = wasi__fd_get(ctx, to, 0, &t)) != WASI_ESUCCESS)
        return rc;
    if (from == to)
        return WASI_ESUCCESS;
    wasi__fd_release(t);
    *t = *f; /* the entry moves: nothing is closed or duplicated */
    memset(f, 0, sizeof *f);
    f->host_fd = -1;
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_fdstat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t stat_ptr)
{
    wasi_fd_t *f;
    uint8_t *st = wasi__mem_range(mem, stat_ptr, WASI_FDSTAT_SIZE);
    uint32_t rc = wasi__fd_get(ctx, fd, 0, &f);
    uint8_t type;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!st)
        return WASI_EFAULT;
    type = f->filetype;
    /* wasi-libc's isatty() wants a character device without seek rights;
     * that choice makes the guest's stdout line-buffered on a terminal
     * and fully buffered into a pipe or file, as natively. */
    if (f->kind == WASI_FD_STDIO)
        type = isatty(f->host_fd) ? WASI_FILETYPE_CHARACTER_DEVICE
                                  : WASI_FILETYPE_UNKNOWN;
    memset(st, 0, WASI_FDSTAT_SIZE);
    st[0] = type;
    wasi__store_u16(st + 2, f->fdflags);
    wasi__store_u64(st + 8, f->rights);
    wasi__store_u64(st + 16, f->rights_inheriting);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_fdstat_set_flags(wasi_ctx_t *ctx, uint32_t fd,
                                   uint32_t flags)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &f);
    int host;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (flags & ~(WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK |
                  WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_EINVAL;
    if (flags & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_ENOTSUP; /* Linux's F_SETFL cannot change them */
    /* NONBLOCK stays ours: host fds are read without blocking anyway and
     * the flag only chooses EAGAIN over parking the call. APPEND reaches
     * the host for files we opened, never for the host's own stdio. */
    if (f->kind == WASI_FD_FILE) {
        if ((host = fcntl(f->host_fd, F_GETFL)) < 0)
            return wasi__errno_from_host(errno);
        host = (flags & WASI_FDFLAG_APPEND) ? host | O_APPEND
                                            : host & ~O_APPEND;
        if (fcntl(f->host_fd, F_SETFL, host) != 0)
            return wasi__errno_from_host(errno);
    }
    f->fdflags = (uint16_t)flags;
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_fdstat_set_rights(wasi_ctx_t *ctx, uint32_t fd,
                                    uint64_t rights, uint64_t inheriting)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, 0, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    /* rights can only shrink */
    if ((rights & ~f->rights) || (inheriting & ~f->rights_inheriting))
        return WASI_ENOTCAPABLE;
    f->rights = rights;
    f->rights_inheriting = inheriting;
    return WASI_ESUCCESS;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

void wasi__store_filestat(uint8_t *out, const struct stat *st)
{
    memset(out, 0, WASI_FILESTAT_SIZE);
    wasi__store_u64(out + 0, (uint64_t)st->st_dev);
    wasi__store_u64(out + 8, (uint64_t)st->st_ino);
    out[16] = wasi__filetype_of_mode((uint32_t)st->st_mode);
    wasi__store_u64(out + 24, (uint64_t)st->st_nlink);
    wasi__store_u64(out + 32, (uint64_t)st->st_size);
    wasi__store_u64(out + 40, ts_ns(&st->st_atim));
    wasi__store_u64(out + 48, ts_ns(&st->st_mtim));
    wasi__store_u64(out + 56, ts_ns(&st->st_ctim));
}

uint32_t wasi__fd_filestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                               uint32_t fd, uint32_t buf_ptr)
{
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, buf_ptr, WASI_FILESTAT_SIZE);
    struct stat st;
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_GET, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out)
        return WASI_EFAULT;
    if (fstat(f->host_fd, &st) != 0)
        return wasi__errno_from_host(errno);
    wasi__store_filestat(out, &st);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_filestat_set_size(wasi_ctx_t *ctx, uint32_t fd,
                                    uint64_t size)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (size > INT64_MAX)
        return WASI_EINVAL;
    if (ftruncate(f->host_fd, (off_t)size) != 0)
        return wasi__errno_from_host(errno);
    return WASI_ESUCCESS;
}

uint32_t wasi__timespecs(uint64_t atim, uint64_t mtim, uint32_t fst,
                         struct timespec *out)
{
    const uint64_t times[2] = {atim, mtim};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i ? WASI_FST_MTIM : WASI_FST_ATIM;
        uint32_t now = i ? WASI_FST_MTIM_NOW : WASI_FST_ATIM_NOW;
        if ((fst & set) && (fst & now))
            return WASI_EINVAL;
        out[i].tv_sec = (time_t)(times[i] / 1000000000u);
        out[i].tv_nsec = (long)(times[i] % 1000000000u);
        if (fst & now)
            out[i].tv_nsec = UTIME_NOW;
        else if (!(fst & set))
            out[i].tv_nsec = UTIME_OMIT;
    }
    return fst > 15 ? WASI_EINVAL : WASI_ESUCCESS;
}

uint32_t wasi__fd_filestat_set_times(wasi_ctx_t *ctx, uint32_t fd,
                                     uint64_t atim, uint64_t mtim,
                                     uint32_t fst)
{
    wasi_fd_t *f;
    struct timespec ts[2];
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((rc = wasi__timespecs(atim, mtim, fst, ts)) != WASI_ESUCCESS)
        return rc;
    if (futimens(f->host_fd, ts) != 0)
        return wasi__errno_from_host(errno);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_advise(wasi_ctx_t *ctx, uint32_t fd, uint64_t offset,
                         uint64_t len, uint32_t advice)
{
    static const int host_advice[] = {
        POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
        POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_ADVISE, &f);
    int err;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (advice > WASI_ADVICE_MAX || offset > INT64_MAX || len > INT64_MAX)
        return WASI_EINVAL;
    err = posix_fadvise(f->host_fd, (off_t)offset, (off_t)len,
                        host_advice[advice]);
    return err ? wasi__errno_from_host(err) : WASI_ESUCCESS;
}

uint32_t wasi__fd_allocate(wasi_ctx_t *ctx, uint32_t fd, uint64_t offset,
                           uint64_t len)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_ALLOCATE, &f);
    int err;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (len == 0 || offset > INT64_MAX || len > INT64_MAX)
        return WASI_EINVAL;
    if (len > (uint64_t)INT64_MAX - offset)
        return WASI_EFBIG;
    err = posix_fallocate(f->host_fd, (off_t)offset, (off_t)len);
    return err ? wasi__errno_from_host(err) : WASI_ESUCCESS;
}

uint32_t wasi__fd_sync(wasi_ctx_t *ctx, uint32_t fd, bool data_only)
{
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(
        ctx, fd, data_only ? WASI_RIGHT_FD_DATASYNC : WASI_RIGHT_FD_SYNC, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((data_only ? fdatasync(f->host_fd) : fsync(f->host_fd)) != 0)
        return wasi__errno_from_host(errno);
    return WASI_ESUCCESS;
}

static uint32_t get_preopen(wasi_ctx_t *ctx, uint32_t fd, wasi_fd_t **out)
{
    uint32_t rc = wasi__fd_get(ctx, fd, 0, out);
    if (rc == WASI_ESUCCESS && !(*out)->preopen_name)
        rc = WASI_EBADF; /* the spec's answer for "not a preopen" */
    return rc;
}

uint32_t wasi__fd_prestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                              uint32_t fd, uint32_t buf_ptr)
{
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, buf_ptr, WASI_PRESTAT_SIZE);
    uint32_t rc = get_preopen(ctx, fd, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out)
        return WASI_EFAULT;
    memset(out, 0, WASI_PRESTAT_SIZE); /* tag 0: a directory */
    wasi__store_u32(out + 4, (uint32_t)strlen(f->preopen_name));
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_prestat_dir_name(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                   uint32_t fd, uint32_t path_ptr,
                                   uint32_t path_len)
{
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, path_ptr, path_len);
    uint32_t rc = get_preopen(ctx, fd, &f);
    size_t n;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out)
        return WASI_EFAULT;
    n = strlen(f->preopen_name);
    if (path_len < n)
        return WASI_ENAMETOOLONG;
    memcpy(out, f->preopen_name, n); /* no NUL: the length is known */
    return WASI_ESUCCESS;
}
