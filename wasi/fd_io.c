/* fd_io.c: the data path of descriptors: fd_read, fd_write, fd_pread,
 * fd_pwrite, fd_seek, fd_tell. Reads from and writes to streams never
 * block a thread: they return WASI__BLOCK (see wasi.h). Interface:
 * wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define MAX_IOVS WASI_MAX_IOVS
#define gather wasi__gather_iovecs

/* One call moves at most WASI_IO_MAX bytes (the rest of the iovecs is
 * left out: a short read or write, which callers loop on), so that a
 * process reading or writing a huge buffer holds its thread no longer
 * than that takes (a millisecond or so). */
#define WASI_IO_MAX (1u << 20)

uint32_t wasi__gather_iovecs(const wasi_mem_t *mem, uint32_t iovs_ptr,
                       uint32_t iovs_len, struct iovec *out, int *out_n)
{
    const uint8_t *iovs = wasi__mem_range(
        mem, iovs_ptr, (uint64_t)iovs_len * WASI_CIOVEC_SIZE);
    uint64_t total = 0;
    int n = 0;
    if (!iovs)
        return WASI_EFAULT;
    for (uint32_t i = 0; i < iovs_len; i++) {
        const uint8_t *iov = iovs + (uint64_t)i * WASI_CIOVEC_SIZE;
        uint64_t len = wasi__load_u32(iov + 4);
        uint8_t *buf = wasi__mem_range(mem, wasi__load_u32(iov), len);
        if (!buf)
            return WASI_EFAULT;
        if (len > WASI_IO_MAX - total)
            len = WASI_IO_MAX - total;
        if (n < MAX_IOVS && len > 0) {
            out[n++] = (struct iovec){buf, (size_t)len};
            total += len;
        }
    }
    *out_n = n;
    return WASI_ESUCCESS;
}

/* Streams (stdio, pipes, sockets, devices) can block; files and
 * directories cannot, in the poll(2) sense. */
static bool is_stream(const wasi_fd_t *f)
{
    return f->kind == WASI_FD_STDIO || f->kind == WASI_FD_SOCKET ||
           (f->filetype != WASI_FILETYPE_REGULAR_FILE &&
            f->filetype != WASI_FILETYPE_DIRECTORY);
}

static bool ready_now(int host_fd, short events)
{
    struct pollfd p = {.fd = host_fd, .events = events};
    return poll(&p, 1, 0) != 0; /* an error says ready: the I/O reports it */
}

/* The fd for reading or writing: POSIX says EBADF, not ENOTCAPABLE, when
 * it was not opened for that (wasmtime agrees). */
static uint32_t get_rw(wasi_ctx_t *ctx, uint32_t fd, uint64_t right,
                       wasi_fd_t **out)
{
    uint32_t rc = wasi__fd_get(ctx, fd, right, out);
    return rc == WASI_ENOTCAPABLE ? WASI_EBADF : rc;
}

/* Would-block handling shared by reads and writes: EAGAIN to a guest that
 * set NONBLOCK, otherwise park the call until the fd is ready. */
static uint32_t would_block(wasi_ctx_t *ctx, const wasi_fd_t *f,
                            uint32_t events)
{
    if (f->fdflags & WASI_FDFLAG_NONBLOCK)
        return WASI_EAGAIN;
    return wasi__block_on_fd(ctx, f->host_fd, events);
}

uint32_t wasi__fd_read(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       uint32_t iovs_ptr, uint32_t iovs_len,
                       uint32_t nread_ptr)
{
    struct iovec iov[MAX_IOVS];
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, nread_ptr, 4);
    int n = 0;
    ssize_t got;
    uint32_t rc = get_rw(ctx, fd, WASI_RIGHT_FD_READ, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out || gather(mem, iovs_ptr, iovs_len, iov, &n) != WASI_ESUCCESS)
        return WASI_EFAULT;
    /* Test readiness first rather than set O_NONBLOCK on the host's own
     * stdin, which it shares with other processes. */
    if (is_stream(f) && n > 0 && !ready_now(f->host_fd, POLLIN))
        return would_block(ctx, f, WASI_WAIT_READ);
    do
        got = n ? readv(f->host_fd, iov, n) : 0;
    while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return would_block(ctx, f, WASI_WAIT_READ);
    if (got < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u32(out, (uint32_t)got);
    return WASI_ESUCCESS;
}

/* Cut the iovecs after `max` bytes. */
static int truncate_iovecs(struct iovec *iov, int n, size_t max)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].iov_len >= max - total) {
            iov[i].iov_len = max - total;
            return i + 1;
        }
        total += iov[i].iov_len;
    }
    return n;
}

/* Make a write to a stream unable to block a thread. Our sockets are
 * O_NONBLOCK and say EAGAIN themselves. Other streams (the host's stdio,
 * a pipe, a terminal) are blocking, and setting O_NONBLOCK on them would
 * change a file description the host shares with other processes: so
 * test readiness first (WASI__BLOCK when not writable), then write no
 * more than POLLOUT promises fits (PIPE_BUF for a pipe), which can be
 * short, as POSIX allows. A regular file redirected to stdio never
 * blocks in the poll(2) sense and is written whole. */
