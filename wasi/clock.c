/* clock.c: clock_res_get and clock_time_get over the host's POSIX clocks.
 * Interface: wasi/wasi_int.h (bound to imports in wasi/link.c). */
#include "common/lun_prefix.h"

#include <time.h>

#include "wasi/wasi_int.h"

/* The host clock for a WASI clock id; false for an unknown id. The thread
 * CPU clock is the host thread's: once the scheduler moves processes
 * between threads it must become per-process (TODO(#3)). */
static bool host_clock(uint32_t clock_id, clockid_t *out_id)
{
    switch (clock_id) {
    case WASI_CLOCK_REALTIME: *out_id = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out_id = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME:
        *out_id = CLOCK_PROCESS_CPUTIME_ID;
        return true;
    case WASI_CLOCK_THREAD_CPUTIME:
        *out_id = CLOCK_THREAD_CPUTIME_ID;
        return true;
    default: return false;
    }
}

static uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

uint32_t wasi__clock_res_get(const wasi_mem_t *mem, uint32_t clock_id,
                             uint32_t res_ptr)
{
    uint8_t *out = wasi__mem_range(mem, res_ptr, 8);
    clockid_t id;
    struct timespec ts;
    if (!host_clock(clock_id, &id))
        return WASI_EINVAL;
    if (!out)
        return WASI_EFAULT;
    if (clock_getres(id, &ts) != 0)
        return WASI_ENOTSUP;
    wasi__store_u64(out, timespec_ns(&ts));
    return WASI_ESUCCESS;
}

uint32_t wasi__clock_time_get(const wasi_mem_t *mem, uint32_t clock_id,
                              uint64_t precision, uint32_t time_ptr)
{
    uint8_t *out = wasi__mem_range(mem, time_ptr, 8);
    clockid_t id;
    struct timespec ts;
    (void)precision; /* a hint the spec lets us ignore */
    if (!host_clock(clock_id, &id))
        return WASI_EINVAL;
    if (!out)
        return WASI_EFAULT;
    if (clock_gettime(id, &ts) != 0)
        return WASI_ENOTSUP;
    wasi__store_u64(out, timespec_ns(&ts));
    return WASI_ESUCCESS;
}
