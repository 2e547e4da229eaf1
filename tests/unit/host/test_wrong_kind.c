/* test_wrong_kind.c: a handle of one kind passed where another kind is
 * expected (a TCP listener's id to a sqlite call, a connection's id to
 * drop_tcp_listener, a listener's to tcp_read, a UDP socket's to
 * tls_read, a listener pushed as a stream) fails as an unknown id of the
 * expected kind: a clean trap, never the resource used as another type
 * (which ASan would report, and which would crash or close the wrong
 * thing). Each case is an export of wrong_kind.wat run as the root of a
 * runtime with the lunatic ABI. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "host/host.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif

/* Run export `entry` of wrong_kind.wasm as the root; its result. */
static sched_result_t run(const char *entry)
{
    char path[512], err[256];
    static uint8_t buf[1 << 14];
    snprintf(path, sizeof path, "%s/wrong_kind.wasm", FIXTURE_DIR);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing fixture %s (built by make)", path);
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vm_module_t *m;
    cr_assert(eq(int, vm_module_load(buf, len, NULL, &m, err, sizeof err), 0),
              "%s", err);
    cr_assert(eq(int, sched_module_check(host_abi(), m, err, sizeof err), 0),
              "%s", err);
    sched_runtime_t *rt;
    sched_result_t r;
    sched_options_t o = {.threads = 1, .abi = host_abi()};
    cr_assert(eq(int, sched_runtime_new(&o, &rt), 0));
    cr_assert(eq(int, sched_run_entry(rt, m, entry, &r), 0));
    sched_runtime_free(rt); /* releases what the root held, by kind */
    return r;
}

static void expect_trap(const char *entry, const char *msg)
{
    sched_result_t r = run(entry);
    cr_expect(eq(int, r.kind, SCHED_EXIT_TRAP), "%s: kind %d (%s)", entry,
              r.kind, r.message);
    cr_expect(strstr(r.message, msg) != NULL, "%s: %s", entry, r.message);
}

TestSuite(host_wrong_kind, .timeout = 60);

Test(host_wrong_kind, a_connection_id_works_as_one)
{
    sched_result_t r = run("sqlite_own_id");
    cr_expect(eq(int, r.kind, SCHED_EXIT_NORMAL), "%s", r.message);
}

Test(host_wrong_kind, tcp_id_to_sqlite)
{
    expect_trap("tcp_id_to_sqlite", "lunatic::sqlite: unknown connection id");
}

Test(host_wrong_kind, sqlite_id_to_tcp)
{
    expect_trap("sqlite_id_to_tcp", "unknown tcp listener id");
}

Test(host_wrong_kind, listener_id_to_stream)
{
    expect_trap("listener_id_to_stream", "unknown tcp stream id");
}

Test(host_wrong_kind, udp_id_to_tls)
{
    expect_trap("udp_id_to_tls", "unknown tls stream id");
}

Test(host_wrong_kind, listener_in_message)
{
    expect_trap("listener_in_message", "unknown socket id");
}
