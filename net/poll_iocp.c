/* poll_iocp.c: I/O completion port backend for net/poll.c (Windows);
 * compiled via #include, not standalone. Tested by `make test-windows`
 * (mingw-w64 cross build, run under wine64).
 *
 * The bridge from completions to readiness. net/poll.h promises one-shot
 * *readiness* for every kind of socket, while IOCP reports completed
 * operations. The classic bridge, a zero-byte overlapped WSARecv/WSASend,
 * covers connected streams only: a listening socket has no zero-byte
 * "accept" (AcceptEx takes the connection), and a zero-byte receive on a
 * UDP socket consumes (truncates) the datagram. AFD polling (libuv,
 * wepoll) is exact but rests on the undocumented IOCTL_AFD_POLL. So this
 * backend keeps readiness where Windows documents it and uses the port
 * for what it is good at:
 *   - one helper thread runs WSAPoll over the *armed* sockets (as
 *     poll_poll.c does); when one fires it is disarmed under the lock and
 *     one completion packet is posted: key = socket, bytes = NET_* events,
 *     overlapped = the registration's generation (never dereferenced);
 *   - backend_wait is GetQueuedCompletionStatusEx, so any number of
 *     threads can wait and each packet goes to exactly one of them, and
 *     backend_wake posts a packet with WAKE_KEY;
 *   - arming (add/mod) nudges the helper through a loopback UDP socket
 *     connected to itself, so it re-polls the new set at once: arming an
 *     already-ready socket fires (no wake-up lost between EAGAIN and
 *     arming);
 *   - a packet whose socket was removed (or removed and re-added: the
 *     generation differs) after it was posted is dropped by backend_wait,
 *     so a removed socket stays silent.
 * Costs: WSAPoll is O(armed sockets) per wake-up, and lookups here are
 * linear; fine for the tests and modest servers, AFD polling is the step
 * up. WSAPoll before Windows 10 2004 does not report a failed
 * non-blocking connect (a known Windows bug); callers have a timeout. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdlib.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#define WAKE_KEY ((ULONG_PTR)-1) /* INVALID_SOCKET: never a real socket */
#define WAIT_BATCH 256

struct iocp_entry {
    SOCKET s;
    uint32_t armed; /* NET_* events; 0 = disarmed (fired or mod 0) */
    uintptr_t gen;  /* this registration's generation */
};

struct backend_state {
    HANDLE port;
    HANDLE helper;
    SOCKET nudge; /* UDP, connected to itself: wakes the helper */
    CRITICAL_SECTION lock;
    struct iocp_entry *ents;
    size_t n, cap;
    uintptr_t next_gen;
    volatile LONG stop; /* set once by backend_free */
};

static void nudge_helper(struct backend_state *st)
{
    char c = 0;
    send(st->nudge, &c, 1, 0); /* a full buffer: a nudge is pending */
}

/* Index of s in ents, or -1. The caller holds the lock. */
static long find(const struct backend_state *st, SOCKET s)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->ents[i].s == s)
            return (long)i;
    return -1;
}

static short to_wsapoll(uint32_t events)
{
    /* WSAPoll rejects POLLPRI; POLLIN is POLLRDNORM|POLLRDBAND. */
    return (short)(((events & NET_READABLE) ? POLLIN : 0) |
                   ((events & NET_WRITABLE) ? POLLOUT : 0));
}

/* The armed sockets, after the nudge socket in slot 0; *buf grows. */
static size_t snapshot(struct backend_state *st, WSAPOLLFD **buf,
                       size_t *cap)
{
    size_t k = 1;
    EnterCriticalSection(&st->lock);
    if (*cap < st->n + 1) {
        WSAPOLLFD *nb = realloc(*buf, (st->n + 1) * sizeof *nb);
        if (!nb) {
            LeaveCriticalSection(&st->lock);
            return 0;
        }
        *buf = nb;
        *cap = st->n + 1;
    }
    (*buf)[0] = (WSAPOLLFD){.fd = st->nudge, .events = POLLIN};
    for (size_t i = 0; i < st->n; i++)
        if (st->ents[i].armed)
            (*buf)[k++] = (WSAPOLLFD){.fd = st->ents[i].s,
                                      .events = to_wsapoll(st->ents[i].armed)};
    LeaveCriticalSection(&st->lock);
    return k;
}

/* Post one packet per fired socket that is still armed for what fired,
 * disarming it (one-shot). */
static void post_fired(struct backend_state *st, const WSAPOLLFD *p, size_t k)
{
    EnterCriticalSection(&st->lock);
    for (size_t j = 1; j < k; j++) {
        short re = p[j].revents;
        long i = re ? find(st, p[j].fd) : -1;
        uint32_t r = 0;
        if (i < 0)
            continue;
        if (re & POLLIN)
            r |= NET_READABLE;
        if (re & POLLOUT)
            r |= NET_WRITABLE;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            r |= NET_READABLE | NET_WRITABLE;
        if (!(r & st->ents[i].armed))
            continue;
        st->ents[i].armed = 0;
        PostQueuedCompletionStatus(st->port, r, (ULONG_PTR)p[j].fd,
                                   (LPOVERLAPPED)st->ents[i].gen);
    }
    LeaveCriticalSection(&st->lock);
}

