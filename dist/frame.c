/* frame.c: the node-to-node wire format and its incremental decoder
 * (dist/frame.h). */
#include "../common/lun_prefix.h"

#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/vm_endian.h"

/* A chunked message being reassembled: its body grows as chunks come, so
 * a peer announcing a large total costs memory only once it sends it. */
struct dist_partial {
    uint64_t id;
    uint64_t sender, receiver;
    int64_t tag;
    uint64_t total; /* announced body length */
    uint64_t got;   /* bytes received so far */
    uint8_t *data;
    size_t cap;
};

bool dist_frame_type_known(unsigned type)
{
    return (type >= DIST_HELLO && type <= DIST_MEMBERS) ||
           (type >= DIST_SPAWN && type <= DIST_FETCH);
}

void dist_frame_header(uint8_t *out, unsigned type, unsigned flags,
                       uint32_t len, uint64_t id)
{
    out[0] = DIST_FRAME_MAGIC;
    out[1] = DIST_FRAME_VERSION;
    out[2] = (uint8_t)type;
    out[3] = (uint8_t)flags;
    vm_store_le32(out + 4, len);
    vm_store_le64(out + 8, id);
}

void dist_msg_header(uint8_t *out, uint64_t sender, uint64_t receiver,
                     int64_t tag)
{
    vm_store_le64(out, sender);
    vm_store_le64(out + 8, receiver);
    vm_store_le64(out + 16, (uint64_t)tag);
}

/* {===== HELLO: u16 protocol, u64 incarnation, u16 tag count, the node
 * name, the tags; each string is a u16 length and its bytes */

static int put_str(uint8_t *out, size_t cap, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (n > DIST_NAME_MAX || *at + 2 + n > cap)
        return LUN_ELIMIT;
    vm_store_le16(out + *at, (uint16_t)n);
    memcpy(out + *at + 2, s, n);
    *at += 2 + n;
    return 0;
}

int dist_hello_encode(const dist_hello_t *h, uint8_t *out, size_t cap)
{
    size_t at = 12;
    if (cap < at || h->ntags > DIST_TAGS_MAX)
        return LUN_ELIMIT;
    vm_store_le16(out, h->protocol);
    vm_store_le64(out + 2, h->incarnation);
    if (put_str(out, cap, &at, h->name) != 0)
        return LUN_ELIMIT;
    vm_store_le16(out + 10, (uint16_t)h->ntags);
    for (unsigned i = 0; i < h->ntags; i++)
        if (put_str(out, cap, &at, h->tags[i]) != 0)
            return LUN_ELIMIT;
    return (int)at;
}

static int get_str(const uint8_t *p, size_t len, size_t *at, char *out)
{
    if (*at + 2 > len)
        return -1;
    size_t n = vm_load_le16(p + *at);
    if (n > DIST_NAME_MAX || *at + 2 + n > len || memchr(p + *at + 2, 0, n))
        return -1;
    memcpy(out, p + *at + 2, n);
    out[n] = 0;
    *at += 2 + n;
    return 0;
}

int dist_hello_decode(const uint8_t *p, size_t len, dist_hello_t *out,
                      const char **out_reason)
{
    size_t at = 12;
    memset(out, 0, sizeof *out);
    if (len < at) {
        *out_reason = "HELLO too short";
        return LUN_EMALFORMED;
    }
    out->protocol = vm_load_le16(p);
    out->incarnation = vm_load_le64(p + 2);
    out->ntags = vm_load_le16(p + 10);
    if (out->ntags > DIST_TAGS_MAX) {
        *out_reason = "HELLO has too many tags";
        return LUN_EMALFORMED;
    }
    if (get_str(p, len, &at, out->name) != 0) {
        *out_reason = "HELLO has a bad node name";
        return LUN_EMALFORMED;
    }
    for (unsigned i = 0; i < out->ntags; i++)
        if (get_str(p, len, &at, out->tags[i]) != 0 ||
            !strchr(out->tags[i], '=')) {
            *out_reason = "HELLO has a bad tag (not key=value)";
            return LUN_EMALFORMED;
        }
    if (at != len) {
        *out_reason = "HELLO has trailing bytes";
        return LUN_EMALFORMED;
    }
    return 0;
}

/* }===== */
/* {===== the decoder */

