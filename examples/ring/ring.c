/* ring.c: N processes in a ring pass a token M times around; the root
 * prints the hops. Run: lunatic ring.wasm [N] [M]. */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/lunatic.h"

/* Each member learns its successor first, then forwards tokens: a token
 * of 0 ends the member after passing it on. */
static void member(int64_t unused)
{
    uint64_t next;
    int64_t token;
    (void)unused;
    lun_recv(NULL, 0, LUN_FOREVER, &next, sizeof next, NULL);
    do {
        lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
        lun_send(next, 0, &token, sizeof token);
    } while (token > 0);
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 100;
    int64_t laps = argc > 2 ? atoll(argv[2]) : 10;
    uint64_t *pids = malloc((size_t)n * sizeof *pids);
    uint64_t self = lun_self();
    if (!pids || n < 1)
        return 2;
    for (int64_t i = 0; i < n; i++)
        pids[i] = lun_spawn(member, 0);
    /* The last member hands the token back to the root. */
    for (int64_t i = 0; i < n; i++) {
        uint64_t next = i + 1 < n ? pids[i + 1] : self;
        lun_send(pids[i], 0, &next, sizeof next);
    }
    int64_t hops = 0, token = laps;
    for (int64_t lap = 0; lap < laps; lap++) {
        token = laps - lap - 1 > 0 ? laps - lap - 1 : 1;
        lun_send(pids[0], 0, &token, sizeof token);
        lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
        hops += n;
    }
    token = 0; /* tell every member to stop */
    lun_send(pids[0], 0, &token, sizeof token);
    lun_recv(NULL, 0, LUN_FOREVER, &token, sizeof token, NULL);
    printf("ring: %lld processes, %lld hops\n", (long long)n, (long long)hops);
    free(pids);
    return 0;
}
