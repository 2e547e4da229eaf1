/* metrics.c: the runtime's named metrics (lunatic::metrics, host/metrics.c
 * feeds them): a value and an update count per name, printed at exit with
 * LUNATIC_METRICS=1 and served by the metrics endpoint (prom.c). Interface: sched_host.h, sched.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

/* Prometheus's default buckets: request latencies in seconds. */
const double sched__hist_bounds[SCHED_HIST_NBOUNDS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static void observe(sched_metric_t *m, double v)
{
    m->value += v;
    for (int i = 0; i < SCHED_HIST_NBOUNDS; i++)
        if (v <= sched__hist_bounds[i]) {
            m->buckets[i]++;
            break;
        }
}

void sched__metric_record(sched_runtime_t *rt, const char *name, size_t len,
                          int kind, bool set, double v)
{
    sched_metric_t *m;
    lun_mutex_lock(&rt->metrics_lock);
    for (m = rt->metrics; m; m = m->next)
        if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
            break;
    /* Past SCHED_METRICS_MAX names, new ones are not kept: the node's
     * memory is not a guest's to fill. */
    if (!m && rt->nmetrics < SCHED_METRICS_MAX &&
        (m = calloc(1, sizeof *m + len + 1)) != NULL) {
        memcpy(m->name, name, len);
        m->kind = kind;
        m->next = rt->metrics;
        rt->metrics = m;
        rt->nmetrics++;
    }
    if (m) {
        if (m->kind == SCHED_METRIC_HISTOGRAM)
            observe(m, v);
        else
            m->value = set ? v : m->value + v;
        m->count++;
    }
    lun_mutex_unlock(&rt->metrics_lock);
}

void sched__metric_update(sched_runtime_t *rt, const char *name, size_t len,
                          bool set, double v)
{
    sched__metric_record(rt, name, len,
                         set ? SCHED_METRIC_GAUGE : SCHED_METRIC_COUNTER, set,
                         v);
}

void sched_metrics_dump(sched_runtime_t *rt)
{
    lun_mutex_lock(&rt->metrics_lock);
    for (sched_metric_t *m = rt->metrics; m; m = m->next)
        fprintf(stderr, "lunatic: metric %s = %g (%llu updates)\n", m->name,
                m->value, (unsigned long long)m->count);
    lun_mutex_unlock(&rt->metrics_lock);
    if (rt->node) { /* a node: how many modules it fetched and compiled */
        uint64_t fetched = 0, compiled = 0;
        sched_remote_stats(rt, &fetched, &compiled);
        fprintf(stderr, "lunatic: metric remote.modules_fetched = %llu\n",
                (unsigned long long)fetched);
        fprintf(stderr, "lunatic: metric remote.modules_compiled = %llu\n",
                (unsigned long long)compiled);
    }
}
