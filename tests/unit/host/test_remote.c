/* test_remote.c: the runtime's side of a cluster (sched/remote.c and the
 * lunatic::distributed functions) with a fake cluster: two runtimes in
 * this process, A and B, joined by a sched_node_t that hands bytes
 * straight to the other runtime's entry points. A third node, C, is a
 * sink that only counts what is sent to it. A's root runs an export of
 * remote.wat; B runs what A spawns there. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

#define NODE_A UINT64_C(0xA000000000000001)
#define NODE_B UINT64_C(0xB000000000000002)
#define NODE_C UINT64_C(0xC000000000000003)
#define NODE_D UINT64_C(0xD000000000000004) /* not a member */

typedef struct fake_cluster fake_cluster_t;

typedef struct fake_node {
    fake_cluster_t *c;
    uint64_t id;
    sched_runtime_t *rt;
    sched_node_t node;
} fake_node_t;

struct fake_cluster {
    fake_node_t a, b;
    /* the link A -> B: how many more sends it takes (-1: no limit) */
    _Atomic long credit_ab;
    _Atomic long refused_full; /* sends refused as full */
    _Atomic long sent_to_c;
    _Atomic long fetches, spawn_requests;
    _Atomic bool defer_fetch, corrupt_fetch;
    _Atomic bool swallow_spawns; /* requests are lost: never answered */
    _Atomic bool spawns_full;    /* spawn requests refused as full */
    _Atomic long refused_spawns;
    _Atomic bool cut; /* A and B no longer reach each other */
    _Atomic long signals;
    /* a deferred fetch: whom to answer */
    pthread_mutex_t lock;
    bool fetch_pending;
    sched_runtime_t *fetch_for, *fetch_from;
    sched_hash_t fetch_hash;
};

static uint8_t wasm[1 << 16];
static size_t wasm_len;
/* the guests: remote.wasm, or remote_links.wasm for links and monitors */
static const char *fixture = "remote.wasm";

static void load_wasm(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, fixture);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    wasm_len = fread(wasm, 1, sizeof wasm, f);
    fclose(f);
}

static fake_node_t *peer(fake_node_t *self, uint64_t id)
{
    if (atomic_load(&self->c->cut) && (id == NODE_A || id == NODE_B))
        return NULL;
    if (id == NODE_A)
        return &self->c->a;
    if (id == NODE_B)
        return &self->c->b;
    return NULL;
}

static uint32_t fake_nodes(void *ud, uint64_t *out, uint32_t max)
{
    const uint64_t ids[] = {NODE_A, NODE_B, NODE_C};
    (void)ud;
    for (uint32_t i = 0; i < 3 && i < max; i++)
        out[i] = ids[i];
    return 3;
}

static uint32_t fake_query(void *ud, const char *q, size_t len, uint64_t *out,
                           uint32_t max)
{
    (void)ud;
    if (len != 6 || memcmp(q, "role=b", 6) != 0)
        return 0;
    if (max > 0)
        out[0] = NODE_B;
    return 1;
}

static int fake_send(void *ud, uint64_t node, uint64_t from, uint64_t pid,
                     int64_t tag, const uint8_t *data, size_t len)
{
    fake_node_t *self = ud, *to = peer(self, node);
    fake_cluster_t *c = self->c;
    if (node == NODE_C) {
        atomic_fetch_add(&c->sent_to_c, 1);
        return 0;
    }
    if (!to)
        return 2;
    if (to == &c->b) {
        long credit = atomic_load(&c->credit_ab);
        while (credit != -1) {
            if (credit == 0) {
                atomic_fetch_add(&c->refused_full, 1);
                return SCHED_NODE_FULL;
            }
            if (atomic_compare_exchange_weak(&c->credit_ab, &credit,
                                             credit - 1))
                break;
        }
    }
    return sched_remote_deliver(to->rt, pid, self->id, from, tag, data, len);
}

typedef struct spawn_reply {
    sched_runtime_t *origin;
    uint64_t req;
} spawn_reply_t;

