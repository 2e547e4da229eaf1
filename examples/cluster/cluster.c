/* cluster.c: a work queue spread over the nodes of a cluster, whose
 * supervisor restarts the work lost with a node.
 *
 * Run it as the root of one node of a cluster (README, "A cluster on one
 * machine"):  lunatic node ... cluster.wasm [JOBS] [JOB_MS] [NODES]
 *
 * The root process is the queue. It waits for NODES nodes (default 3, at
 * most 10 s), starts two workers on each, and hands out JOBS jobs (default
 * 40): job k counts the primes in [k * 50000, (k + 1) * 50000) by trial
 * division, then sleeps JOB_MS ms (default 100) so that a node can be
 * killed while it works. Workers ask for work, so a fast node takes more.
 *
 * The queue monitors every worker across nodes. When one dies (a trap, or
 * its node lost: kill -9, a network cut, missed heartbeats), the job it
 * held goes back to the queue and a new worker starts on the live node
 * with the fewest. Node up/down events are printed, and a node that joins
 * during the run gets workers too. At the end the total is checked
 * against a sieve run here: each job is counted exactly once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#define RANGE 50000
#define WORKERS_PER_NODE 2
#define MAX_WORKERS 64
#define MAX_JOBS 400
#define MAX_NODES 16

enum { TAG_ASK = 1, TAG_JOB = 2, TAG_NODE_EVENT = 3 };

/* {===== the worker, on any node */

typedef struct ask {
    uint64_t pid;   /* the worker asking */
    int64_t job;    /* the job it finished, or -1 */
    int64_t primes; /* its answer */
} ask_t;

typedef struct job {
    int64_t id;     /* -1: no more work, end */
    int64_t ms;
} job_t;

