/* clock_random.c: every clock reads and moves forward, sleeping (a
 * poll_oneoff on a clock) takes about as long as asked, random_get fills
 * buffers with different bytes. */
#include <time.h>
#include <unistd.h>

#include "check.h"

static long long ns(clockid_t c)
{
    struct timespec ts;
    CHECK(clock_gettime(c, &ts) == 0);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                       CLOCK_PROCESS_CPUTIME_ID,
                                       CLOCK_THREAD_CPUTIME_ID};
    struct timespec res;
    unsigned char a[64], b[64];
    for (int i = 0; i < 4; i++)
        CHECK(clock_getres(clocks[i], &res) == 0 && ns(clocks[i]) > 0);
    CHECK(ns(CLOCK_REALTIME) > 1577836800LL * 1000000000LL); /* > 2020 */
    long long t0 = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 30 * 1000000};
    CHECK(nanosleep(&req, NULL) == 0);
    long long slept = ns(CLOCK_MONOTONIC) - t0;
    CHECK(slept >= 30 * 1000000LL && slept < 2000 * 1000000LL);
    CHECK(getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    puts("clock_random ok");
    return 0;
}
