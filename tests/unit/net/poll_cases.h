/* poll_cases.h: the poller tests, written once and run by two harnesses:
 * Criterion (test_poll.c: epoll, and the poll() backend forced with
 * -DNET_FORCE_POLL) and a plain runner for Windows (run_poll_win.c, IOCP
 * under wine). The harness defines CASE(name) and CHECK(cond). */
#ifndef POLL_CASES_H
#define POLL_CASES_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "net/poll.h"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET sock_t;
static void sock_close(sock_t s) { closesocket(s); }
static void sleep_ms(int ms) { Sleep((DWORD)ms); }
static uint64_t now_ms(void) { return GetTickCount64(); }
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
typedef int sock_t;
static void sock_close(sock_t s) { close(s); }
static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}
static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
#endif

static int sock_send(sock_t s, const char *b, int n)
{
    return (int)send(s, b, n, 0);
}

/* A listening socket on 127.0.0.1, any port. */
static sock_t listener(struct sockaddr_in *sa)
{
    socklen_t len = sizeof *sa;
    sock_t l = socket(AF_INET, SOCK_STREAM, 0);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr *)sa, sizeof *sa);
    listen(l, 512);
    getsockname(l, (struct sockaddr *)sa, &len);
    return l;
}

/* A connected loopback TCP pair (socketpair does not exist on Windows). */
static void tcp_pair(sock_t out[2])
{
    struct sockaddr_in sa;
    sock_t l = listener(&sa);
    out[0] = socket(AF_INET, SOCK_STREAM, 0);
    connect(out[0], (struct sockaddr *)&sa, sizeof sa);
    out[1] = accept(l, NULL, NULL);
    sock_close(l);
}

static net_poll_t *np_new(void)
{
    net_poll_t *np = NULL;
    CHECK(net_poll_new(&np) == 0 && np != NULL);
    return np;
}

/* Wait until at least one event or timeout; returns the count. */
static int wait1(net_poll_t *np, net_event_t *ev, int max, int ms)
{
    return net_poll_wait(np, ev, max, ms);
}

CASE(readable_after_write)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_READABLE) == 0);
    CHECK(wait1(np, ev, 4, 0) == 0);
    CHECK(sock_send(s[1], "x", 1) == 1);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    CHECK(ev[0].fd == (net_fd_t)s[0]);
    CHECK(ev[0].events & NET_READABLE);
    net_poll_del(np, (net_fd_t)s[0]);
    sock_close(s[0]);
    sock_close(s[1]);
    net_poll_free(np);
}

CASE(one_shot_until_rearmed)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_READABLE) == 0);
    CHECK(sock_send(s[1], "x", 1) == 1);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    /* Still readable, but disarmed: nothing more until re-armed. */
    CHECK(wait1(np, ev, 4, 50) == 0);
    CHECK(net_poll_mod(np, (net_fd_t)s[0], NET_READABLE) == 0);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    CHECK(ev[0].fd == (net_fd_t)s[0]);
    net_poll_del(np, (net_fd_t)s[0]);
    sock_close(s[0]);
    sock_close(s[1]);
    net_poll_free(np);
}

CASE(writable_at_once)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_WRITABLE) == 0);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    CHECK(ev[0].events & NET_WRITABLE);
    net_poll_del(np, (net_fd_t)s[0]);
    sock_close(s[0]);
    sock_close(s[1]);
    net_poll_free(np);
}

CASE(removed_fd_is_silent)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_READABLE) == 0);
    CHECK(net_poll_del(np, (net_fd_t)s[0]) == 0);
    CHECK(sock_send(s[1], "x", 1) == 1);
    CHECK(wait1(np, ev, 4, 50) == 0);
    sock_close(s[0]);
    sock_close(s[1]);
    net_poll_free(np);
}

