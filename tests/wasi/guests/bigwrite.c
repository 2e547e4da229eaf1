/* bigwrite.c: writes 1 MiB of a known pattern to stdout, first in one
 * fd_write of the whole buffer, going on after short writes, as POSIX
 * asks of callers. The driver's reader starts late, so the pipe fills
 * and the writes must wait (parked, not in a blocked thread) and then
 * deliver every byte in order. */
#include <wasi/api.h>

#include "check.h"

#define TOTAL (1 << 20)

static unsigned char buf[TOTAL];

int main(void)
{
    size_t done = 0, calls = 0;
    for (size_t i = 0; i < TOTAL; i++)
        buf[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
    while (done < TOTAL) {
        __wasi_ciovec_t iov[2] = {{buf + done, (TOTAL - done) / 2},
                                  {buf + done + (TOTAL - done) / 2,
                                   TOTAL - done - (TOTAL - done) / 2}};
        __wasi_size_t put = 0;
        CHECK(__wasi_fd_write(1, iov, 2, &put) == 0);
        CHECK(put > 0 && put <= TOTAL - done);
        done += put;
        calls++;
    }
    fprintf(stderr, "bigwrite ok: %zu bytes in %zu calls\n", done, calls);
    return 0;
}
