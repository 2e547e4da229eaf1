/* echo.c: the echo server of the networking tests: one process per
 * connection, each echoing bytes until EOF. Usage: echo.wasm PORT */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/lunatic.h"

static void echo(int64_t arg)
{
    static char buf[16384];
    int64_t s = lun_recv_tcp(1, 5000);
    (void)arg;
    if (s < 0)
        return;
    for (;;) {
        int64_t n = lun_tcp_read((uint64_t)s, buf, sizeof buf);
        if (n <= 0 || lun_tcp_write_all((uint64_t)s, buf, (size_t)n) < 0)
            break;
    }
    lun_tcp_close((uint64_t)s);
}

int main(int argc, char **argv)
{
    static const uint8_t ip[4] = {127, 0, 0, 1};
    int64_t l = lun_tcp_listen(ip, (uint16_t)(argc > 1 ? atoi(argv[1]) : 7000));
    if (l < 0)
        return 1;
    printf("echo: ready\n");
    fflush(stdout);
    for (;;) {
        int64_t s = lun_tcp_accept((uint64_t)l);
        if (s < 0)
            continue;
        uint64_t pid = lun_spawn(echo, 0);
        if (pid)
            lun_send_tcp(pid, 1, (uint64_t)s);
        else
            lun_tcp_close((uint64_t)s);
    }
}
