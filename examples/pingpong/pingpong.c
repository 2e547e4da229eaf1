/* pingpong.c: two processes bounce a counter back and forth; the root
 * prints the round trips. Run: lunatic pingpong.wasm [ROUNDS]. */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/lunatic.h"

#define TAG_PING 1
#define TAG_PONG 2

/* The ponger answers each ping with the counter plus one. */
static void ponger(int64_t parent)
{
    int64_t tags[1] = {TAG_PING};
    for (;;) {
        int64_t n;
        lun_recv(tags, 1, LUN_FOREVER, &n, sizeof n, NULL);
        if (n < 0)
            return;
        n++;
        lun_send((uint64_t)parent, TAG_PONG, &n, sizeof n);
    }
}

int main(int argc, char **argv)
{
    int64_t rounds = argc > 1 ? atoll(argv[1]) : 10000, n = 0;
    int64_t tags[1] = {TAG_PONG};
    uint64_t pid = lun_spawn_link(ponger, (int64_t)lun_self(), 1);
    for (int64_t i = 0; i < rounds; i++) {
        lun_send(pid, TAG_PING, &n, sizeof n);
        lun_recv(tags, 1, LUN_FOREVER, &n, sizeof n, NULL);
    }
    printf("pingpong: %lld round trips, counter %lld\n", (long long)rounds,
           (long long)n);
    int64_t stop = -1;
    lun_send(pid, TAG_PING, &stop, sizeof stop);
    return n == rounds ? 0 : 1;
}
