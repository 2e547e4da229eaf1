/* poll_oneoff.c: waits on several clock and fd subscriptions at once.
 * It never sleeps: when nothing is ready it records every fd and the
 * earliest deadline and returns WASI__BLOCK (see wasi.h), and the call is
 * re-invoked once the embedder's wait ends. Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* Subscription fields (wasm32 layout of `subscription`). */
#define SUB_USERDATA 0
#define SUB_TAG 8
#define SUB_CLOCK_ID 16
#define SUB_CLOCK_TIMEOUT 24
#define SUB_CLOCK_FLAGS 40
#define SUB_FD 16

static uint64_t load_u64(const uint8_t *p)
{
    return wasi__load_u32(p) | (uint64_t)wasi__load_u32(p + 4) << 32;
}

static void put_event(uint8_t *ev, const uint8_t *sub, uint32_t error,
                      uint64_t nbytes, uint16_t flags)
{
    memset(ev, 0, WASI_EVENT_SIZE);
    memcpy(ev, sub + SUB_USERDATA, 8);
    wasi__store_u16(ev + 8, (uint16_t)error);
    ev[10] = sub[SUB_TAG];
    wasi__store_u64(ev + 16, nbytes);
    wasi__store_u16(ev + 24, flags);
}

static bool clock_now(uint32_t id, uint64_t *out_ns)
{
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                    CLOCK_PROCESS_CPUTIME_ID,
                                    CLOCK_THREAD_CPUTIME_ID};
    struct timespec ts;
    if (id > WASI_CLOCK_THREAD_CPUTIME || clock_gettime(ids[id], &ts) != 0)
        return false;
    *out_ns = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    return true;
}

/* A clock subscription's deadline on the monotonic clock. A relative
 * timeout counts from `start`, when the guest made the call; an absolute
 * one on another clock is converted with that clock's distance to it. */
static uint32_t clock_deadline(const uint8_t *sub, uint64_t start,
                               uint64_t now, uint64_t *out)
{
    uint32_t id = wasi__load_u32(sub + SUB_CLOCK_ID);
    uint64_t timeout = load_u64(sub + SUB_CLOCK_TIMEOUT), clk;
    if (!clock_now(id, &clk))
        return WASI_EINVAL;
    if (!(sub[SUB_CLOCK_FLAGS] & WASI_SUBCLOCK_ABSTIME))
        *out = timeout > UINT64_MAX - start ? UINT64_MAX : start + timeout;
    else if (timeout <= clk)
        *out = now;
    else /* saturating: a deadline past 2^64 ns is never */
        *out = timeout - clk > UINT64_MAX - now ? UINT64_MAX
                                                : now + (timeout - clk);
    return WASI_ESUCCESS;
}

/* Bytes a read could return now: the rest of a file, or what a pipe or
 * socket holds. */
