/* echo.c: the echo server of the networking tests: one process per
 * connection, each echoing bytes until EOF. Usage: echo.wasm PORT
 *
 * Clean shutdown, so that the ASan run checks the runtime for leaks at
 * exit (a SIGTERM'd server is never checked): a connection whose first
 * read is exactly SHUTDOWN_REQ gets "bye\n" and makes its process send
 * STOP_TAG to the acceptor (the root process, whose pid is the spawn
 * argument). The acceptor looks at its mailbox after every accept, so
 * the client then connects once more; the acceptor drops the listener
 * and returns, and the runtime ends the run and frees everything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#define SHUTDOWN_REQ "\0lunatic-test: shutdown\n"
#define STOP_TAG 77

static int is_shutdown(const char *b, int64_t n)
{
    return n == (int64_t)sizeof SHUTDOWN_REQ - 1 &&
           memcmp(b, SHUTDOWN_REQ, sizeof SHUTDOWN_REQ - 1) == 0;
}

static void echo(int64_t root)
{
    static char buf[16384];
    int64_t s = lun_recv_tcp(1, 5000);
    int first = 1;
    if (s < 0)
        return;
    for (;;) {
        int64_t n = lun_tcp_read((uint64_t)s, buf, sizeof buf);
        if (n > 0 && first && is_shutdown(buf, n)) {
            lun_send((uint64_t)root, STOP_TAG, NULL, 0);
            lun_tcp_write_all((uint64_t)s, "bye\n", 4);
            break;
        }
        first = 0;
        if (n <= 0 || lun_tcp_write_all((uint64_t)s, buf, (size_t)n) < 0)
            break;
    }
    lun_tcp_close((uint64_t)s);
}

static int stop_requested(void)
{
    static const int64_t tag = STOP_TAG;
    return lun_recv(&tag, 1, 0, NULL, 0, NULL) == LUN_MSG_DATA;
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
        if (stop_requested()) {
            if (s >= 0)
                lun_tcp_close((uint64_t)s);
            break;
        }
        if (s < 0)
            continue;
        uint64_t pid = lun_spawn(echo, (int64_t)lun_self());
        if (pid)
            lun_send_tcp(pid, 1, (uint64_t)s);
        else
            lun_tcp_close((uint64_t)s);
    }
    lunatic_networking_drop_tcp_listener(l);
    printf("echo: stopped\n");
    return 0;
}