CASE(disarmed_by_mod_zero)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_READABLE) == 0);
    CHECK(net_poll_mod(np, (net_fd_t)s[0], 0) == 0);
    CHECK(sock_send(s[1], "x", 1) == 1);
    CHECK(wait1(np, ev, 4, 50) == 0);
    net_poll_del(np, (net_fd_t)s[0]);
    sock_close(s[0]);
    sock_close(s[1]);
    net_poll_free(np);
}

CASE(timeout_elapses)
{
    net_poll_t *np = np_new();
    net_event_t ev[4];
    uint64_t t0 = now_ms();
    CHECK(wait1(np, ev, 4, 60) == 0);
    CHECK(now_ms() - t0 >= 45);
    net_poll_free(np);
}

CASE(hangup_wakes_reader)
{
    net_poll_t *np = np_new();
    sock_t s[2];
    net_event_t ev[4];
    tcp_pair(s);
    CHECK(net_poll_add(np, (net_fd_t)s[0], NET_READABLE) == 0);
    sock_close(s[1]);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    CHECK(ev[0].events & NET_READABLE);
    net_poll_del(np, (net_fd_t)s[0]);
    sock_close(s[0]);
    net_poll_free(np);
}

CASE(accept_is_readable)
{
    net_poll_t *np = np_new();
    struct sockaddr_in sa;
    sock_t l = listener(&sa), c;
    net_event_t ev[4];
    CHECK(net_poll_add(np, (net_fd_t)l, NET_READABLE) == 0);
    CHECK(wait1(np, ev, 4, 0) == 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&sa, sizeof sa);
    CHECK(wait1(np, ev, 4, 2000) == 1);
    CHECK(ev[0].fd == (net_fd_t)l && (ev[0].events & NET_READABLE));
    net_poll_del(np, (net_fd_t)l);
    sock_close(c);
    sock_close(l);
    net_poll_free(np);
}

#define MANY 200
CASE(many_fds_each_once)
{
    net_poll_t *np = np_new();
    static sock_t s[MANY][2];
    static int seen[MANY];
    net_event_t ev[64];
    int total = 0;
    for (int i = 0; i < MANY; i++) {
        tcp_pair(s[i]);
        seen[i] = 0;
        CHECK(net_poll_add(np, (net_fd_t)s[i][0], NET_READABLE) == 0);
    }
    for (int i = 0; i < MANY; i++)
        CHECK(sock_send(s[i][1], "y", 1) == 1);
    uint64_t t0 = now_ms();
    while (total < MANY && now_ms() - t0 < 5000) {
        int n = wait1(np, ev, 64, 500);
        CHECK(n >= 0);
        for (int k = 0; k < n; k++)
            for (int i = 0; i < MANY; i++)
                if (ev[k].fd == (net_fd_t)s[i][0]) {
                    seen[i]++;
                    total++;
                }
    }
    CHECK(total == MANY);
    for (int i = 0; i < MANY; i++) {
        CHECK(seen[i] == 1);
        net_poll_del(np, (net_fd_t)s[i][0]);
        sock_close(s[i][0]);
        sock_close(s[i][1]);
    }
    net_poll_free(np);
}

#ifdef _WIN32
static DWORD WINAPI waker(LPVOID arg)
{
    sleep_ms(50);
    net_poll_wake(arg);
    return 0;
}
#else
static void *waker(void *arg)
{
    sleep_ms(50);
    net_poll_wake(arg);
    return NULL;
}
#endif

CASE(wake_from_another_thread)
{
    net_poll_t *np = np_new();
    net_event_t ev[4];
    uint64_t t0 = now_ms();
#ifdef _WIN32
    HANDLE th = CreateThread(NULL, 0, waker, np, 0, NULL);
#else
    pthread_t th;
    pthread_create(&th, NULL, waker, np);
#endif
    CHECK(wait1(np, ev, 4, 5000) == 0);
    CHECK(now_ms() - t0 < 4000);
#ifdef _WIN32
    WaitForSingleObject(th, INFINITE);
    CloseHandle(th);
#else
    pthread_join(th, NULL);
#endif
    net_poll_free(np);
}

#endif
