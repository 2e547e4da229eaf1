/* dist_pair.h: helpers shared by the dist/ tests: a connected loopback
 * TCP pair, raw frame building, a clock, and a hash for large bodies. */
#ifndef DIST_PAIR_H
#define DIST_PAIR_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "dist/frame.h"
#include "net/net.h"
#include "vm/vm_endian.h"

#define CHECK(c)                                                       \
    do {                                                               \
        int ok_ = (c); /* once: cr_assert may evaluate it twice */     \
        cr_assert(ok_, "%s", #c);                                      \
    } while (0)

/* Two connected non-blocking sockets over 127.0.0.1. */
static inline void tcp_pair(int *a, int *b)
{
    net_addr_t addr = {.family = 4, .ip = {127, 0, 0, 1}}, bound, peer;
    int lfd, rc;
    CHECK(net_tcp_listen(&addr, &lfd) == 0);
    CHECK(net_local_addr(lfd, &bound) == 0);
    rc = net_tcp_connect(&bound, a);
    CHECK(rc == 0 || rc == LUN_EAGAIN);
    for (int i = 0; i < 10000; i++) {
        rc = net_tcp_accept(lfd, b, &peer);
        if (rc != LUN_EAGAIN)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK(rc == 0);
    net_close(lfd);
}

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* FNV-1a, 64-bit: enough to tell two 64 MB bodies apart. */
static inline uint64_t fnv64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Append a frame to buf at *at; returns the new length. */
static inline size_t put_frame(uint8_t *buf, size_t at, unsigned type,
                               unsigned flags, uint64_t id,
                               const void *payload, uint32_t len)
{
    dist_frame_header(buf + at, type, flags, len, id);
    if (len)
        memcpy(buf + at + DIST_FRAME_HEADER, payload, len);
    return at + DIST_FRAME_HEADER + len;
}

/* A HELLO frame for node `name` with protocol `protocol`. */
static inline size_t put_hello(uint8_t *buf, size_t at, const char *name,
                               unsigned protocol, uint64_t incarnation)
{
    dist_hello_t h;
    uint8_t p[512];
    memset(&h, 0, sizeof h);
    h.protocol = (uint16_t)protocol;
    h.incarnation = incarnation;
    strcpy(h.name, name);
    int n = dist_hello_encode(&h, p, sizeof p);
    CHECK(n > 0);
    return put_frame(buf, at, DIST_HELLO, 0, 0, p, (uint32_t)n);
}

/* Write all of buf to the non-blocking socket fd. */
static inline void write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        net_iov_t iov = {buf, len};
        int64_t w = net_sendv(fd, &iov, 1);
        if (w == LUN_EAGAIN) {
            sleep_ms(1);
            continue;
        }
        CHECK(w > 0);
        buf += w;
        len -= (size_t)w;
    }
}

#endif