static DWORD WINAPI helper_main(LPVOID arg)
{
    struct backend_state *st = arg;
    WSAPOLLFD *buf = NULL;
    size_t cap = 0;
    while (!st->stop) {
        size_t k = snapshot(st, &buf, &cap);
        int r = k ? WSAPoll(buf, (ULONG)k, -1) : 0;
        if (r <= 0) { /* no memory or a poll error: do not spin */
            Sleep(10);
            continue;
        }
        if (buf[0].revents) {
            char drain[64];
            while (recv(st->nudge, drain, sizeof drain, 0) > 0) {
            }
        }
        post_fired(st, buf, k);
    }
    free(buf);
    return 0;
}

/* A non-blocking UDP socket on 127.0.0.1 connected to itself. */
static SOCKET make_nudge(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int len = sizeof sa;
    u_long on = 1;
    SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s == INVALID_SOCKET)
        return s;
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) != 0 ||
        connect(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        ioctlsocket(s, FIONBIO, &on) != 0) {
        closesocket(s);
        return INVALID_SOCKET;
    }
    return s;
}

static int backend_create(struct backend_state **out)
{
    WSADATA wd;
    struct backend_state *st = calloc(1, sizeof *st);
    if (!st)
        return LUN_ENOMEM;
    /* Reference-counted by Windows; backend_free calls WSACleanup. */
    if (WSAStartup(MAKEWORD(2, 2), &wd) != 0) {
        free(st);
        return LUN_ERR_ERRNO(EIO);
    }
    InitializeCriticalSection(&st->lock);
    st->nudge = make_nudge();
    st->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    if (st->nudge != INVALID_SOCKET && st->port)
        st->helper = CreateThread(NULL, 0, helper_main, st, 0, NULL);
    if (!st->helper) {
        if (st->nudge != INVALID_SOCKET)
            closesocket(st->nudge);
        if (st->port)
            CloseHandle(st->port);
        DeleteCriticalSection(&st->lock);
        WSACleanup();
        free(st);
        return LUN_ERR_ERRNO(EIO); /* Windows errors have no errno */
    }
    *out = st;
    return 0;
}

static void backend_free(struct backend_state *st)
{
    InterlockedExchange(&st->stop, 1);
    nudge_helper(st);
    WaitForSingleObject(st->helper, INFINITE);
    CloseHandle(st->helper);
    closesocket(st->nudge);
    CloseHandle(st->port);
    DeleteCriticalSection(&st->lock);
    WSACleanup();
    free(st->ents);
    free(st);
}

static int backend_add(struct backend_state *st, net_fd_t fd,
                       uint32_t events, int fresh)
{
    SOCKET s = (SOCKET)fd;
    int rc = 0;
    EnterCriticalSection(&st->lock);
    long i = find(st, s);
    if (fresh && i >= 0) {
        rc = LUN_ERR_ERRNO(EEXIST);
    } else if (!fresh && i < 0) {
        rc = LUN_ERR_ERRNO(ENOENT);
    } else if (fresh) {
        if (st->n == st->cap) {
            size_t cap = st->cap ? st->cap * 2 : 16;
            struct iocp_entry *ne = realloc(st->ents, cap * sizeof *ne);
            if (!ne)
                rc = LUN_ENOMEM;
            else {
                st->ents = ne;
                st->cap = cap;
            }
        }
        if (rc == 0)
            st->ents[st->n++] = (struct iocp_entry){
                .s = s, .armed = events, .gen = ++st->next_gen};
    } else {
        st->ents[i].armed = events;
    }
    LeaveCriticalSection(&st->lock);
    if (rc == 0 && events)
        nudge_helper(st); /* it must poll the new set */
    return rc;
}

static int backend_del(struct backend_state *st, net_fd_t fd)
{
    int rc = 0;
    EnterCriticalSection(&st->lock);
    long i = find(st, (SOCKET)fd);
    if (i < 0)
        rc = LUN_ERR_ERRNO(ENOENT);
    else
        st->ents[i] = st->ents[--st->n];
    LeaveCriticalSection(&st->lock);
    /* The helper may still poll the socket once; its revents are then
     * ignored (not found), and posted packets are filtered by wait. */
    return rc;
}

/* Keep the packets whose registration is still the one that fired. */
static int backend_wait(struct backend_state *st, net_event_t *out, int max,
                        int timeout_ms)
{
    OVERLAPPED_ENTRY pk[WAIT_BATCH];
    ULONG got = 0;
    int k = 0;
    if (!GetQueuedCompletionStatusEx(
            st->port, pk, (ULONG)(max < WAIT_BATCH ? max : WAIT_BATCH), &got,
            timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, FALSE))
        return GetLastError() == WAIT_TIMEOUT ? 0 : LUN_ERR_ERRNO(EIO);
    EnterCriticalSection(&st->lock);
    for (ULONG j = 0; j < got; j++) {
        long i;
        if (pk[j].lpCompletionKey == WAKE_KEY)
            continue;
        i = find(st, (SOCKET)pk[j].lpCompletionKey);
        if (i < 0 || st->ents[i].gen != (uintptr_t)pk[j].lpOverlapped)
            continue;
        out[k].fd = (net_fd_t)pk[j].lpCompletionKey;
        out[k++].events = pk[j].dwNumberOfBytesTransferred;
    }
    LeaveCriticalSection(&st->lock);
    return k;
}

static void backend_wake(struct backend_state *st)
{
    PostQueuedCompletionStatus(st->port, 0, WAKE_KEY, NULL);
}

static const char *backend_name(void) { return "iocp"; }
