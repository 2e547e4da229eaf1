/* poll.c: poll_oneoff with several subscriptions at once: two clocks (the
 * earlier fires), a clock and stdin (the driver writes stdin late), fd
 * writes, an absolute deadline in the past, and a bad fd. */
#include <time.h>
#include <wasi/api.h>

#include "check.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static __wasi_subscription_t clock_sub(uint64_t ud, uint64_t ns, int abs)
{
    __wasi_subscription_t s = {.userdata = ud};
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s.u.u.clock.timeout = ns;
    s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t ud, int fd, int write)
{
    __wasi_subscription_t s = {.userdata = ud};
    s.u.tag = write ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
    s.u.u.fd_read.file_descriptor = (__wasi_fd_t)fd;
    return s;
}

int main(void)
{
    __wasi_subscription_t subs[3];
    __wasi_event_t ev[3];
    __wasi_size_t n = 0;
    long long t0 = now_ms();

    subs[0] = clock_sub(1, 300000000, 0);
    subs[1] = clock_sub(2, 20000000, 0);
    CHECK(__wasi_poll_oneoff(subs, ev, 2, &n) == 0);
    CHECK(n == 1 && ev[0].userdata == 2 && ev[0].error == 0 &&
          ev[0].type == __WASI_EVENTTYPE_CLOCK);
    CHECK(now_ms() - t0 >= 20 && now_ms() - t0 < 300);

    t0 = now_ms();
    subs[0] = clock_sub(1, 5000000000ull, 0);
    subs[1] = fd_sub(2, 0, 0);
    CHECK(__wasi_poll_oneoff(subs, ev, 2, &n) == 0);
    CHECK(n == 1 && ev[0].userdata == 2 && ev[0].error == 0 &&
          ev[0].type == __WASI_EVENTTYPE_FD_READ);
    CHECK(ev[0].fd_readwrite.nbytes >= 1 && now_ms() - t0 < 5000);

    subs[0] = fd_sub(3, 1, 1);
    subs[1] = clock_sub(4, 0, 0);
    subs[2] = clock_sub(5, 1, 1); /* absolute, long past */
    CHECK(__wasi_poll_oneoff(subs, ev, 3, &n) == 0 && n == 3);
    CHECK(ev[0].userdata == 3 && ev[0].type == __WASI_EVENTTYPE_FD_WRITE);
    CHECK(ev[1].userdata == 4 && ev[2].userdata == 5);

    subs[0] = fd_sub(6, 77, 0);
    CHECK(__wasi_poll_oneoff(subs, ev, 1, &n) == 0 && n == 1);
    CHECK(ev[0].userdata == 6 && ev[0].error == __WASI_ERRNO_BADF);
    CHECK(__wasi_poll_oneoff(subs, ev, 0, &n) == __WASI_ERRNO_INVAL);
    puts("poll ok");
    return 0;
}
