/* metrics.c: the runtime's named metrics (lunatic::metrics, host/metrics.c
 * feeds them): a value and an update count per name, printed at exit with
 * LUNATIC_METRICS=1. Interface: sched_host.h, sched.h. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

void sched__metric_update(sched_runtime_t *rt, const char *name, size_t len,
                          bool set, double v)
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
        m->next = rt->metrics;
        rt->metrics = m;
        rt->nmetrics++;
    }
    if (m) {
        m->value = set ? v : m->value + v;
        m->count++;
    }
    lun_mutex_unlock(&rt->metrics_lock);
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
