/* poll.h: the I/O readiness poller, one interface over epoll (Linux),
 * kqueue (BSD/macOS), IOCP (Windows) and poll(2) (portable fallback).
 *
 *     net_poll_t *np; net_poll_new(&np);
 *     net_poll_add(np, fd, NET_READABLE);        // armed once
 *     n = net_poll_wait(np, evs, 64, timeout);   // fd readable: reported,
 *     net_poll_mod(np, fd, NET_READABLE);        //   then disarmed: re-arm
 *
 * Interest is one-shot: an fd whose armed events fire is reported once
 * and then stays registered but disarmed until net_poll_mod re-arms it.
 * One-shot is what a process runtime wants (a parked process is woken
 * once, and re-arms only if its call blocks again), it has the same
 * meaning on every backend (epoll EPOLLONESHOT, kqueue EV_ONESHOT, IOCP
 * completions are one-shot by nature), and arming re-checks readiness,
 * so a wake-up cannot be lost between EAGAIN and arming. Every call is
 * thread-safe: workers arm while one thread waits. */
#ifndef LUN_NET_POLL_H
#define LUN_NET_POLL_H

#include <stdint.h>

#include "../common/lun_err.h"

typedef struct net_poll net_poll_t;

#define NET_READABLE 1u /* data, a connection to accept, EOF or error */
#define NET_WRITABLE 2u /* room to write, connect finished, or error */

/* A socket: an fd on POSIX, a SOCKET on Windows. */
typedef intptr_t net_fd_t;

typedef struct net_event {
    net_fd_t fd;
    uint32_t events; /* NET_READABLE|NET_WRITABLE; errors and hang-ups
                        set both */
} net_event_t;

/* A new poller. Returns 0, LUN_ENOMEM or LUN_ERR_ERRNO(e). */
int net_poll_new(net_poll_t **out_np);

/* Free the poller (no thread may be waiting in it). NULL is allowed. */
void net_poll_free(net_poll_t *np);

/* Register fd and arm `events` (NET_READABLE|NET_WRITABLE, may be 0).
 * The fd must not be registered yet. Returns 0 or a negative error. */
int net_poll_add(net_poll_t *np, net_fd_t fd, uint32_t events);

/* Re-arm a registered fd with `events` (replacing what was armed). */
int net_poll_mod(net_poll_t *np, net_fd_t fd, uint32_t events);

/* Forget fd; call it before closing fd. */
int net_poll_del(net_poll_t *np, net_fd_t fd);

/* Wait up to timeout_ms (-1: no limit, 0: just look) and store up to max
 * ready fds in out. Returns how many (0 on timeout or net_poll_wake), or
 * a negative error. Any number of threads may wait at once; each event
 * goes to one of them. */
int net_poll_wait(net_poll_t *np, net_event_t *out, int max,
                  int64_t timeout_ms);

/* Make one net_poll_wait in progress (or the next one) return early.
 * Safe from any thread. */
void net_poll_wake(net_poll_t *np);

/* "epoll", "kqueue", "iocp" or "poll": the backend compiled in. */
const char *net_poll_backend(void);

#endif
