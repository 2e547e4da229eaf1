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

uint32_t wasi__random_get(const wasi_mem_t *mem, uint32_t buf_ptr,
                          uint32_t buf_len)
{
    uint8_t *buf = wasi__mem_range(mem, buf_ptr, buf_len);
    if (!buf)
        return WASI_EFAULT;
    for (uint64_t done = 0; done < buf_len; done += ENTROPY_CHUNK) {
        uint64_t n = buf_len - done;
        if (n > ENTROPY_CHUNK)
            n = ENTROPY_CHUNK;
        if (getentropy(buf + done, (size_t)n) != 0)
            return fill_from_urandom(buf + done, buf_len - done) ? WASI_ESUCCESS
                                                                 : WASI_EIO;
    }
    return WASI_ESUCCESS;
}
