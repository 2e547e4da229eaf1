/* metrics.c: lunatic::metrics: counters, gauges and histograms kept in
 * the runtime's memory (sched__metric_update), printed at exit with
 * LUNATIC_METRICS=1. */
#include "common/lun_prefix.h"

#include "host/host_int.h"

enum { MET_ADD, MET_SET, MET_HIST };

/* Bounds on what metrics keep: names are dotted identifiers, and a node
 * exports a few hundred series at most. */
#define METRIC_NAME_MAX 1024

static vm_status metric(vm_exec_t *ex, uint32_t ptr, uint32_t len, int op,
                        int kind, double v)
{
    const char *name = (const char *)host__guest(ex, ptr, len);
    if (!name)
        return host__trap(ex, "metrics: name out of bounds");
    if (len > METRIC_NAME_MAX)
        return host__trap(ex, "metrics: name longer than 1024 bytes");
    /* a histogram is kept as count, sum and buckets */
    sched__metric_record(sched__cur(ex)->rt, name, len, kind, op == MET_SET,
                         v);
    return VM_OK;
}

static vm_status h_counter(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, SCHED_METRIC_COUNTER,
                  (double)a[2].u64);
}

static vm_status h_increment_counter(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, SCHED_METRIC_COUNTER, 1);
}

static vm_status h_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_SET, SCHED_METRIC_GAUGE,
                  a[2].f64);
}

static vm_status h_increment_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, SCHED_METRIC_GAUGE,
                  a[2].f64);
}

static vm_status h_decrement_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, SCHED_METRIC_GAUGE,
                  -a[2].f64);
}

static vm_status h_histogram(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_HIST, SCHED_METRIC_HISTOGRAM,
                  a[2].f64);
}

#define MET "lunatic::metrics"
const sched_binding_t host__api_metrics[] = {
    {MET, "counter", "iiI:", h_counter},
    {MET, "increment_counter", "ii:", h_increment_counter},
    {MET, "gauge", "iiF:", h_gauge},
    {MET, "increment_gauge", "iiF:", h_increment_gauge},
    {MET, "decrement_gauge", "iiF:", h_decrement_gauge},
    {MET, "histogram", "iiF:", h_histogram},
};
const size_t host__api_metrics_n =
    sizeof host__api_metrics / sizeof host__api_metrics[0];
