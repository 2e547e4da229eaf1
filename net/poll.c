/* poll.c: the portable part of the poller: argument checks and the
 * choice of one backend, included as a source file (the Redis `ae`
 * pattern). Interface: net/poll.h. */
#include "common/lun_prefix.h"

#include <stdlib.h>

#include "common/lun_config.h"
#include "net/poll.h"

/* Every backend defines: struct backend_state, backend_create,
 * backend_free, backend_add (arm; `fresh` = first registration),
 * backend_del, backend_wait, backend_wake, backend_name. */
#if defined(NET_FORCE_POLL)
#include "poll_poll.c"
#elif defined(HAVE_EPOLL)
#include "poll_epoll.c"
#elif defined(HAVE_KQUEUE)
#include "poll_kqueue.c"
#elif defined(HAVE_IOCP)
#include "poll_iocp.c"
#else
#include "poll_poll.c"
#endif

struct net_poll {
    struct backend_state *st;
};

int net_poll_new(net_poll_t **out_np)
{
    net_poll_t *np = calloc(1, sizeof *np);
    int rc;
    *out_np = NULL;
    if (!np)
        return LUN_ENOMEM;
    if ((rc = backend_create(&np->st)) != 0) {
        free(np);
        return rc;
    }
    *out_np = np;
    return 0;
}

void net_poll_free(net_poll_t *np)
{
    if (!np)
        return;
    backend_free(np->st);
    free(np);
}

int net_poll_add(net_poll_t *np, net_fd_t fd, uint32_t events)
{
    if (fd < 0 || (events & ~(NET_READABLE | NET_WRITABLE)))
        return LUN_EINVAL;
    return backend_add(np->st, fd, events, 1);
}

int net_poll_mod(net_poll_t *np, net_fd_t fd, uint32_t events)
{
    if (fd < 0 || (events & ~(NET_READABLE | NET_WRITABLE)))
        return LUN_EINVAL;
    return backend_add(np->st, fd, events, 0);
}

int net_poll_del(net_poll_t *np, net_fd_t fd)
{
    if (fd < 0)
        return LUN_EINVAL;
    return backend_del(np->st, fd);
}

int net_poll_wait(net_poll_t *np, net_event_t *out, int max,
                  int64_t timeout_ms)
{
    if (max <= 0)
        return LUN_EINVAL;
    /* Backends take an int of milliseconds; a day is "long enough". */
    if (timeout_ms > 86400000)
        timeout_ms = 86400000;
    if (timeout_ms < -1)
        timeout_ms = -1;
    return backend_wait(np->st, out, max, (int)timeout_ms);
}

void net_poll_wake(net_poll_t *np) { backend_wake(np->st); }

const char *net_poll_backend(void) { return backend_name(); }