static uint32_t stream_write_room(const wasi_fd_t *f, struct iovec *iov,
                                  int *n)
{
    struct stat st;
    if (f->kind == WASI_FD_SOCKET)
        return WASI_ESUCCESS;
    if (fstat(f->host_fd, &st) != 0)
        return wasi__errno_from_host(errno);
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
        return WASI_ESUCCESS;
    if (!ready_now(f->host_fd, POLLOUT))
        return WASI__BLOCK;
    *n = truncate_iovecs(iov, *n, PIPE_BUF);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_write(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len,
                        uint32_t nwritten_ptr)
{
    struct iovec iov[MAX_IOVS];
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, nwritten_ptr, 4);
    int n = 0;
    ssize_t put;
    uint32_t rc = get_rw(ctx, fd, WASI_RIGHT_FD_WRITE, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out || gather(mem, iovs_ptr, iovs_len, iov, &n) != WASI_ESUCCESS)
        return WASI_EFAULT;
    if (is_stream(f) && n > 0 && (rc = stream_write_room(f, iov, &n)) != 0)
        return rc == WASI__BLOCK ? would_block(ctx, f, WASI_WAIT_WRITE) : rc;
    do
        put = n ? writev(f->host_fd, iov, n) : 0;
    while (put < 0 && errno == EINTR);
    if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return would_block(ctx, f, WASI_WAIT_WRITE);
    if (put < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u32(out, (uint32_t)put);
    return WASI_ESUCCESS;
}

/* pread/pwrite need a seekable file: stdio is a stream (ESPIPE). */
static uint32_t get_positioned(wasi_ctx_t *ctx, uint32_t fd, uint64_t right,
                               uint64_t offset, wasi_fd_t **out)
{
    uint32_t rc = get_rw(ctx, fd, right, out);
    if (rc != WASI_ESUCCESS)
        return rc;
    if ((*out)->kind == WASI_FD_STDIO || is_stream(*out))
        return WASI_ESPIPE;
    if (!((*out)->rights & WASI_RIGHT_FD_SEEK))
        return WASI_ENOTCAPABLE;
    return offset > INT64_MAX ? WASI_EINVAL : WASI_ESUCCESS;
}

/* fd_pread and fd_pwrite: scatter/gather at an offset, which the fd's
 * own position does not follow. */
static uint32_t positioned_io(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                              uint32_t fd, uint32_t iovs_ptr,
                              uint32_t iovs_len, uint64_t offset,
                              uint32_t count_ptr, bool write)
{
    struct iovec iov[MAX_IOVS];
    wasi_fd_t *f;
    uint8_t *out = wasi__mem_range(mem, count_ptr, 4);
    int n = 0;
    ssize_t done;
    uint64_t right = write ? WASI_RIGHT_FD_WRITE : WASI_RIGHT_FD_READ;
    uint32_t rc = get_positioned(ctx, fd, right, offset, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!out || gather(mem, iovs_ptr, iovs_len, iov, &n) != WASI_ESUCCESS)
        return WASI_EFAULT;
    do
        done = n == 0 ? 0
               : write ? pwritev(f->host_fd, iov, n, (off_t)offset)
                       : preadv(f->host_fd, iov, n, (off_t)offset);
    while (done < 0 && errno == EINTR);
    if (done < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u32(out, (uint32_t)done);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_pread(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len, uint64_t offset,
                        uint32_t nread_ptr)
{
    return positioned_io(ctx, mem, fd, iovs_ptr, iovs_len, offset, nread_ptr,
                         false);
}

uint32_t wasi__fd_pwrite(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint64_t offset, uint32_t nwritten_ptr)
{
    return positioned_io(ctx, mem, fd, iovs_ptr, iovs_len, offset,
                         nwritten_ptr, true);
}

uint32_t wasi__fd_seek(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       int64_t offset, uint32_t whence,
                       uint32_t newoffset_ptr)
{
    static const int host_whence[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    /* a zero move from the current offset is a tell, which needs less */
    uint64_t right = offset == 0 && whence == WASI_WHENCE_CUR
                         ? WASI_RIGHT_FD_TELL
                         : WASI_RIGHT_FD_SEEK;
    uint8_t *out;
    wasi_fd_t *f;
    off_t pos;
    uint32_t rc = wasi__fd_get(ctx, fd, 0, &f);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (whence > WASI_WHENCE_END)
        return WASI_EINVAL;
    if (!(out = wasi__mem_range(mem, newoffset_ptr, 8)))
        return WASI_EFAULT;
    if (is_stream(f))
        return WASI_ESPIPE; /* as fd_fdstat_get reports: no seek rights */
    if (!(f->rights & right))
        return WASI_ENOTCAPABLE;
    if ((pos = lseek(f->host_fd, (off_t)offset, host_whence[whence])) < 0)
        return wasi__errno_from_host(errno);
    wasi__store_u64(out, (uint64_t)pos);
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_tell(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       uint32_t offset_ptr)
{
    return wasi__fd_seek(ctx, mem, fd, 0, WASI_WHENCE_CUR, offset_ptr);
}
