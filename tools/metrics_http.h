/* metrics_http.h: the metrics endpoint (--metrics ADDR): Prometheus text
 * at /metrics, the busiest processes at /processes, served by a thread of
 * its own (metrics_http.c). */
#ifndef LUN_TOOLS_METRICS_HTTP_H
#define LUN_TOOLS_METRICS_HTTP_H

#include "dist/cluster.h"
#include "sched/sched.h"

typedef struct metrics_http metrics_http_t;

/* Listen on addr (HOST:PORT, [V6]:PORT): 0, or -1 after printing why. */
int metrics_http_open(const char *addr, metrics_http_t **out);
/* Serve rt (and the node's view of cluster, NULL: none) until detached:
 * 0, or -1 after printing why. */
int metrics_http_attach(metrics_http_t *m, sched_runtime_t *rt,
                        dist_cluster_t *cluster);
/* Stop serving (before rt is freed); the listener stays open. */
void metrics_http_detach(metrics_http_t *m);
/* Detach and close. NULL is allowed. */
void metrics_http_close(metrics_http_t *m);

#endif