static void fake_spawn_reply(void *ud, int rc, uint64_t pid, const char *err)
{
    spawn_reply_t *r = ud;
    sched_remote_spawned(r->origin, r->req, rc, pid, err);
    free(r);
}

static int fake_spawn(void *ud, uint64_t node, uint64_t req,
                      sched_hash_t module, const char *func, size_t func_len,
                      const uint8_t *params, size_t params_len,
                      const sched_spawn_config_t *config)
{
    fake_node_t *self = ud, *to = peer(self, node);
    if (!to)
        return 2;
    if (atomic_load(&self->c->swallow_spawns))
        return 0;
    if (atomic_load(&self->c->spawns_full)) {
        atomic_fetch_add(&self->c->refused_spawns, 1);
        return SCHED_NODE_FULL;
    }
    spawn_reply_t *r = malloc(sizeof *r);
    cr_assert(r != NULL);
    r->origin = self->rt;
    r->req = req;
    atomic_fetch_add(&self->c->spawn_requests, 1);
    sched_remote_spawn(to->rt, self->id, module, func, func_len, params,
                       params_len, config, fake_spawn_reply, r);
    return 0;
}

/* Signals go straight to the other runtime, as sends do. */
static int fake_signal(void *ud, uint64_t node, int kind, uint64_t from,
                       uint64_t to, int64_t tag, uint8_t reason)
{
    fake_node_t *self = ud, *dst = peer(self, node);
    if (!dst)
        return 2;
    atomic_fetch_add(&self->c->signals, 1);
    sched_remote_signal(dst->rt, self->id, kind, from, to, tag, reason);
    return 0;
}

/* Answer a fetch for `to` from `from`'s modules (corrupted on request). */
static void serve_fetch(fake_cluster_t *c, sched_runtime_t *to,
                        sched_runtime_t *from, sched_hash_t h)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (sched_remote_module_copy(from, h, &bytes, &len) != 0) {
        sched_remote_module_bytes(to, h, NULL, 0);
        return;
    }
    if (atomic_load(&c->corrupt_fetch))
        bytes[len - 1] ^= 0x5a;
    sched_remote_module_bytes(to, h, bytes, len);
    free(bytes);
}

static void fake_fetch(void *ud, uint64_t node, sched_hash_t h)
{
    fake_node_t *self = ud, *from = peer(self, node);
    fake_cluster_t *c = self->c;
    atomic_fetch_add(&c->fetches, 1);
    cr_assert(from != NULL);
    if (atomic_load(&c->defer_fetch)) {
        pthread_mutex_lock(&c->lock);
        c->fetch_pending = true;
        c->fetch_for = self->rt;
        c->fetch_from = from->rt;
        c->fetch_hash = h;
        pthread_mutex_unlock(&c->lock);
        return;
    }
    serve_fetch(c, self->rt, from->rt, h);
}

static void node_init(fake_cluster_t *c, fake_node_t *n, uint64_t id,
                      uint32_t threads, bool root_module)
{
    n->c = c;
    n->id = id;
    n->node = (sched_node_t){.ud = n, .node_id = id, .nodes = fake_nodes,
                             .query = fake_query, .send = fake_send,
                             .spawn = fake_spawn, .fetch_module = fake_fetch,
                             .signal = fake_signal};
    sched_options_t o = {.threads = threads, .abi = host_abi(),
                         .node = &n->node};
    if (root_module) {
        o.root_wasm = wasm;
        o.root_wasm_len = wasm_len;
    }
    cr_assert(eq(int, sched_runtime_new(&o, &n->rt), 0));
}

static fake_cluster_t *cluster_new(uint32_t threads_a)
{
    fake_cluster_t *c = calloc(1, sizeof *c);
    cr_assert(c != NULL);
    fixture = "remote.wasm";
    load_wasm();
    atomic_init(&c->credit_ab, -1);
    pthread_mutex_init(&c->lock, NULL);
    node_init(c, &c->a, NODE_A, threads_a, true);
    node_init(c, &c->b, NODE_B, 2, false);
    return c;
}