static uint64_t readable_bytes(const wasi_fd_t *f)
{
    struct stat st;
    int n = 0;
    if (f->filetype == WASI_FILETYPE_REGULAR_FILE && f->kind != WASI_FD_STDIO &&
        fstat(f->host_fd, &st) == 0) {
        off_t pos = lseek(f->host_fd, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    return ioctl(f->host_fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

/* Check an fd subscription: writes an event and returns true if it is
 * ready (or in error); false if the wait should include it. */
static bool fd_event(wasi_ctx_t *ctx, const uint8_t *sub, uint8_t *ev,
                     wasi_fd_t **out_f)
{
    bool reading = sub[SUB_TAG] == WASI_EVENTTYPE_FD_READ;
    struct pollfd p = {.events = reading ? POLLIN : POLLOUT};
    wasi_fd_t *f;
    uint32_t rc = wasi__fd_get(ctx, wasi__load_u32(sub + SUB_FD),
                               WASI_RIGHT_POLL_FD_READWRITE, &f);
    if (rc != WASI_ESUCCESS) {
        put_event(ev, sub, rc, 0, 0);
        return true;
    }
    *out_f = f;
    p.fd = f->host_fd;
    if (poll(&p, 1, 0) < 0) {
        put_event(ev, sub, wasi__errno_from_host(errno), 0, 0);
        return true;
    }
    if (!(p.revents & (p.events | POLLHUP | POLLERR | POLLNVAL)))
        return false;
    put_event(ev, sub, WASI_ESUCCESS, reading ? readable_bytes(f) : 0,
              (p.revents & POLLHUP) ? WASI_EVENT_FD_HANGUP : 0);
    return true;
}

/* Nothing is ready: wait on every fd and the earliest deadline. */
static uint32_t block(wasi_ctx_t *ctx, const uint8_t *subs, uint32_t nsubs,
                      uint64_t earliest)
{
    wasi__wait_reset(ctx);
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = subs + (uint64_t)i * WASI_SUBSCRIPTION_SIZE;
        wasi_fd_t *f;
        if (sub[SUB_TAG] == WASI_EVENTTYPE_CLOCK ||
            wasi__fd_get(ctx, wasi__load_u32(sub + SUB_FD), 0, &f) != 0)
            continue;
        if (wasi__wait_add_fd(ctx, f->host_fd,
                              sub[SUB_TAG] == WASI_EVENTTYPE_FD_READ
                                  ? WASI_WAIT_READ
                                  : WASI_WAIT_WRITE) != WASI_ESUCCESS)
            return WASI_ENOMEM;
    }
    if (earliest != UINT64_MAX)
        wasi__wait_deadline(ctx, earliest);
    return WASI__BLOCK;
}

/* Each call looks at every subscription (again at every wake): a guest
 * may not make that take seconds. */
#define WASI_POLL_MAX 16384

uint32_t wasi__poll_oneoff(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t in_ptr, uint32_t out_ptr, uint32_t nsubs,
                           uint32_t nevents_ptr)
{
    const uint8_t *subs = wasi__mem_range(
        mem, in_ptr, (uint64_t)nsubs * WASI_SUBSCRIPTION_SIZE);
    uint8_t *events = wasi__mem_range(mem, out_ptr,
                                      (uint64_t)nsubs * WASI_EVENT_SIZE);
    uint8_t *nevents_out = wasi__mem_range(mem, nevents_ptr, 4);
    uint64_t now = wasi_monotonic_ns(), earliest = UINT64_MAX, deadline;
    uint32_t nev = 0, rc;
    if (nsubs == 0)
        return WASI_EINVAL; /* it would wait forever */
    if (!subs || !events || !nevents_out)
        return WASI_EFAULT;
    if (nsubs > WASI_POLL_MAX)
        return WASI_EINVAL;
    /* a re-invocation keeps the time of the original call */
    if (!ctx->blocked)
        ctx->blocked_since_ns = now;
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = subs + (uint64_t)i * WASI_SUBSCRIPTION_SIZE;
        uint8_t *ev = events + (uint64_t)nev * WASI_EVENT_SIZE;
        wasi_fd_t *f = NULL;
        switch (sub[SUB_TAG]) {
        case WASI_EVENTTYPE_CLOCK:
            rc = clock_deadline(sub, ctx->blocked_since_ns, now, &deadline);
            if (rc != WASI_ESUCCESS || deadline <= now)
                put_event(ev, sub, rc, 0, 0), nev++;
            else if (deadline < earliest)
                earliest = deadline;
            break;
        case WASI_EVENTTYPE_FD_READ:
        case WASI_EVENTTYPE_FD_WRITE:
            nev += fd_event(ctx, sub, ev, &f);
            break;
        default:
            put_event(ev, sub, WASI_EINVAL, 0, 0);
            nev++;
        }
    }
    if (nev == 0)
        return block(ctx, subs, nsubs, earliest);
    wasi__store_u32(nevents_out, nev);
    return WASI_ESUCCESS;
}
