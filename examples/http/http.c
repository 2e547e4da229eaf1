/* http.c: an HTTP/1.1 "hello" server with keep-alive, one process per
 * connection (the acceptor hands each stream over in a message).
 * Usage: lunatic http.wasm [PORT]   (default 8080, on 127.0.0.1) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#define STREAM_TAG 1
#define BUF 8192

static const char reply[] = "HTTP/1.1 200 OK\r\n"
                            "Content-Type: text/plain\r\n"
                            "Content-Length: 13\r\n"
                            "\r\n"
                            "Hello, world!";

/* The end of the first header block in buf[0, n), or NULL. */
static char *header_end(char *buf, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (buf[i] == '\r' && memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

/* Case-insensitive search for "Connection: close" in one header block. */
static int wants_close(const char *h, size_t n)
{
    static const char key[] = "connection: close";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && (h[i + j] | 0x20) == (key[j] | 0x20))
            j++;
        if (j == k)
            return 1;
    }
    return 0;
}

/* One connection: answer every complete request in the buffer
 * (pipelining works too) until the client closes or asks to. */
static void serve(int64_t arg)
{
    (void)arg;
    int64_t s = lun_recv_tcp(STREAM_TAG, 5000);
    static char buf[BUF];
    size_t len = 0;
    if (s < 0)
        return;
    for (;;) {
        char *end;
        while ((end = header_end(buf, len)) != NULL) {
            size_t hl = (size_t)(end - buf) + 4;
            int close_after = wants_close(buf, hl);
            if (lun_tcp_write_all((uint64_t)s, reply, sizeof reply - 1) < 0 ||
                close_after) {
                lun_tcp_close((uint64_t)s);
                return;
            }
            memmove(buf, buf + hl, len - hl);
            len -= hl;
        }
        if (len == BUF) /* a header larger than we accept */
            break;
        int64_t n = lun_tcp_read((uint64_t)s, buf + len, BUF - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    lun_tcp_close((uint64_t)s);
}

int main(int argc, char **argv)
{
    static const uint8_t ip[4] = {127, 0, 0, 1};
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    int64_t l = lun_tcp_listen(ip, (uint16_t)port);
    if (l < 0) {
        fprintf(stderr, "http: cannot listen on port %d\n", port);
        return 1;
    }
    printf("http: listening on 127.0.0.1:%d\n", port);
    fflush(stdout);
    for (;;) {
        int64_t s = lun_tcp_accept((uint64_t)l);
        if (s < 0)
            continue;
        uint64_t pid = lun_spawn(serve, 0);
        if (pid)
            lun_send_tcp(pid, STREAM_TAG, (uint64_t)s);
        else
            lun_tcp_close((uint64_t)s);
    }
}