static void cluster_free(fake_cluster_t *c)
{
    sched_runtime_free(c->a.rt);
    sched_runtime_free(c->b.rt);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* A's root running `entry`, on a thread of its own. */
typedef struct root_run {
    pthread_t thread;
    fake_cluster_t *c;
    const char *entry;
    sched_result_t result;
} root_run_t;

static void *root_main(void *arg)
{
    root_run_t *r = arg;
    char err[256];
    vm_module_t *m;
    cr_assert(eq(int, vm_module_load(wasm, wasm_len, NULL, &m, err,
                                     sizeof err), 0), "%s", err);
    cr_assert(eq(int, sched_run_entry(r->c->a.rt, m, r->entry, &r->result),
                 0));
    return NULL;
}

static void root_start(root_run_t *r, fake_cluster_t *c, const char *entry)
{
    r->c = c;
    r->entry = entry;
    cr_assert(eq(int, pthread_create(&r->thread, NULL, root_main, r), 0));
}

static sched_result_t root_join(root_run_t *r)
{
    pthread_join(r->thread, NULL);
    return r->result;
}

static sched_result_t run_root(fake_cluster_t *c, const char *entry)
{
    root_run_t r;
    root_start(&r, c, entry);
    return root_join(&r);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait up to 10 s for *v >= want. */
static bool wait_for(_Atomic long *v, long want)
{
    for (int i = 0; i < 10000 && atomic_load(v) < want; i++)
        sleep_ms(1);
    return atomic_load(v) >= want;
}

#define expect_normal(r)                                                 \
    cr_expect(eq(int, (r).kind, SCHED_EXIT_NORMAL), "kind %d: %s %s",     \
              (r).kind, (r).message, (r).backtrace)

TestSuite(host_remote, .timeout = 60);

Test(host_remote, ten_thousand_messages_arrive_in_order)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "send_many");
    expect_normal(r);
    uint64_t fetched, compiled;
    sched_remote_stats(c->b.rt, &fetched, &compiled);
    cr_expect(eq(u64, fetched, 1));
    cr_expect(eq(u64, compiled, 1));
    cluster_free(c);
}

Test(host_remote, a_full_link_parks_the_sender_not_the_worker)
{
    fake_cluster_t *c = cluster_new(1); /* A: one worker for both */
    root_run_t run;
    atomic_store(&c->credit_ab, 100);
    root_start(&run, c, "send_many_with_ticker");
    cr_assert(wait_for(&c->refused_full, 1), "the link never filled");
    long ticks = atomic_load(&c->sent_to_c);
    /* The sender is parked: the ticker, on the same worker, still runs. */
    cr_expect(wait_for(&c->sent_to_c, ticks + 20),
              "the other process did not run (%ld)",
              atomic_load(&c->sent_to_c));
    /* Parked, it does not spin on the link either. */
    long refused = atomic_load(&c->refused_full);
    sleep_ms(50);
    cr_expect(eq(long, atomic_load(&c->refused_full), refused));
    atomic_store(&c->credit_ab, -1);
    sched_remote_room(c->a.rt, NODE_B);
    sched_result_t r = root_join(&run);
    expect_normal(r);
    cluster_free(c);
}

/* Ten spawns of a module B lacks, at once, the fetch held back until all
 * have asked: one fetch; corrupt tells whether its bytes are damaged. */
static void spawn_ten(bool corrupt)
{
    fake_cluster_t *c = cluster_new(2);
    root_run_t run;
    atomic_store(&c->defer_fetch, true);
    atomic_store(&c->corrupt_fetch, corrupt);
    root_start(&run, c, corrupt ? "spawn_ten_fail" : "spawn_ten_ok");
    cr_assert(wait_for(&c->spawn_requests, 10));
    sleep_ms(20);
    pthread_mutex_lock(&c->lock);
    bool pending = c->fetch_pending;
    c->fetch_pending = false;
    pthread_mutex_unlock(&c->lock);
    cr_assert(pending);
    cr_expect(eq(long, atomic_load(&c->fetches), 1));
    serve_fetch(c, c->fetch_for, c->fetch_from, c->fetch_hash);
    sched_result_t r = root_join(&run);
    expect_normal(r);
    uint64_t fetched, compiled;
    sched_remote_stats(c->b.rt, &fetched, &compiled);
    cr_expect(eq(u64, fetched, 1));
    cr_expect(eq(u64, compiled, corrupt ? 0 : 1));
    cr_expect(eq(long, atomic_load(&c->fetches), 1));
    cluster_free(c);
}

