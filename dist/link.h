/* link.h: one connection between two nodes, as a state machine with no
 * thread of its own (dist/loop.h drives it on a poller; tests may drive
 * it by hand). Over a dist/stream.h byte stream it
 *   - exchanges HELLO first (protocol, node name, incarnation, tags);
 *   - sends frames in two classes: control frames and messages that fit
 *     in one frame go before any chunk of a large message; large
 *     messages go one chunk at a time, round-robin between them, so a
 *     small message waits behind at most one chunk;
 *   - keeps the order of messages per (sender, receiver) pair: a message
 *     queued behind a large one of the same pair waits until that one's
 *     last chunk is sent (other pairs overtake it freely);
 *   - bounds its send queue (dist_link_send returns LUN_EAGAIN: "full";
 *     the room callback says when to retry);
 *   - sends a heartbeat every tick with nothing else sent, and declares
 *     the peer dead after dead_ticks ticks of silence.
 * Not thread-safe: one thread at a time (dist/loop.h holds its lock). */
#ifndef LUN_DIST_LINK_H
#define LUN_DIST_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "frame.h"
#include "stream.h"

typedef struct dist_link dist_link_t;

typedef struct dist_link_conf {
    const char *name;        /* this node's name */
    uint64_t incarnation;    /* this node run's id (dist_incarnation_new) */
    const char *const *tags; /* "key=value" strings, ntags of them */
    unsigned ntags;
    uint32_t tick_ms;        /* 0: 1000 */
    uint32_t dead_ticks;     /* silent ticks before death; 0: 3 */
    size_t send_budget;      /* queued message bytes; 0: 64 MiB */
    size_t max_message;      /* largest body received; 0: 1 GiB */
} dist_link_conf_t;

/* Callbacks, run on the thread driving the link; any may be NULL. */
typedef struct dist_link_cbs {
    /* The peer's HELLO was accepted. */
    void (*up)(dist_link_t *l, const dist_hello_t *peer, void *ud);
    /* A complete message; data is valid during the call only. */
    void (*message)(dist_link_t *l, uint64_t sender, uint64_t receiver,
                    int64_t tag, const uint8_t *data, size_t len, void *ud);
    /* A reserved frame type (SPAWN, LINK, ...) for later layers. */
    void (*frame)(dist_link_t *l, unsigned type, const uint8_t *payload,
                  size_t len, void *ud);
    /* A send refused as full may be retried now. */
    void (*room)(dist_link_t *l, void *ud);
    /* The link is down (once); reason is one line. */
    void (*down)(dist_link_t *l, const char *reason, void *ud);
} dist_link_cbs_t;

/* A random 64-bit incarnation id (never 0). */
uint64_t dist_incarnation_new(void);

/* A link over s (owned from now on, even on failure), at time now_ms
 * (any monotonic clock in ms, the same for every later call). Its HELLO
 * is queued at once. Returns 0, LUN_EINVAL (bad conf) or LUN_ENOMEM. */
int dist_link_new(const dist_link_conf_t *conf, dist_stream_t *s,
                  const dist_link_cbs_t *cbs, void *ud, uint64_t now_ms,
                  dist_link_t **out);
/* Close the stream and free everything queued. NULL is allowed. */
void dist_link_free(dist_link_t *l);

/* {===== sending */

typedef struct dist_msg dist_msg_t;

/* A message ready to queue: the body is copied here, so callers can
 * build it outside any lock. NULL when out of memory. */
dist_msg_t *dist_msg_new(uint64_t sender, uint64_t receiver, int64_t tag,
                         const void *data, size_t len);
void dist_msg_free(dist_msg_t *m);

/* Queue m: 0 (the link owns m), or, leaving m to the caller,
 * LUN_EAGAIN (the send budget is used up: retry after the room
 * callback; a message is always accepted into an empty queue) or
 * LUN_EIO (the link is down). */
int dist_link_enqueue(dist_link_t *l, dist_msg_t *m);

/* Queue a control frame of `type` (not HELLO, MESSAGE or CHUNK) with
 * payload: 0, LUN_EIO (down, or not up yet), LUN_ELIMIT (too large, or
 * the control queue is full). It goes before any message. */
int dist_link_send_frame(dist_link_t *l, unsigned type, const void *payload,
                         size_t len);

/* dist_msg_new and dist_link_enqueue in one; LUN_ENOMEM too. */
int dist_link_send(dist_link_t *l, uint64_t sender, uint64_t receiver,
                   int64_t tag, const void *data, size_t len);

/* }===== */
/* {===== driving */

/* Do the I/O `events` (NET_READABLE|NET_WRITABLE) allow: read and
 * deliver what arrived (a bounded amount per call), then write. */
void dist_link_io(dist_link_t *l, uint32_t events, uint64_t now_ms);
/* A link's traffic so far: bytes of frames written and read, data
 * messages sent (fully framed) and delivered. Any thread. */
typedef struct dist_link_stats {
    uint64_t bytes_out, bytes_in, msgs_out, msgs_in;
} dist_link_stats_t;
void dist_link_stats(const dist_link_t *l, dist_link_stats_t *out);

/* Heartbeats and the dead-peer check; call at least every tick. */
void dist_link_tick(dist_link_t *l, uint64_t now_ms);
/* The readiness the link waits for now (0 once down). */
uint32_t dist_link_interest(const dist_link_t *l);
/* In the message callback: the body at data if the link can hand it over
 * (a message reassembled from chunks), the caller then owning it (free());
 * NULL otherwise (copy the bytes). */
uint8_t *dist_link_take_message(dist_link_t *l, const uint8_t *data);

/* Up, with nothing waiting to be written and no write that blocked: a
 * frame queued now can go out at once with dist_link_io(l, 0, now). */
bool dist_link_idle(const dist_link_t *l);
/* Send CLOSE with reason (best effort) and go down. */
void dist_link_close(dist_link_t *l, const char *reason);
/* Close gently: refuse new sends, send what is queued, then CLOSE with
 * reason, and go on reading and delivering what the peer sent before it
 * heard; down (with reason) when the peer hangs up, or tick x dead_ticks
 * after the CLOSE. For a link the peer may still be using: the loser of
 * a tie-break (dist/node.c). A link not up yet closes at once. */
void dist_link_retire(dist_link_t *l, const char *reason);

/* }===== */
/* {===== state */

bool dist_link_is_up(const dist_link_t *l);   /* HELLO exchanged */
bool dist_link_is_down(const dist_link_t *l);
const char *dist_link_reason(const dist_link_t *l); /* "" while alive */
const dist_hello_t *dist_link_peer(const dist_link_t *l); /* NULL first */
net_fd_t dist_link_fd(const dist_link_t *l);
/* Bytes of messages queued and not yet fully handed to the stream. */
size_t dist_link_queued(const dist_link_t *l);
uint32_t dist_link_tick_ms(const dist_link_t *l);

/* }===== */

#endif
