/* fd.c: the fd_* functions. For now the guest's only descriptors are 0-2,
 * backed by the host's stdio; files and preopens come with fs/ (issue 3).
 * Interface: wasi/wasi_int.h (bound to imports in wasi/link.c). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* The host fd behind guest fd `fd`, or -1 (EBADF) if the guest has none. */
static int stdio_fd(const wasi_ctx_t *ctx, uint32_t fd)
{
    if (fd >= WASI_STDIO_FDS || ctx->stdio_closed[fd])
        return -1;
    return ctx->stdio_host_fd[fd];
}

/* Check every iovec and the bytes it points at before anything is
 * written, so a bad iovec fails the whole call with no output. */
static uint32_t check_iovecs(const wasi_mem_t *mem, const uint8_t *iovs,
                             uint32_t iovs_len)
{
    for (uint32_t i = 0; i < iovs_len; i++) {
        const uint8_t *iov = iovs + (uint64_t)i * WASI_CIOVEC_SIZE;
        if (!wasi__mem_range(mem, wasi__load_u32(iov), wasi__load_u32(iov + 4)))
            return WASI_EFAULT;
    }
    return WASI_ESUCCESS;
}

/* write(2) all of buf, retrying short writes and EINTR. Returns the bytes
 * written; *out_err is the host errno if that is less than len. */
static uint64_t write_all(int host_fd, const uint8_t *buf, uint64_t len,
                          int *out_err)
{
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = write(host_fd, buf + done, (size_t)(len - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *out_err = n < 0 ? errno : EIO;
            break;
        }
        done += (uint64_t)n;
    }
    return done;
}

uint32_t wasi__fd_write(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len,
                        uint32_t nwritten_ptr)
{
    int host_fd = stdio_fd(ctx, fd);
    uint8_t *out = wasi__mem_range(mem, nwritten_ptr, 4);
    uint8_t *iovs = wasi__mem_range(mem, iovs_ptr,
                                    (uint64_t)iovs_len * WASI_CIOVEC_SIZE);
    uint64_t total = 0;
    int err = 0;
    if (host_fd < 0 || fd == 0) /* stdin has no write right */
        return WASI_EBADF;
    if (!out || !iovs || check_iovecs(mem, iovs, iovs_len) != WASI_ESUCCESS)
        return WASI_EFAULT;
    for (uint32_t i = 0; i < iovs_len && !err; i++) {
        const uint8_t *iov = iovs + (uint64_t)i * WASI_CIOVEC_SIZE;
        uint64_t len = wasi__load_u32(iov + 4);
        /* nwritten is a u32: iovecs may alias, so the sum can exceed it */
        if (len > UINT32_MAX - total)
            len = UINT32_MAX - total;
        uint64_t n = write_all(host_fd, mem->base + wasi__load_u32(iov),
                               len, &err);
        total += n;
    }
    if (err && total == 0)
        return wasi__errno_from_host(err);
    wasi__store_u32(out, (uint32_t)total); /* POSIX: a partial write succeeds */
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_close(wasi_ctx_t *ctx, uint32_t fd)
{
    /* The host keeps its own stdio (for its error messages): the guest's
     * fd only disappears from the guest's view. */
    if (stdio_fd(ctx, fd) < 0)
        return WASI_EBADF;
    ctx->stdio_closed[fd] = true;
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_seek(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       int64_t offset, uint32_t whence,
                       uint32_t newoffset_ptr)
{
    (void)offset;
    if (stdio_fd(ctx, fd) < 0)
        return WASI_EBADF;
    if (whence > WASI_WHENCE_END)
        return WASI_EINVAL;
    if (!wasi__mem_range(mem, newoffset_ptr, 8))
        return WASI_EFAULT;
    return WASI_ESPIPE; /* stdio is a stream, as fd_fdstat_get reports */
}

uint32_t wasi__fd_fdstat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t stat_ptr)
{
    int host_fd = stdio_fd(ctx, fd);
    uint8_t *st = wasi__mem_range(mem, stat_ptr, WASI_FDSTAT_SIZE);
    uint64_t rights = fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
    if (host_fd < 0)
        return WASI_EBADF;
    if (!st)
        return WASI_EFAULT;
    /* wasi-libc's isatty() wants a character device without seek rights;
     * that choice makes the guest's stdout line-buffered on a terminal
     * and fully buffered into a pipe or file, as natively. */
    memset(st, 0, WASI_FDSTAT_SIZE);
    st[0] = isatty(host_fd) ? WASI_FILETYPE_CHARACTER_DEVICE
                            : WASI_FILETYPE_UNKNOWN;
    wasi__store_u16(st + 2, 0); /* fdflags */
    wasi__store_u64(st + 8, rights | WASI_RIGHT_POLL_FD_READWRITE);
    wasi__store_u64(st + 16, 0); /* rights_inheriting: stdio has no children */
    return WASI_ESUCCESS;
}