Test(host_remote, concurrent_spawns_fetch_and_compile_once)
{
    spawn_ten(false);
}

Test(host_remote, a_corrupted_module_is_refused_and_the_spawns_fail)
{
    spawn_ten(true);
}

Test(host_remote, spawning_a_missing_function_or_module_fails)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "spawn_missing");
    expect_normal(r);
    cluster_free(c);
}

Test(host_remote, sending_to_an_unknown_pid_fails)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "send_unknown_pid");
    expect_normal(r);
    cluster_free(c);
}

Test(host_remote, after_node_down_sends_and_spawns_fail)
{
    fake_cluster_t *c = cluster_new(2);
    sched_remote_node_down(c->a.rt, NODE_B, "test");
    sched_result_t r = run_root(c, "node_down");
    expect_normal(r);
    cr_expect(eq(long, atomic_load(&c->spawn_requests), 0));
    cluster_free(c);
}

Test(host_remote, a_remote_message_cannot_carry_resources)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "send_resource");
    cr_expect(eq(int, r.kind, SCHED_EXIT_TRAP), "%s", r.message);
    cr_expect(strstr(r.message, "cannot carry resources") != NULL, "%s",
              r.message);
    cluster_free(c);
}

Test(host_remote, nodes_are_looked_up_by_tag)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "lookup");
    expect_normal(r);
    cluster_free(c);
}

Test(host_remote, a_module_is_known_by_its_hash)
{
    load_wasm();
    sched_hash_t h = sched_hash_bytes(wasm, wasm_len);
    wasm[wasm_len - 1] ^= 1;
    sched_hash_t h2 = sched_hash_bytes(wasm, wasm_len);
    wasm[wasm_len - 1] ^= 1;
    cr_expect(h.lo != h2.lo || h.hi != h2.hi);
    fake_cluster_t *c = cluster_new(2);
    uint8_t *bytes;
    size_t len;
    /* A knows its root's module by hash once its root runs. */
    sched_result_t r = run_root(c, "lookup");
    expect_normal(r);
    cr_assert(eq(int, sched_remote_module_copy(c->a.rt, h, &bytes, &len), 0));
    cr_expect(eq(sz, len, wasm_len));
    cr_expect(memcmp(bytes, wasm, len) == 0);
    free(bytes);
    cr_expect(eq(int, sched_remote_module_copy(c->b.rt, h, &bytes, &len),
                 LUN_ENOTFOUND));
    cluster_free(c);
}

Test(host_remote, send_receive_skip_search_gets_the_remote_reply)
{
    fake_cluster_t *c = cluster_new(2);
    sched_result_t r = run_root(c, "ask");
    expect_normal(r);
    cluster_free(c);
}

Test(host_remote, an_unanswered_spawn_times_out)
{
    fake_cluster_t *c = cluster_new(1);
    atomic_store(&c->swallow_spawns, true);
    uint64_t t0 = (uint64_t)time(NULL);
    sched_result_t r = run_root(c, "spawn_unanswered");
    expect_normal(r);
    uint64_t waited = (uint64_t)time(NULL) - t0;
    cr_expect(waited >= 4, "answered after %llu s", (unsigned long long)waited);
    cluster_free(c);
}

Test(host_remote, a_spawn_refused_as_full_waits_for_room)
{
    fake_cluster_t *c = cluster_new(1);
    root_run_t run;
    atomic_store(&c->spawns_full, true);
    root_start(&run, c, "ask");
    cr_assert(wait_for(&c->refused_spawns, 1), "never asked");
    sleep_ms(50);
    cr_expect(eq(long, atomic_load(&c->refused_spawns), 1),
              "asked again before room came");
    atomic_store(&c->spawns_full, false);
    sched_remote_room(c->a.rt, NODE_B);
    sched_result_t r = root_join(&run);
    expect_normal(r);
    cr_expect(eq(long, atomic_load(&c->refused_spawns), 1));
    cluster_free(c);
}

