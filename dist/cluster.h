/* cluster.h: a runtime's cluster over a dist node (docs/nodes.md, "The
 * glue"): implements sched_node_t (sched/sched.h) with a dist_node_t and
 * feeds what the node receives to the runtime's sched_remote_* entry
 * points.
 *
 * A spawn request, its reply and a module fetch are control frames of
 * their own types (DIST_SPAWN, DIST_SPAWN_REPLY, DIST_FETCH: small and
 * bounded, they go ahead of queued messages). The module's bytes answer
 * as a message to pid 0, which no process has, tagged DIST_SYS_MODULE:
 * a module larger than one frame is chunked like any large message and
 * obeys the link's send budget.
 *
 * The node's callbacks run on the dist thread with its lock held and must
 * not call dist_node_*; the runtime's entry points may call back into
 * sched_node_t (a spawn fetches its module at once). So everything the
 * node receives is copied onto a queue that a cluster thread of its own
 * hands to the runtime. */
#ifndef LUN_DIST_CLUSTER_H
#define LUN_DIST_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "../sched/sched.h"
#include "frame.h"
#include "node.h"

/* The tag of a message to pid 0 carrying a module's bytes (the number
 * of the FETCH frame it answers). */
#define DIST_SYS_MODULE DIST_FETCH

/* Bounds of a spawn request: it always fits in one frame. */
#define DIST_SPAWN_FUNC_MAX 255u
#define DIST_SPAWN_PARAMS_MAX 32768u
/* The largest module served or accepted (chunked on the wire). */
#define DIST_MODULE_MAX (64u << 20)

typedef struct dist_cluster dist_cluster_t;

/* Start the node of conf (its callbacks and ud are the cluster's: those
 * of conf are ignored, but its log is kept) and the cluster thread: 0,
 * or an error with its text in err. */
int dist_cluster_start(const dist_node_conf_t *conf, dist_cluster_t **out,
                       char *err, size_t errlen);
/* The sched_node_t to put in sched_options_t.node (lives as long as the
 * cluster). */
const sched_node_t *dist_cluster_sched(dist_cluster_t *c);
/* The runtime to feed from now on (what came before waits for it). */
void dist_cluster_attach(dist_cluster_t *c, sched_runtime_t *rt);
/* Stop taking in work for the runtime (call before sched_runtime_free);
 * the node keeps running until dist_cluster_stop. */
void dist_cluster_detach(dist_cluster_t *c);
/* Stop the node and the cluster thread. NULL is allowed. */
void dist_cluster_stop(dist_cluster_t *c);
/* The node underneath (for its port, members, ...). */
dist_node_t *dist_cluster_node(dist_cluster_t *c);

#endif
