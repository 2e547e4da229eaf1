/* loop.h: the dist thread. It runs one net/poll.h poller for all node
 * links, so no scheduler worker ever blocks on a peer, and offers
 * workers a thread-safe send: the message is copied outside the lock,
 * queued under it, and the link's fd re-armed for writing (the poller's
 * calls are thread-safe, so no separate wake-up is needed). The lock is
 * handed over fairly: a thread that wants it gets it before the dist
 * thread's next round of I/O. A small message or frame queued on an idle
 * link is written by the sender itself, without waking the dist thread
 * (unless a sender wrote on that link within the last 20 us: a stream is
 * left to the dist thread, which batches it).
 *
 * Link callbacks (dist/link.h) run with the loop's lock held, on the
 * dist thread (down and room also on a sender's thread, from a write it
 * makes itself): they may call dist_link_* on any link of the loop, and
 * must not call dist_loop_* (that would take the lock again). */
#ifndef LUN_DIST_LOOP_H
#define LUN_DIST_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "link.h"

typedef struct dist_loop dist_loop_t;

/* Start the dist thread. Returns 0, LUN_ENOMEM or an OS error. */
int dist_loop_start(dist_loop_t **out);
/* Stop the thread and free every link (closing its stream). */
void dist_loop_free(dist_loop_t *loop);

/* A link over s (owned from now on) driven by the loop; see
 * dist_link_new. The link lives until dist_loop_drop or dist_loop_free,
 * also after it went down. */
int dist_loop_add(dist_loop_t *loop, const dist_link_conf_t *conf,
                  dist_stream_t *s, const dist_link_cbs_t *cbs, void *ud,
                  dist_link_t **out);
/* Free l (closing its stream). */
void dist_loop_drop(dist_loop_t *loop, dist_link_t *l);

/* Queue a message on l from any thread: 0, LUN_EAGAIN (full: retry
 * after l's room callback), LUN_EIO (down) or LUN_ENOMEM. */
int dist_loop_send(dist_loop_t *loop, dist_link_t *l, uint64_t sender,
                   uint64_t receiver, int64_t tag, const void *data,
                   size_t len);

/* dist_loop_send to the link pick(arg) returns, called with the loop's
 * lock held (so the link cannot be dropped meanwhile); NULL from pick
 * gives LUN_ENOTFOUND. */
int dist_loop_send_via(dist_loop_t *loop, dist_link_t *(*pick)(void *arg),
                       void *arg, uint64_t sender, uint64_t receiver,
                       int64_t tag, const void *data, size_t len);

/* A control frame (dist_link_send_frame) on the link pick(arg) returns,
 * as dist_loop_send_via: 0, LUN_ENOTFOUND, LUN_EIO (down) or LUN_ELIMIT
 * (the link's control queue is full: retry later). */
int dist_loop_send_frame_via(dist_loop_t *loop,
                             dist_link_t *(*pick)(void *arg), void *arg,
                             unsigned type, const void *payload, size_t len);

/* Run fn(l, arg) on l with the loop's lock held (for reading a link's
 * state from another thread). */
void dist_loop_with(dist_loop_t *loop, dist_link_t *l,
                    void (*fn)(dist_link_t *l, void *arg), void *arg);

/* Run fn(arg) on the dist thread (with the loop's lock held) and return
 * once it has run: for what must happen on that thread, such as handing
 * back what it keeps in thread-local caches. Not from the dist thread;
 * after dist_loop_free has begun, fn is not run. */
void dist_loop_call(dist_loop_t *loop, void (*fn)(void *arg), void *arg);

/* Milliseconds on the clock the loop gives its links. */
uint64_t dist_now_ms(void);

#endif