/* {===== links and monitors across nodes (remote_links.wat) */

static fake_cluster_t *links_cluster(void)
{
    fake_cluster_t *c = calloc(1, sizeof *c);
    cr_assert(c != NULL);
    fixture = "remote_links.wasm";
    load_wasm();
    atomic_init(&c->credit_ab, -1);
    pthread_mutex_init(&c->lock, NULL);
    node_init(c, &c->a, NODE_A, 2, true);
    node_init(c, &c->b, NODE_B, 2, false);
    return c;
}

/* Run entry on A's root; signals: whether any must have crossed. */
static void links_case(const char *entry, sched_exit_kind want, bool signals)
{
    fake_cluster_t *c = links_cluster();
    sched_result_t r = run_root(c, entry);
    cr_expect(eq(int, r.kind, want), "%s: kind %d: %s %s", entry, r.kind,
              r.message, r.backtrace);
    bool crossed = atomic_load(&c->signals) > 0;
    cr_expect(crossed || !signals, "no signal crossed nodes");
    cluster_free(c);
}

Test(host_remote, a_remote_link_fires_with_its_tag_after_the_last_message)
{
    links_case("link_trap", SCHED_EXIT_NORMAL, true);
}

Test(host_remote, a_remote_link_failure_kills_a_process_that_traps_links)
{
    links_case("link_kills", SCHED_EXIT_KILLED, true);
}

Test(host_remote, a_remote_monitor_sees_a_normal_end_and_a_link_does_not)
{
    links_case("monitor_normal", SCHED_EXIT_NORMAL, true);
}

Test(host_remote, unlink_and_stop_monitoring_silence_a_remote_death)
{
    links_case("unlink_and_stop", SCHED_EXIT_NORMAL, true);
}

Test(host_remote, unknown_nodes_and_pids_fire_at_once)
{
    links_case("unreachable_targets", SCHED_EXIT_NORMAL, true);
}

Test(host_remote, the_spawners_config_travels_with_a_remote_spawn)
{
    links_case("config_travels", SCHED_EXIT_NORMAL, false);
}

/* The root tells the test (a send to C) when to cut B off. */
static sched_result_t run_node_lost(const char *entry)
{
    fake_cluster_t *c = links_cluster();
    root_run_t run;
    root_start(&run, c, entry);
    cr_assert(wait_for(&c->sent_to_c, 1), "the root never got ready");
    atomic_store(&c->cut, true);
    sched_remote_node_down(c->a.rt, NODE_B, "test: cut off");
    sched_result_t r = root_join(&run);
    cluster_free(c);
    return r;
}

Test(host_remote, a_node_lost_fires_links_and_monitors_with_noconnection)
{
    sched_result_t r = run_node_lost("node_lost");
    expect_normal(r);
}

Test(host_remote, a_node_lost_kills_a_linked_process_that_traps_links)
{
    sched_result_t r = run_node_lost("node_lost_kills");
    cr_expect(eq(int, r.kind, SCHED_EXIT_KILLED), "kind %d: %s", r.kind,
              r.message);
}

Test(host_remote, node_events_reach_subscribers_until_they_stop)
{
    fake_cluster_t *c = links_cluster();
    root_run_t run;
    root_start(&run, c, "node_events");
    cr_assert(wait_for(&c->sent_to_c, 1), "the root never subscribed");
    sched_remote_node_up(c->a.rt, NODE_D);
    sched_remote_node_down(c->a.rt, NODE_D, "test");
    cr_assert(wait_for(&c->sent_to_c, 2), "the root never unsubscribed");
    sched_remote_node_up(c->a.rt, NODE_D); /* nobody listens */
    sched_result_t r = root_join(&run);
    expect_normal(r);
    cluster_free(c);
}

/* }===== */
