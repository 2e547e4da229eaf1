/* test_prom.c: the guests' metrics in the Prometheus exposition
 * (sched/prom_guest.c): names and labels made valid, _total on counters,
 * histogram buckets, one # TYPE per family, series that would repeat or
 * change their family's type left out, the runtime's prefix not a
 * guest's; and the runtime's own families present. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

static sched_runtime_t *rt;
static char *text;

static void setup(void)
{
    sched_options_t o = {.threads = 1};
    cr_assert(eq(int, sched_runtime_new(&o, &rt), 0));
}

static void teardown(void)
{
    free(text);
    sched_runtime_free(rt);
}

TestSuite(sched_prom, .init = setup, .fini = teardown, .timeout = 30);

static void record(const char *name, int kind, bool set, double v)
{
    sched__metric_record(rt, name, strlen(name), kind, set, v);
}

static const char *expose(void)
{
    size_t len = 0;
    free(text);
    text = sched_metrics_prometheus(rt, &len);
    cr_assert(text != NULL);
    cr_assert(eq(sz, strlen(text), len));
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(sched_prom, names_labels_and_kinds)
{
    record("http.requests{method=GET,code=\"200\"}", SCHED_METRIC_COUNTER,
           false, 3);
    record("http.requests{method=POST}", SCHED_METRIC_COUNTER, false, 1);
    record("queue depth", SCHED_METRIC_GAUGE, true, 7.5);
    record("9lives", SCHED_METRIC_GAUGE, true, 1);
    record("odd{v=a\"b\\c}", SCHED_METRIC_GAUGE, true, 2);
    const char *t = expose();
    cr_expect(strstr(t, "# TYPE http_requests_total counter\n") != NULL);
    cr_expect(strstr(t, "http_requests_total{code=\"200\",method=\"GET\"} 3\n") ==
                  NULL); /* labels keep the guest's order */
    cr_expect(strstr(t, "http_requests_total{method=\"GET\",code=\"200\"} 3\n") != NULL);
    cr_expect(strstr(t, "http_requests_total{method=\"POST\"} 1\n") != NULL);
    cr_expect(eq(int, count(t, "# TYPE http_requests_total"), 1));
    cr_expect(strstr(t, "queue_depth 7.5\n") != NULL);
    cr_expect(strstr(t, "_lives 1\n") != NULL); /* a name cannot start with a digit */
    cr_expect(strstr(t, "odd{v=\"a\\\"b\\\\c\"} 2\n") != NULL);
}

Test(sched_prom, histogram_buckets)
{
    record("latency.seconds", SCHED_METRIC_HISTOGRAM, false, 0.003);
    record("latency.seconds", SCHED_METRIC_HISTOGRAM, false, 0.2);
    record("latency.seconds", SCHED_METRIC_HISTOGRAM, false, 30);
    const char *t = expose();
    cr_expect(strstr(t, "# TYPE latency_seconds histogram\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_bucket{le=\"0.005\"} 1\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_bucket{le=\"0.1\"} 1\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_bucket{le=\"0.25\"} 2\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_bucket{le=\"10\"} 2\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_bucket{le=\"+Inf\"} 3\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_count 3\n") != NULL);
    cr_expect(strstr(t, "latency_seconds_sum 30.20") != NULL);
}

Test(sched_prom, repeats_clashes_and_runtime_families)
{
    record("a.b", SCHED_METRIC_GAUGE, true, 1);
    record("a_b", SCHED_METRIC_GAUGE, true, 2); /* the same series */
    record("c{x=1}", SCHED_METRIC_GAUGE, true, 1);
    record("c{x=2}", SCHED_METRIC_HISTOGRAM, false, 1); /* another type */
    record("lunatic_processes", SCHED_METRIC_GAUGE, true, 99);
    const char *t = expose();
    cr_expect(eq(int, count(t, "\na_b "), 1));
    cr_expect(strstr(t, "c{x=\"1\"} 1\n") != NULL);
    cr_expect(strstr(t, "c_bucket") == NULL);
    cr_expect(strstr(t, "guest_lunatic_processes 99\n") != NULL);
    cr_expect(strstr(t, "\nlunatic_processes 0\n") != NULL);
    cr_expect(strstr(t, "# TYPE lunatic_processes_spawned_total counter\n") != NULL);
    cr_expect(strstr(t, "lunatic_worker_reductions_total{worker=\"0\"} 0\n") != NULL);
    cr_expect(strstr(t, "lunatic_processes_exited_total{reason=\"killed\"} 0\n") != NULL);
}
