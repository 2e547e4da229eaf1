/* frame.h: the node-to-node wire format (docs/nodes.md, "Wire protocol")
 * and its incremental decoder.
 *
 * Every frame is a 16-byte header and a payload of at most
 * DIST_FRAME_MAX_PAYLOAD bytes; all integers are little-endian:
 *
 *     0 magic 0xD7 | 1 version | 2 type | 3 flags | 4..7 payload length
 *     8..15 message id (chunked messages; 0 otherwise)
 *
 * A message that fits in one frame travels as one MESSAGE frame; a larger
 * one as CHUNK frames sharing one id, the first flagged FIRST (it carries
 * the message header and the total length), the last flagged LAST, so
 * other frames can go between them. The decoder takes byte slices of any
 * size (one byte at a time works), never reads past what it was given,
 * reassembles chunked messages, and rejects anything malformed with a
 * one-line reason. */
#ifndef LUN_DIST_FRAME_H
#define LUN_DIST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"

#define DIST_FRAME_MAGIC 0xD7u
#define DIST_FRAME_VERSION 1u
#define DIST_FRAME_HEADER 16u
#define DIST_FRAME_MAX_PAYLOAD 65536u
/* sender pid, receiver pid, tag: the head of every message */
#define DIST_MSG_HEADER 24u
/* ... and a FIRST chunk's total body length after it */
#define DIST_CHUNK_FIRST_HEADER (DIST_MSG_HEADER + 8u)
/* The largest body a single MESSAGE frame carries. */
#define DIST_MSG_MAX_INLINE (DIST_FRAME_MAX_PAYLOAD - DIST_MSG_HEADER)
/* Messages being reassembled at once, per link. */
#define DIST_MAX_PARTIAL 256u

/* Frame types; the reserved ones are decoded and handed up as frames. */
enum dist_frame_type {
    DIST_HELLO = 1,     /* dist_hello_encode's payload */
    DIST_HEARTBEAT = 2, /* empty */
    DIST_MESSAGE = 3,   /* message header + body */
    DIST_CHUNK = 4,     /* part of a message; flags FIRST, LAST */
    DIST_CLOSE = 5,     /* a reason, UTF-8, not NUL-terminated */
    DIST_MEMBERS = 6,   /* the sender's members (dist/node.c) */
    DIST_SPAWN = 16,    /* reserved for remote spawn and signals */
    DIST_SPAWN_REPLY = 17,
    DIST_LINK = 18,
    DIST_UNLINK = 19,
    DIST_EXIT = 20,
    DIST_MONITOR = 21,
    DIST_DEMONITOR = 22,
    DIST_DOWN = 23,
    DIST_FETCH = 24,    /* a module's bytes asked by hash (dist/cluster.c) */
};
#define DIST_FLAG_FIRST 1u
#define DIST_FLAG_LAST 2u
/* A message whose sender pid has this bit is a signal from the process
 * of the low 63 bits (dist/cluster.c: EXIT and DOWN travel as messages,
 * so they never overtake what that process sent before it died); the
 * link orders it with that process's messages. */
#define DIST_PID_SIGNAL (UINT64_C(1) << 63)

/* true for every type listed above. */
bool dist_frame_type_known(unsigned type);

/* Write a frame header into out[DIST_FRAME_HEADER]. */
void dist_frame_header(uint8_t *out, unsigned type, unsigned flags,
                       uint32_t len, uint64_t id);
/* Write a message header into out[DIST_MSG_HEADER]. */
void dist_msg_header(uint8_t *out, uint64_t sender, uint64_t receiver,
                     int64_t tag);

/* {===== HELLO: the first frame each side sends */

#define DIST_PROTOCOL 1u
#define DIST_NAME_MAX 255u
#define DIST_TAGS_MAX 16u

typedef struct dist_hello {
    uint16_t protocol;
    uint64_t incarnation; /* random per node run */
    char name[DIST_NAME_MAX + 1];
    unsigned ntags;
    char tags[DIST_TAGS_MAX][DIST_NAME_MAX + 1]; /* "key=value" each */
} dist_hello_t;

/* Encode h into out (cap bytes): the payload length, or LUN_ELIMIT. */
int dist_hello_encode(const dist_hello_t *h, uint8_t *out, size_t cap);
/* Decode a HELLO payload: 0, or LUN_EMALFORMED with *out_reason set. */
int dist_hello_decode(const uint8_t *p, size_t len, dist_hello_t *out,
                      const char **out_reason);

/* }===== */
/* {===== the decoder */

typedef struct dist_partial dist_partial_t;

typedef struct dist_decoder {
    size_t max_message;  /* largest reassembled body accepted */
    uint8_t head[DIST_FRAME_HEADER];
    size_t have;         /* bytes of the current frame so far */
    unsigned type, flags;
    uint32_t len;
    uint64_t id;
    uint8_t *payload;    /* DIST_FRAME_MAX_PAYLOAD bytes */
    dist_partial_t *partial; /* messages being reassembled */
    unsigned npartial;
    uint8_t *done;       /* the last completed chunked body (owned) */
    char reason[128];
} dist_decoder_t;

/* What dist_decoder_feed found. */
enum dist_dec_result {
    DIST_DEC_NEED = 0, /* every byte taken; feed more */
    DIST_DEC_FRAME,    /* a frame other than a message: out->frame */
    DIST_DEC_MESSAGE,  /* a complete message: out->msg */
    DIST_DEC_ERROR,    /* malformed input: dec->reason; stop feeding */
};

typedef struct dist_dec_out {
    struct {
        unsigned type, flags;
        uint64_t id;
        const uint8_t *payload;
        uint32_t len;
    } frame;
    struct {
        uint64_t sender, receiver;
        int64_t tag;
        const uint8_t *data; /* valid until the next feed */
        size_t len;
    } msg;
} dist_dec_out_t;

/* A decoder accepting reassembled bodies up to max_message bytes.
 * Returns 0 or LUN_ENOMEM. */
int dist_decoder_init(dist_decoder_t *dec, size_t max_message);
void dist_decoder_free(dist_decoder_t *dec);

/* Take bytes from buf[0..len) until a frame or message completes, an
 * error is found, or the input runs out; *out_used says how many were
 * taken (never more than len). Pointers in *out stay valid until the
 * next call. After DIST_DEC_ERROR the decoder must not be fed again. */
int dist_decoder_feed(dist_decoder_t *dec, const uint8_t *buf, size_t len,
                      size_t *out_used, dist_dec_out_t *out);

/* The body of the message the last feed completed, if it was reassembled
 * from chunks and data is its out->msg.data: the caller owns it (free())
 * and the decoder forgets it. NULL otherwise (the bytes then stay valid
 * until the next feed, as before). Saves copying a large message. */
uint8_t *dist_decoder_take(dist_decoder_t *dec, const uint8_t *data);

/* }===== */

#endif
