/* reload.c: the HTTP "hello" server (examples/http) made hot-reloadable
 * (docs/reload.md). Build it twice from this source, the second time with
 * -DVERSION=2, and reload while clients are connected:
 *     lunatic run --watch reload.wasm 8080     (or kill -HUP its pid)
 * New connections are served by the new version at once; each open
 * keep-alive connection moves to it after its current request (its
 * process keeps its pid and its socket: the socket id and the bytes read
 * so far cross in the saved state). The acceptor (the root) stays on the
 * code it started with: its loop never changes.
 * Usage: lunatic run [--watch] reload.wasm [PORT]   (default 8080) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#ifndef VERSION
#define VERSION 1
#endif
#define STR(x) #x
#define XSTR(x) STR(x)

#define STREAM_TAG 1
#define BUF 8192

static const char body[] = "Hello from version " XSTR(VERSION) "!\n";

/* A connection's state: all that crosses to a new version. */
static struct conn {
    int serving; /* has its socket: 0 in the acceptor, and before */
    int64_t sock;
    uint32_t len;
    char buf[BUF];
} c;

static void serve_loop(void);

/* {===== upgrade hooks */

static const void *save(size_t *len)
{
    /* The acceptor declines (its loop is the same in every version), and
     * so does a process still waiting for its socket in serve_entry. */
    if (!c.serving) {
        *len = 0;
        return NULL;
    }
    *len = sizeof c;
    return &c;
}

static int restore(const void *b, size_t len)
{
    if (len != sizeof c)
        return 1; /* another layout: stay on the old code */
    memcpy(&c, b, sizeof c);
    return 0;
}

LUN_UPGRADE_HOOKS(save, restore, serve_loop)

/* }===== */

static char *header_end(char *buf, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (buf[i] == '\r' && memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    return NULL;
}

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

static int reply(void)
{
    char r[256];
    int n = snprintf(r, sizeof r, "HTTP/1.1 200 OK\r\nContent-Type: text/plain"
                     "\r\nContent-Length: %zu\r\n\r\n%s", sizeof body - 1, body);
    return lun_tcp_write_all((uint64_t)c.sock, r, (size_t)n) < 0 ? -1 : 0;
}

/* Answer every complete request, then (a safe point) move to a new
 * version if there is one, then read more. */
static void serve_loop(void)
{
    for (;;) {
        char *end;
        while ((end = header_end(c.buf, c.len)) != NULL) {
            size_t hl = (size_t)(end - c.buf) + 4;
            if (reply() < 0 || wants_close(c.buf, hl)) {
                lun_tcp_close((uint64_t)c.sock);
                return;
            }
            memmove(c.buf, c.buf + hl, c.len - hl);
            c.len -= (uint32_t)hl;
        }
        lun_upgrade_point(); /* never returns if it moves */
        if (c.len == BUF)
            break;
        int64_t n = lun_tcp_read((uint64_t)c.sock, c.buf + c.len, BUF - c.len);
        if (n <= 0)
            break;
        c.len += (uint32_t)n;
    }
    lun_tcp_close((uint64_t)c.sock);
}

__attribute__((export_name("serve_entry"))) void serve_entry(void);
void serve_entry(void)
{
    c.sock = lun_recv_tcp(STREAM_TAG, 5000);
    c.serving = c.sock >= 0;
    if (c.serving)
        serve_loop();
}

int main(int argc, char **argv)
{
    static const uint8_t ip[4] = {127, 0, 0, 1};
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    int64_t l = lun_tcp_listen(ip, (uint16_t)port);
    if (l < 0) {
        fprintf(stderr, "reload: cannot listen on port %d\n", port);
        return 1;
    }
    printf("reload: version %d listening on 127.0.0.1:%d\n", VERSION, port);
    fflush(stdout);
    for (;;) {
        int64_t s = lun_tcp_accept((uint64_t)l);
        if (s < 0)
            continue;
        /* By name: a spawn of this module runs its newest version. */
        uint64_t pid = lun_spawn_export("serve_entry", NULL, 0, 0, -1, NULL);
        if (pid)
            lun_send_tcp(pid, STREAM_TAG, (uint64_t)s);
        else
            lun_tcp_close((uint64_t)s);
    }
}
