/* random.c: random_get, filled from the host's CSPRNG (getentropy, with
 * /dev/urandom as the fallback). Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* getentropy() fills at most 256 bytes per call. */
#define ENTROPY_CHUNK 256

static bool fill_from_urandom(uint8_t *buf, uint64_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    uint64_t done = 0;
    if (fd < 0)
        return false;
    while (done < len) {
        size_t want = len - done > (1u << 20) ? (1u << 20) : (size_t)(len - done);
        ssize_t n = read(fd, buf + done, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (uint64_t)n;
    }
    close(fd);
    return done == len;
}

/* A long request is filled RANDOM_PIECE bytes at a time (about half a
 * millisecond of getentropy calls); between pieces the call blocks until
 * a deadline already past, so the process goes behind the others, and the
 * re-invoked call goes on from ctx->random_done: a guest asking for a
 * GiB does not hold its thread for seconds. */
#define RANDOM_PIECE (256u * 1024)

static uint32_t fill(uint8_t *buf, uint64_t len)
{
    for (uint64_t done = 0; done < len; done += ENTROPY_CHUNK) {
        uint64_t n = len - done;
        if (n > ENTROPY_CHUNK)
            n = ENTROPY_CHUNK;
        if (getentropy(buf + done, (size_t)n) != 0)
            return fill_from_urandom(buf + done, len - done) ? WASI_ESUCCESS
                                                             : WASI_EIO;
    }
    return WASI_ESUCCESS;
}

uint32_t wasi__random_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                          uint32_t buf_ptr, uint32_t buf_len)
{
    uint8_t *buf = wasi__mem_range(mem, buf_ptr, buf_len);
    uint64_t done = ctx->blocked ? ctx->random_done : 0;
    if (!buf)
        return WASI_EFAULT;
    if (done > buf_len)
        done = 0;
    uint64_t n = buf_len - done < RANDOM_PIECE ? buf_len - done : RANDOM_PIECE;
    uint32_t rc = fill(buf + done, n);
    done += n;
    ctx->random_done = 0;
    if (rc != WASI_ESUCCESS || done == buf_len)
        return rc;
    ctx->random_done = done;
    wasi__wait_reset(ctx);
    wasi__wait_deadline(ctx, wasi_monotonic_ns());
    return WASI__BLOCK;
}
