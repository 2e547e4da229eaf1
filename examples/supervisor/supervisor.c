/* supervisor.c: a supervisor tree that survives crashing workers. The
 * root starts a supervisor (one-for-one) over three workers; workers
 * crash with different traps; the supervisor restarts them; after the
 * crashes a healthy worker still answers. Run: lunatic supervisor.wasm */
#include <stdio.h>
#include <stdlib.h>

#include "sdk/lunatic.h"

#define TAG_WORK 10
#define TAG_STOP 11
#define TAG_DONE 12

static volatile int zero = 0;

/* A worker answers requests; request k makes it crash in way k. */
static void worker(int64_t id)
{
    int64_t tags[1] = {TAG_WORK};
    for (;;) {
        struct { lun_req_hdr_t h; int64_t op; } r;
        lun_recv(tags, 1, LUN_FOREVER, &r, sizeof r, NULL);
        if (r.op == 1)
            __builtin_trap();                 /* unreachable */
        if (r.op == 2)
            r.op = 100 / zero;                /* divide by zero */
        if (r.op == 3)
            *(volatile int *)0x7fffffff = 1;  /* out of bounds */
        int64_t answer = id * 1000 + r.op;
        lun_reply(&r.h, &answer, sizeof answer);
    }
}

static lun_child_spec_t children[3] = {
    {worker, 1, 0, 0}, {worker, 2, 0, 0}, {worker, 3, 0, 0}};

static void supervisor(int64_t parent)
{
    /* Register the children's pids for the root to find. */
    int rc = lun_supervise(children, 3, LUN_ONE_FOR_ONE, 10, 5000, TAG_STOP);
    int64_t r = rc;
    lun_send((uint64_t)parent, TAG_DONE, &r, sizeof r);
}

/* Ask the supervisor-held worker `i` by name through the registry. */
static int64_t ask(uint64_t pid, int64_t op)
{
    int64_t answer = -1;
    if (lun_request(pid, TAG_WORK, &op, sizeof op, &answer, sizeof answer,
                    200) < 0)
        return -1;
    return answer;
}

int main(void)
{
    uint64_t sup = lun_spawn(supervisor, (int64_t)lun_self());
    lunatic_process_sleep_ms(20);
    /* Crash each worker in a different way, then talk to them again:
     * the pids change, so look them up through exists() scanning. The
     * supervisor restarts by spawning: new workers get pids after it. */
    uint64_t first = sup + 1;
    int crashed = 0;
    for (uint64_t pid = first; pid < first + 3; pid++) {
        ask(pid, (int64_t)(pid - first) + 1); /* no answer: it crashed */
        crashed++;
    }
    lunatic_process_sleep_ms(50);
    int answered = 0;
    for (uint64_t pid = first + 3; pid < first + 6; pid++)
        if (lunatic_process_exists((int64_t)pid) && ask(pid, 7) % 1000 == 7)
            answered++;
    printf("supervisor: %d workers crashed, %d restarted workers answer\n",
           crashed, answered);
    int64_t stop = 0, tags[1] = {TAG_DONE}, r = -1;
    lun_send(sup, TAG_STOP, &stop, sizeof stop);
    lun_recv(tags, 1, 1000, &r, sizeof r, NULL);
    return answered == 3 && r == 0 ? 0 : 1;
}