int dist_decoder_init(dist_decoder_t *dec, size_t max_message)
{
    memset(dec, 0, sizeof *dec);
    dec->max_message = max_message;
    dec->payload = malloc(DIST_FRAME_MAX_PAYLOAD);
    dec->partial = calloc(DIST_MAX_PARTIAL, sizeof *dec->partial);
    if (!dec->payload || !dec->partial) {
        dist_decoder_free(dec);
        return LUN_ENOMEM;
    }
    return 0;
}

void dist_decoder_free(dist_decoder_t *dec)
{
    if (dec->partial)
        for (unsigned i = 0; i < dec->npartial; i++)
            free(dec->partial[i].data);
    free(dec->partial);
    free(dec->payload);
    free(dec->done);
    memset(dec, 0, sizeof *dec);
}

static int fail(dist_decoder_t *dec, const char *fmt, unsigned long long v)
{
    snprintf(dec->reason, sizeof dec->reason, fmt, v);
    return DIST_DEC_ERROR;
}

/* Check the header bytes that have come so far: garbage is refused at
 * its first byte, not after a whole header's worth. */
static int check_prefix(dist_decoder_t *dec)
{
    const uint8_t *h = dec->head;
    if (dec->have >= 1 && h[0] != DIST_FRAME_MAGIC)
        return fail(dec, "bad magic 0x%02llx", h[0]);
    if (dec->have >= 2 && h[1] != DIST_FRAME_VERSION)
        return fail(dec, "unknown frame version %llu", h[1]);
    if (dec->have >= 3 && !dist_frame_type_known(h[2]))
        return fail(dec, "unknown frame type %llu", h[2]);
    return DIST_DEC_NEED;
}

/* The header is complete: check the length before reading any payload. */
static int check_header(dist_decoder_t *dec)
{
    const uint8_t *h = dec->head;
    dec->type = h[2];
    dec->flags = h[3];
    dec->len = vm_load_le32(h + 4);
    dec->id = vm_load_le64(h + 8);
    if (dec->len > DIST_FRAME_MAX_PAYLOAD)
        return fail(dec, "frame length %llu over the maximum", dec->len);
    return DIST_DEC_NEED;
}

static dist_partial_t *find_partial(dist_decoder_t *dec, uint64_t id)
{
    for (unsigned i = 0; i < dec->npartial; i++)
        if (dec->partial[i].id == id)
            return &dec->partial[i];
    return NULL;
}

static int message_frame(dist_decoder_t *dec, dist_dec_out_t *out)
{
    if (dec->len < DIST_MSG_HEADER)
        return fail(dec, "MESSAGE frame of %llu bytes: no message header",
                    dec->len);
    const uint8_t *p = dec->payload;
    out->msg.sender = vm_load_le64(p);
    out->msg.receiver = vm_load_le64(p + 8);
    out->msg.tag = (int64_t)vm_load_le64(p + 16);
    out->msg.data = p + DIST_MSG_HEADER;
    out->msg.len = dec->len - DIST_MSG_HEADER;
    if (out->msg.len > dec->max_message)
        return fail(dec, "message of %llu bytes over the maximum",
                    out->msg.len);
    return DIST_DEC_MESSAGE;
}

static int first_chunk(dist_decoder_t *dec, const uint8_t **data,
                       size_t *n, dist_partial_t **out_pm)
{
    if (find_partial(dec, dec->id))
        return fail(dec, "FIRST chunk for message %llu already started",
                    dec->id);
    if (dec->len < DIST_CHUNK_FIRST_HEADER)
        return fail(dec, "FIRST chunk of %llu bytes: no message header",
                    dec->len);
    if (dec->npartial == DIST_MAX_PARTIAL)
        return fail(dec, "over %llu chunked messages at once",
                    DIST_MAX_PARTIAL);
    const uint8_t *p = dec->payload;
    uint64_t total = vm_load_le64(p + DIST_MSG_HEADER);
    if (total > dec->max_message)
        return fail(dec, "chunked message of %llu bytes over the maximum",
                    total);
    dist_partial_t *pm = &dec->partial[dec->npartial++];
    memset(pm, 0, sizeof *pm);
    pm->id = dec->id;
    pm->sender = vm_load_le64(p);
    pm->receiver = vm_load_le64(p + 8);
    pm->tag = (int64_t)vm_load_le64(p + 16);
    pm->total = total;
    *data = p + DIST_CHUNK_FIRST_HEADER;
    *n = dec->len - DIST_CHUNK_FIRST_HEADER;
    *out_pm = pm;
    return DIST_DEC_NEED;
}