static int is_prime(int64_t n)
{
    if (n < 2)
        return 0;
    for (int64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

/* Ask (queue_node, queue_pid) for jobs until it says there are none. */
__attribute__((export_name("worker"))) void worker(int64_t queue_node,
                                                   int64_t queue_pid);
void worker(int64_t queue_node, int64_t queue_pid)
{
    ask_t a = {lun_self(), -1, 0};
    int64_t tag = TAG_JOB;
    for (;;) {
        job_t j;
        if (lun_node_send((uint64_t)queue_node, (uint64_t)queue_pid, TAG_ASK,
                          &a, sizeof a) != 0)
            return; /* the queue is gone */
        lun_recv(&tag, 1, LUN_FOREVER, &j, sizeof j, NULL);
        if (j.id < 0)
            return;
        a.job = j.id;
        a.primes = 0;
        for (int64_t n = j.id * RANGE; n < (j.id + 1) * RANGE; n++)
            a.primes += is_prime(n);
        if (j.ms > 0)
            lunatic_process_sleep_ms((uint64_t)j.ms);
    }
}

/* }===== */
/* {===== the queue and its supervision, on the root's node */

#define IDLE (-1)
#define STOPPED (-2) /* told to end */

typedef struct slot {
    uint64_t node, pid;
    int64_t job; /* in flight, or IDLE, or STOPPED */
    int live;
} slot_t;

static slot_t workers[MAX_WORKERS];
static int nworkers;
static int64_t done_by[MAX_JOBS];   /* 0: not yet; else 1 + primes */
static uint64_t done_on[MAX_JOBS];  /* the node that did it */
static int64_t pending[MAX_JOBS];   /* jobs to hand out (a stack) */
static int npending, njobs, ndone;
static int64_t job_ms;

static const char *short_id(uint64_t node)
{
    static char buf[4][9];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof buf[k], "%08llx",
             (unsigned long long)(node >> 32));
    return buf[k];
}

static int live_on(uint64_t node)
{
    int n = 0;
    for (int i = 0; i < nworkers; i++)
        n += workers[i].live && workers[i].node == node;
    return n;
}

/* Start a worker on node, monitored: its death reaches the queue. */
static void start_worker(uint64_t node)
{
    if (nworkers == MAX_WORKERS)
        return;
    uint8_t params[2 * LUN_PARAM_SIZE];
    size_t plen = 0;
    int32_t rc = 0;
    lun_param_i64(params, &plen, (int64_t)lun_node_self());
    lun_param_i64(params, &plen, (int64_t)lun_self());
    uint64_t pid = lun_node_is_self(node)
        ? lun_spawn_export("worker", params, plen, 0, -1, NULL)
        : lun_node_spawn_export(node, "worker", params, plen, -1, &rc);
    if (!pid) {
        printf("cluster: no worker on node %s (code %d)\n", short_id(node),
               (int)rc);
        return;
    }
    lun_node_monitor(node, pid);
    workers[nworkers++] = (slot_t){node, pid, IDLE, 1};
}

/* The live node with the fewest workers (this one if none other). */
static uint64_t emptiest_node(void)
{
    uint64_t ids[MAX_NODES], best = lun_node_self();
    uint32_t n = lun_nodes(ids, MAX_NODES);
    for (uint32_t i = 0; i < n && i < MAX_NODES; i++)
        if (live_on(ids[i]) < live_on(best))
            best = ids[i];
    return best;
}

static slot_t *find_worker(uint64_t node, uint64_t pid)
{
    for (int i = 0; i < nworkers; i++)
        if (workers[i].pid == pid &&
            (workers[i].node == node ||
             (lun_node_is_self(workers[i].node) && lun_node_is_self(node))))
            return &workers[i];
    return NULL;
}

/* Give w the next job, or tell it to end when all are done. */
static void hand_out(slot_t *w)
{
    job_t j = {-1, job_ms};
    if (npending > 0)
        j.id = pending[--npending];
    else if (ndone < njobs)
        return; /* others are in flight: w waits for a lost one */
    w->job = j.id >= 0 ? j.id : STOPPED;
    lun_node_send(w->node, w->pid, TAG_JOB, &j, sizeof j);
}

static void on_ask(const ask_t *a)
{
    slot_t *w = find_worker(lun_msg_node(), a->pid);
    if (!w || !w->live)
        return;
    if (a->job >= 0 && a->job < njobs && !done_by[a->job]) {
        done_by[a->job] = 1 + a->primes;
        done_on[a->job] = w->node;
        ndone++;
    }
    w->job = IDLE;
    hand_out(w);
}

/* Idle workers wait while jobs are in flight; a requeued job wakes one. */
static void wake_idle(void)
{
    for (int i = 0; i < nworkers && npending > 0; i++)
        if (workers[i].live && workers[i].job == IDLE)
            hand_out(&workers[i]);
}

static void on_worker_died(void)
{
    uint64_t node = lun_msg_node();
    slot_t *w = find_worker(node, (uint64_t)lunatic_message_get_process_id());
    int reason = lun_msg_death_reason();
    if (!w || !w->live)
        return;
    w->live = 0;
    if (w->job == STOPPED)
        return; /* it ended because the work is done */
    printf("cluster: worker on node %s %s", short_id(w->node),
           reason == LUN_DEATH_NOCONN ? "lost with its node" :
           reason == LUN_DEATH_FAILURE ? "failed" : "ended");
    if (w->job >= 0 && !done_by[w->job]) {
        printf(", job %lld requeued", (long long)w->job);
        pending[npending++] = w->job;
    }
    uint64_t to = emptiest_node();
    printf(", restarted on node %s\n", short_id(to));
    start_worker(to);
    wake_idle();
}

static void on_node_event(const void *buf, size_t len)
{
    int up;
    uint64_t node;
    if (!lun_node_event(buf, len, &up, &node))
        return;
    printf("cluster: node %s %s\n", short_id(node), up ? "up" : "down");
    if (up && ndone < njobs)
        for (int i = 0; i < WORKERS_PER_NODE; i++)
            start_worker(node);
}

/* pi(x) below njobs * RANGE by a sieve: the check of the jobs' sum. */
static int64_t sieve_count(int64_t limit)
{
    uint8_t *composite = calloc((size_t)limit, 1);
    int64_t count = 0;
    for (int64_t i = 2; i < limit; i++) {
        if (composite[i])
            continue;
        count++;
        for (int64_t m = i * i; m < limit; m += i)
            composite[m] = 1;
    }
    free(composite);
    return count;
}

static void wait_for_nodes(uint32_t want)
{
    uint64_t ids[MAX_NODES];
    for (int tries = 0; tries < 200 && lun_nodes(ids, MAX_NODES) < want;
         tries++)
        lunatic_process_sleep_ms(50);
}

static void report(void)
{
    uint64_t ids[MAX_NODES];
    uint32_t n = lun_nodes(ids, MAX_NODES);
    int64_t total = 0;
    for (int k = 0; k < njobs; k++)
        total += done_by[k] - 1;
    printf("cluster: %d jobs done:%s", njobs, n == 0 ? " all here" : "");
    int listed = 0;
    for (uint32_t i = 0; i < n && i < MAX_NODES; i++) {
        int c = 0;
        for (int k = 0; k < njobs; k++)
            c += done_on[k] == ids[i];
        printf(" %d on %s%s", c, short_id(ids[i]),
               ids[i] == lun_node_self() ? " (here)" : "");
        listed += c;
    }
    if (n > 0 && listed < njobs)
        printf(", %d on nodes since lost", njobs - listed);
    int64_t want = sieve_count((int64_t)njobs * RANGE);
    printf("\ncluster: %lld primes below %lld (a sieve here says %lld: %s)\n",
           (long long)total, (long long)njobs * RANGE, (long long)want,
           total == want ? "correct" : "WRONG");
}

int main(int argc, char **argv)
{
    njobs = argc > 1 ? atoi(argv[1]) : 40;
    job_ms = argc > 2 ? atoi(argv[2]) : 100;
    uint32_t want_nodes = argc > 3 ? (uint32_t)atoi(argv[3]) : 3;
    if (njobs < 1 || njobs > MAX_JOBS || job_ms < 0) {
        printf("usage: cluster.wasm [JOBS 1..%d] [JOB_MS] [NODES]\n",
               MAX_JOBS);
        return 2;
    }
    if (lun_node_self() != 0) /* under `lunatic run`: this runtime alone */
        wait_for_nodes(want_nodes);
    lun_monitor_nodes(TAG_NODE_EVENT);
    uint64_t ids[MAX_NODES];
    uint32_t n = lun_nodes(ids, MAX_NODES);
    if (n == 0) { /* not a node */
        ids[0] = 0;
        n = 1;
    }
    printf("cluster: %u node(s), %d jobs, %d workers per node\n", n, njobs,
           WORKERS_PER_NODE);
    for (int k = njobs - 1; k >= 0; k--)
        pending[npending++] = k;
    for (uint32_t i = 0; i < n && i < MAX_NODES; i++)
        for (int w = 0; w < WORKERS_PER_NODE; w++)
            start_worker(ids[i]);
    while (ndone < njobs) {
        union { ask_t a; uint8_t raw[64]; } m;
        size_t len = 0;
        int32_t k = lun_recv(NULL, 0, LUN_FOREVER, &m, sizeof m, &len);
        int64_t tag = lunatic_message_get_tag();
        if (k == LUN_MSG_PROCESS_DIED)
            on_worker_died();
        else if (k == LUN_MSG_DATA && tag == TAG_ASK && len == sizeof(ask_t))
            on_ask(&m.a);
        else if (k == LUN_MSG_DATA && tag == TAG_NODE_EVENT)
            on_node_event(m.raw, len);
    }
    for (int i = 0; i < nworkers; i++) /* the idle ones wait: end them */
        if (workers[i].live && workers[i].job == IDLE) {
            job_t j = {-1, 0};
            lun_node_send(workers[i].node, workers[i].pid, TAG_JOB, &j,
                          sizeof j);
        }
    report();
    return 0;
}

/* }===== */
