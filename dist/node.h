/* node.h: a cluster node (docs/nodes.md, "Membership"): the dist thread
 * (dist/loop.h), a listening socket, and one mutual-TLS link to every
 * other member. Joining through any one member gives the full mesh:
 * linked members swap their member lists (a MEMBERS frame) and each node
 * dials those it has no link to. Members come and go by their links: a
 * link that closes or goes silent makes its member down, and the node
 * redials the address (with backoff) in case it comes back, as a new
 * member: every node run has a fresh random 64-bit id. A member declared
 * down is refused if that same run comes back (resumed after a stop, a
 * healed partition): it must restart.
 *
 * A node thread (accepts, dials, deadlines, discovery) runs beside the
 * dist thread. Callbacks run on the dist thread with its lock held and
 * must not call dist_node_* functions (but dist_node_self). */
#ifndef LUN_DIST_NODE_H
#define LUN_DIST_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "link.h"

typedef struct dist_node dist_node_t;

typedef struct dist_node_conf {
    const char *name;   /* this node's name: its certificate's name */
    const char *listen; /* HOST:PORT to accept links on (port 0: any) */
    /* HOST:PORT of members to join through (any one is enough) */
    const char *const *peers;
    size_t npeers;
    /* DNS_NAME:PORT or NULL: every address it resolves to is a peer;
     * resolved again every discover_ms (0: 5000) */
    const char *discover;
    uint32_t discover_ms;
    /* PEM: the cluster CA, this node's certificate and key */
    const uint8_t *ca, *cert, *key;
    size_t ca_len, cert_len, key_len;
    const char *const *tags; /* "key=value" each, at most 16 */
    size_t ntags;
    uint32_t tick_ms, dead_ticks; /* heartbeats (dist/link.h); 0: 1000, 3 */
    uint32_t handshake_ms;        /* a link not up by then closes; 0: 5000 */
    uint32_t max_pending;         /* links not up yet, at most; 0: 128 */
    /* Callbacks (any may be NULL), on the dist thread; on_down also on
     * the node thread, for a member whose link the peer closed as a
     * duplicate when the link it kept did not come up within 5 s. */
    void (*on_message)(void *ud, uint64_t from_node, uint64_t sender,
                       uint64_t receiver, int64_t tag, const uint8_t *data,
                       size_t len);
    void (*on_up)(void *ud, uint64_t node_id, const char *name);
    void (*on_down)(void *ud, uint64_t node_id, const char *reason);
    void (*on_room)(void *ud, uint64_t node_id); /* a full link has room */
    /* A frame of a type from DIST_SPAWN on (dist/frame.h) from a member,
     * for the layers above (dist/cluster.c). */
    void (*on_frame)(void *ud, uint64_t from_node, unsigned type,
                     const uint8_t *payload, size_t len);
    /* One line per event worth telling an operator (refused peers, ...),
     * without a newline; NULL: stderr. Any thread. */
    void (*log)(void *ud, const char *line);
    void *ud;
} dist_node_conf_t;

/* Start a node: 0, or an error with its text in err (bad certificate
 * files, an address that does not resolve or bind, ...). */
int dist_node_start(const dist_node_conf_t *c, dist_node_t **out, char *err,
                    size_t errlen);
/* Close every link and stop both threads. NULL is allowed. */
void dist_node_stop(dist_node_t *n);

/* Run fn(arg) on the dist thread, the one the callbacks run on, and
 * return once it ran (dist_loop_call). Not from a callback. */
void dist_node_call(dist_node_t *n, void (*fn)(void *arg), void *arg);

/* This run's id (random, never 0). */
uint64_t dist_node_self(dist_node_t *n);
/* The port the node listens on (useful with port 0). */
uint16_t dist_node_port(dist_node_t *n);
/* The members up now, self included: up to max ids (and names, copied
 * into names[i], DIST_NODE_NAME_MAX + 1 bytes each, if names is not
 * NULL). Returns how many there are. */
#define DIST_NODE_NAME_MAX 255
size_t dist_node_members(dist_node_t *n, uint64_t *ids,
                         char (*names)[DIST_NODE_NAME_MAX + 1], size_t max);
/* In on_message: the message's body (data) handed over, the caller then
 * owning it (free()), when the link can (one reassembled from chunks);
 * NULL otherwise (copy it). Saves a copy of a large message on the dist
 * thread, which holds its lock meanwhile. */
uint8_t *dist_node_take_message(dist_node_t *n, const uint8_t *data);
/* The other members now, up to max: name, id, whether their link is up
 * (a member waiting for the link a tie-break kept has none), and that
 * link's traffic (zero without one). Returns how many there are. */
typedef struct dist_peer_info {
    uint64_t id;
    char name[DIST_NODE_NAME_MAX + 1];
    bool link_up;
    dist_link_stats_t traffic;
} dist_peer_info_t;
size_t dist_node_peers(dist_node_t *n, dist_peer_info_t *out, size_t max);
/* Links up now (one per member once ties are broken; for tests). */
size_t dist_node_links(dist_node_t *n);
/* The member's tag for key ("key=value" in its HELLO) into out; 0,
 * LUN_ENOTFOUND (no such member or tag) or LUN_ELIMIT (out too small). */
int dist_node_tag(dist_node_t *n, uint64_t node, const char *key, char *out,
                  size_t len);
/* Send a message to member `node` from any thread but the dist thread: 0, LUN_EAGAIN (its
 * link is full, or the member waits for the link a tie-break kept: retry
 * after on_room), LUN_ENOTFOUND (no such member, or
 * no longer: a restarted node is a new member) or LUN_ENOMEM. */
int dist_node_send(dist_node_t *n, uint64_t node, uint64_t sender,
                   uint64_t receiver, int64_t tag, const void *data,
                   size_t len);

/* Send a control frame of a type from DIST_SPAWN on (at most
 * DIST_FRAME_MAX_PAYLOAD bytes) to member `node`, from any thread but the
 * dist thread. Control frames go ahead of queued messages and outside the
 * send budget: 0, LUN_ENOTFOUND (no such member), LUN_EINVAL (another
 * type) or LUN_ELIMIT (too long, or the link's control queue is full,
 * or the member waits for the link a tie-break kept: retry later). */
int dist_node_send_frame(dist_node_t *n, uint64_t node, unsigned type,
                         const void *payload, size_t len);

#endif