static int append(dist_decoder_t *dec, dist_partial_t *pm,
                  const uint8_t *data, size_t n)
{
    if (n > pm->total - pm->got)
        return fail(dec, "chunks of message %llu exceed its length",
                    pm->id);
    if (pm->got + n > pm->cap) {
        size_t cap = pm->cap ? pm->cap : DIST_FRAME_MAX_PAYLOAD;
        while (cap < pm->got + n)
            cap *= 2;
        if (cap > pm->total)
            cap = (size_t)pm->total;
        uint8_t *grown = realloc(pm->data, cap ? cap : 1);
        if (!grown)
            return fail(dec, "out of memory for message %llu", pm->id);
        pm->data = grown;
        pm->cap = cap;
    }
    if (n)
        memcpy(pm->data + pm->got, data, n);
    pm->got += n;
    return DIST_DEC_NEED;
}

static int chunk_frame(dist_decoder_t *dec, dist_dec_out_t *out)
{
    const uint8_t *data = dec->payload;
    size_t n = dec->len;
    dist_partial_t *pm;
    int rc;
    if (dec->flags & DIST_FLAG_FIRST)
        rc = first_chunk(dec, &data, &n, &pm);
    else if (!(pm = find_partial(dec, dec->id)))
        rc = fail(dec, "chunk for unknown message %llu", dec->id);
    else
        rc = DIST_DEC_NEED;
    if (rc == DIST_DEC_NEED)
        rc = append(dec, pm, data, n);
    if (rc != DIST_DEC_NEED || !(dec->flags & DIST_FLAG_LAST))
        return rc;
    if (pm->got != pm->total)
        return fail(dec, "message %llu ended short of its length", pm->id);
    /* Hand the body out; it lives until the next feed. */
    free(dec->done);
    dec->done = pm->data;
    out->msg.sender = pm->sender;
    out->msg.receiver = pm->receiver;
    out->msg.tag = pm->tag;
    out->msg.data = pm->data;
    out->msg.len = (size_t)pm->total;
    *pm = dec->partial[--dec->npartial];
    return DIST_DEC_MESSAGE;
}

uint8_t *dist_decoder_take(dist_decoder_t *dec, const uint8_t *data)
{
    uint8_t *body = dec->done;
    if (!body || body != data)
        return NULL;
    dec->done = NULL;
    return body;
}

/* The frame is complete: classify it. */
static int frame_done(dist_decoder_t *dec, dist_dec_out_t *out)
{
    dec->have = 0;
    if (dec->type == DIST_MESSAGE)
        return message_frame(dec, out);
    if (dec->type == DIST_CHUNK)
        return chunk_frame(dec, out);
    out->frame.type = dec->type;
    out->frame.flags = dec->flags;
    out->frame.id = dec->id;
    out->frame.payload = dec->payload;
    out->frame.len = dec->len;
    return DIST_DEC_FRAME;
}

int dist_decoder_feed(dist_decoder_t *dec, const uint8_t *buf, size_t len,
                      size_t *out_used, dist_dec_out_t *out)
{
    size_t used = 0;
    int rc = DIST_DEC_NEED;
    free(dec->done);
    dec->done = NULL;
    while (rc == DIST_DEC_NEED && used < len) {
        if (dec->have < DIST_FRAME_HEADER) {
            size_t n = DIST_FRAME_HEADER - dec->have;
            if (n > len - used)
                n = len - used;
            memcpy(dec->head + dec->have, buf + used, n);
            dec->have += n;
            used += n;
            rc = check_prefix(dec);
            if (rc != DIST_DEC_NEED || dec->have < DIST_FRAME_HEADER)
                continue;
            rc = check_header(dec);
        } else {
            size_t n = DIST_FRAME_HEADER + dec->len - dec->have;
            if (n > len - used)
                n = len - used;
            memcpy(dec->payload + (dec->have - DIST_FRAME_HEADER),
                   buf + used, n);
            dec->have += n;
            used += n;
        }
        if (rc == DIST_DEC_NEED && dec->have == DIST_FRAME_HEADER + dec->len)
            rc = frame_done(dec, out);
    }
    *out_used = used;
    return rc;
}

/* }===== */
