/* wasi_accept.c: WASI sock_accept at the descriptor limit. A second
 * process opens files in the preopened directory until the host says
 * EMFILE (ulimit -n is small: run.sh), holds them for FILL_MS, then ends,
 * which closes them. Meanwhile the root answers each connection on the
 * --listen socket with "ok\n", retrying sock_accept on any error as a
 * server does: at the limit the runtime must pause that accept (not spin,
 * run.sh measures the CPU) and resume it once the files are closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#include "sdk/lunatic.h"
#include "tests/sched/check.h"

#define FILL_MS 4000

static void filler(int64_t dirfd)
{
    unsigned n = 0;
    for (;; n++) {
        char name[32];
        __wasi_fd_t fd;
        snprintf(name, sizeof name, "f%u", n);
        __wasi_errno_t e = __wasi_path_open(
            (__wasi_fd_t)dirfd, 0, name, __WASI_OFLAGS_CREAT,
            __WASI_RIGHTS_FD_READ, 0, 0, &fd);
        if (e == __WASI_ERRNO_NFILE || e == __WASI_ERRNO_MFILE)
            break;
        CHECK(e == 0);
    }
    printf("filler: holding %u files\n", n);
    fflush(stdout);
    lunatic_process_sleep_ms(FILL_MS);
    printf("filler: done\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    /* fd 3: the --dir, fd 4: the --listen socket */
    (void)argc, (void)argv;
    CHECK(lun_spawn(filler, 3) != 0);
    lunatic_process_sleep_ms(200); /* the files are open */
    for (unsigned served = 0; served < 3;) {
        __wasi_fd_t c;
        __wasi_errno_t e = __wasi_sock_accept(4, 0, &c);
        if (e != 0)
            continue; /* what a server does; this spun before the pause */
        __wasi_ciovec_t iov = {(const uint8_t *)"ok\n", 3};
        __wasi_size_t put;
        CHECK(__wasi_sock_send(c, &iov, 1, 0, &put) == 0 && put == 3);
        CHECK(__wasi_fd_close(c) == 0);
        served++;
    }
    printf("wasi_accept ok\n");
    return 0;
}
