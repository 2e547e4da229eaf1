/* test_frame.c: the wire format and its incremental decoder
 * (dist/frame.c): every frame kind fed one byte at a time, each
 * rejection with its reason, and random input that must never make it
 * crash or take more bytes than it was given (ASan checks the reads). */
#include "common/lun_prefix.h"

#include <stdlib.h>

#include "dist_pair.h"

TestSuite(dist_frame, .timeout = 60);

#define MAX_MSG ((size_t)1 << 20)

/* What a decoder produced, in order. */
typedef struct seen {
    int kind;     /* DIST_DEC_FRAME or DIST_DEC_MESSAGE */
    unsigned type;
    uint64_t sender, receiver;
    int64_t tag;
    size_t len;
    uint64_t hash;
} seen_t;

/* Feed buf in slices of `step` bytes (0: random slices); collect up to
 * max results; returns how many, or -1 after an error (reason in dec). */
static int feed_all(dist_decoder_t *dec, const uint8_t *buf, size_t len,
                    size_t step, seen_t *out, int max)
{
    int n = 0;
    size_t at = 0;
    while (at < len) {
        size_t slice = step ? step : 1 + (size_t)rand() % 300;
        if (slice > len - at)
            slice = len - at;
        size_t off = 0;
        while (off < slice) {
            dist_dec_out_t o;
            size_t used = 0;
            int rc = dist_decoder_feed(dec, buf + at + off, slice - off,
                                       &used, &o);
            CHECK(used <= slice - off);
            off += used;
            if (rc == DIST_DEC_ERROR)
                return -1;
            if (rc == DIST_DEC_NEED) {
                CHECK(off == slice);
                continue;
            }
            CHECK(n < max);
            seen_t *s = &out[n++];
            memset(s, 0, sizeof *s);
            s->kind = rc;
            if (rc == DIST_DEC_FRAME) {
                s->type = o.frame.type;
                s->len = o.frame.len;
                s->hash = fnv64(o.frame.payload, o.frame.len);
            } else {
                s->sender = o.msg.sender;
                s->receiver = o.msg.receiver;
                s->tag = o.msg.tag;
                s->len = o.msg.len;
                s->hash = fnv64(o.msg.data, o.msg.len);
            }
        }
        at += slice;
    }
    return n;
}

/* A message frame: header + body. */
static size_t put_message(uint8_t *buf, size_t at, uint64_t from,
                          uint64_t to, int64_t tag, const uint8_t *body,
                          size_t len)
{
    uint8_t *p = malloc(DIST_MSG_HEADER + len);
    dist_msg_header(p, from, to, tag);
    memcpy(p + DIST_MSG_HEADER, body, len);
    at = put_frame(buf, at, DIST_MESSAGE, 0, 0, p,
                   (uint32_t)(DIST_MSG_HEADER + len));
    free(p);
    return at;
}

/* The FIRST chunk of message id: header, total length, some body. */
static size_t put_first(uint8_t *buf, size_t at, uint64_t id, uint64_t total,
                        const uint8_t *body, size_t n, unsigned flags)
{
    uint8_t p[DIST_CHUNK_FIRST_HEADER + 64];
    dist_msg_header(p, 7, 8, -3);
    vm_store_le64(p + DIST_MSG_HEADER, total);
    memcpy(p + DIST_CHUNK_FIRST_HEADER, body, n);
    return put_frame(buf, at, DIST_CHUNK, DIST_FLAG_FIRST | flags, id, p,
                     (uint32_t)(DIST_CHUNK_FIRST_HEADER + n));
}

/* A stream of every frame kind, a chunked message with a small message
 * and a heartbeat between its chunks. */
static size_t sample_stream(uint8_t *buf)
{
    const uint8_t body[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    size_t at = put_hello(buf, 0, "node-a", DIST_PROTOCOL, 42);
    at = put_frame(buf, at, DIST_HEARTBEAT, 0, 0, NULL, 0);
    at = put_message(buf, at, 1, 2, 99, body, 10);
    at = put_first(buf, at, 5, 36, body, 12, 0);
    at = put_message(buf, at, 3, 4, -1, body, 0);
    at = put_frame(buf, at, DIST_CHUNK, 0, 5, body + 12, 12);
    at = put_frame(buf, at, DIST_HEARTBEAT, 0, 0, NULL, 0);
    at = put_frame(buf, at, DIST_CHUNK, DIST_FLAG_LAST, 5, body + 24, 12);
    at = put_frame(buf, at, DIST_LINK, 0, 0, "xy", 2);
    at = put_frame(buf, at, DIST_CLOSE, 0, 0, "bye", 3);
    return at;
}

static void check_sample(const seen_t *s, int n)
{
    const uint8_t body[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    cr_assert_eq(n, 8);
    cr_expect_eq(s[0].type, DIST_HELLO);
    cr_expect_eq(s[1].type, DIST_HEARTBEAT);
    cr_expect_eq(s[2].kind, DIST_DEC_MESSAGE);
    cr_expect(s[2].sender == 1 && s[2].receiver == 2 && s[2].tag == 99);
    cr_expect(s[2].len == 10 && s[2].hash == fnv64(body, 10));
    cr_expect(s[3].kind == DIST_DEC_MESSAGE && s[3].len == 0 &&
              s[3].tag == -1);
    cr_expect_eq(s[4].type, DIST_HEARTBEAT);
    /* the chunked message completes with its LAST chunk */
    cr_expect(s[5].kind == DIST_DEC_MESSAGE && s[5].sender == 7 &&
              s[5].receiver == 8 && s[5].tag == -3);
    cr_expect(s[5].len == 36 && s[5].hash == fnv64(body, 36));
    cr_expect(s[6].type == DIST_LINK && s[6].len == 2);
    cr_expect(s[7].type == DIST_CLOSE && s[7].len == 3);
}

Test(dist_frame, decodes_every_kind_one_byte_at_a_time)
{
    uint8_t buf[2048];
    seen_t s[16];
    size_t len = sample_stream(buf);
    dist_decoder_t dec;
    CHECK(dist_decoder_init(&dec, MAX_MSG) == 0);
    check_sample(s, feed_all(&dec, buf, len, 1, s, 16));
    dist_decoder_free(&dec);
}

Test(dist_frame, decodes_in_random_slices_and_all_at_once)
{
    uint8_t buf[2048];
    seen_t s[16];
    size_t len = sample_stream(buf);
    for (int round = 0; round < 200; round++) {
        dist_decoder_t dec;
        CHECK(dist_decoder_init(&dec, MAX_MSG) == 0);
        check_sample(s, feed_all(&dec, buf, len, round ? 0 : len, s, 16));
        dist_decoder_free(&dec);
    }
}

/* A reassembled body can be taken over (then the decoder forgets it and
 * the next one is new memory); a one-frame message's bytes cannot. */
Test(dist_frame, a_chunked_body_can_be_taken_over)
{
    const uint8_t body[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint8_t *buf = calloc(1, 4096);
    size_t at = put_message(buf, 0, 1, 2, 99, body, 10);
    at = put_first(buf, at, 5, 36, body, 12, 0);
    at = put_frame(buf, at, DIST_CHUNK, DIST_FLAG_LAST, 5, body + 12, 24);
    at = put_first(buf, at, 6, 20, body, 12, 0);
    at = put_frame(buf, at, DIST_CHUNK, DIST_FLAG_LAST, 6, body + 12, 8);
    dist_decoder_t dec;
    cr_assert_eq(dist_decoder_init(&dec, 1 << 20), 0);
    dist_dec_out_t o;
    size_t used, off = 0;
    cr_assert_eq(dist_decoder_feed(&dec, buf, at, &used, &o), DIST_DEC_MESSAGE);
    off += used;
    cr_expect_null(dist_decoder_take(&dec, o.msg.data)); /* one frame */
    uint8_t *taken[2];
    for (int i = 0; i < 2; i++) {
        int rc;
        while ((rc = dist_decoder_feed(&dec, buf + off, at - off, &used,
                                       &o)) == DIST_DEC_FRAME ||
               rc == DIST_DEC_NEED)
            off += used;
        off += used;
        cr_assert_eq(rc, DIST_DEC_MESSAGE);
        cr_expect_null(dist_decoder_take(&dec, body)); /* not its bytes */
        taken[i] = dist_decoder_take(&dec, o.msg.data);
        cr_assert_not_null(taken[i]);
        cr_expect_null(dist_decoder_take(&dec, o.msg.data)); /* once */
        cr_expect_eq(memcmp(taken[i], body, o.msg.len), 0);
    }
    cr_expect_eq(off, at);
    dist_decoder_free(&dec); /* frees neither taken body */
    free(taken[0]);
    free(taken[1]);
    free(buf);
}

Test(dist_frame, hello_round_trips_and_checks_tags)
{
    dist_hello_t h, back;
    uint8_t p[4096];
    const char *why = NULL;
    memset(&h, 0, sizeof h);
    h.protocol = DIST_PROTOCOL;
    h.incarnation = 0x0123456789abcdefull;
    strcpy(h.name, "alpha");
    h.ntags = 2;
    strcpy(h.tags[0], "zone=eu");
    strcpy(h.tags[1], "role=");
    int n = dist_hello_encode(&h, p, sizeof p);
    cr_assert_gt(n, 0);
    cr_assert_eq(dist_hello_decode(p, (size_t)n, &back, &why), 0);
    cr_expect(back.incarnation == h.incarnation && back.ntags == 2);
    cr_expect(strcmp(back.name, "alpha") == 0);
    cr_expect(strcmp(back.tags[1], "role=") == 0);
    /* a tag without '=' and a truncated HELLO are refused */
    strcpy(h.tags[1], "role");
    n = dist_hello_encode(&h, p, sizeof p);
    cr_expect_eq(dist_hello_decode(p, (size_t)n, &back, &why),
                 LUN_EMALFORMED);
    cr_expect(strstr(why, "key=value") != NULL);
    cr_expect_eq(dist_hello_decode(p, (size_t)n - 1, &back, &why),
                 LUN_EMALFORMED);
    cr_expect_eq(dist_hello_encode(&h, p, 8), LUN_ELIMIT);
}

/* Feed buf one byte at a time: the decoder must refuse it with a reason
 * containing `why`, having taken no byte past the one that decided. */
static void expect_reject(const uint8_t *buf, size_t len, size_t max_msg,
                          const char *why)
{
    dist_decoder_t dec;
    seen_t s[16];
    CHECK(dist_decoder_init(&dec, max_msg) == 0);
    int n = feed_all(&dec, buf, len, 1, s, 16);
    cr_expect_eq(n, -1, "accepted input that should fail with '%s'", why);
    cr_expect(strstr(dec.reason, why) != NULL, "reason '%s', expected '%s'",
              dec.reason, why);
    cr_expect(strchr(dec.reason, '\n') == NULL);
    dist_decoder_free(&dec);
}

Test(dist_frame, rejects_bad_magic_version_and_type)
{
    uint8_t buf[64];
    size_t len = put_frame(buf, 0, DIST_HEARTBEAT, 0, 0, NULL, 0);
    buf[0] = 'G';
    expect_reject(buf, len, MAX_MSG, "bad magic 0x47");
    buf[0] = DIST_FRAME_MAGIC;
    buf[1] = 2;
    expect_reject(buf, len, MAX_MSG, "unknown frame version 2");
    buf[1] = DIST_FRAME_VERSION;
    buf[2] = 9;
    expect_reject(buf, len, MAX_MSG, "unknown frame type 9");
    buf[2] = 0;
    expect_reject(buf, len, MAX_MSG, "unknown frame type 0");
    /* refused at the byte that decides, not after a whole header */
    expect_reject((const uint8_t *)"G", 1, MAX_MSG, "bad magic 0x47");
    expect_reject(buf, 3, MAX_MSG, "unknown frame type 0");
}

Test(dist_frame, rejects_a_length_over_the_maximum_from_the_header_alone)
{
    uint8_t buf[DIST_FRAME_HEADER];
    dist_frame_header(buf, DIST_MESSAGE, 0, DIST_FRAME_MAX_PAYLOAD + 1, 0);
    expect_reject(buf, sizeof buf, MAX_MSG, "frame length 65537 over");
    dist_frame_header(buf, DIST_HEARTBEAT, 0, 0xffffffffu, 0);
    expect_reject(buf, sizeof buf, MAX_MSG, "over the maximum");
}

Test(dist_frame, rejects_chunks_of_unknown_or_inconsistent_messages)
{
    uint8_t buf[1024], body[64] = {0};
    size_t len = put_frame(buf, 0, DIST_CHUNK, 0, 77, body, 8);
    expect_reject(buf, len, MAX_MSG, "chunk for unknown message 77");
    /* a LAST chunk for a message never started */
    len = put_frame(buf, 0, DIST_CHUNK, DIST_FLAG_LAST, 3, body, 8);
    expect_reject(buf, len, MAX_MSG, "unknown message 3");
    /* a second FIRST with the same id */
    len = put_first(buf, 0, 4, 100, body, 8, 0);
    len = put_first(buf, len, 4, 100, body, 8, 0);
    expect_reject(buf, len, MAX_MSG, "already started");
    /* more bytes than announced */
    len = put_first(buf, 0, 4, 10, body, 8, 0);
    len = put_frame(buf, len, DIST_CHUNK, 0, 4, body, 8);
    expect_reject(buf, len, MAX_MSG, "exceed its length");
    /* fewer bytes than announced at LAST */
    len = put_first(buf, 0, 4, 20, body, 8, 0);
    len = put_frame(buf, len, DIST_CHUNK, DIST_FLAG_LAST, 4, body, 8);
    expect_reject(buf, len, MAX_MSG, "ended short");
    /* a FIRST chunk too short for its header, a MESSAGE too */
    len = put_frame(buf, 0, DIST_CHUNK, DIST_FLAG_FIRST, 4, body, 20);
    expect_reject(buf, len, MAX_MSG, "no message header");
    len = put_frame(buf, 0, DIST_MESSAGE, 0, 0, body, 23);
    expect_reject(buf, len, MAX_MSG, "no message header");
}

Test(dist_frame, rejects_messages_over_the_configured_maximum)
{
    uint8_t buf[2048], body[1024] = {0};
    /* announced too large: refused at its FIRST chunk */
    size_t len = put_first(buf, 0, 1, 1001, body, 8, 0);
    expect_reject(buf, len, 1000, "chunked message of 1001 bytes over");
    /* exactly the maximum is fine */
    len = put_first(buf, 0, 1, 1000, body, 0, 0);
    len = put_frame(buf, len, DIST_CHUNK, DIST_FLAG_LAST, 1, body, 1000);
    dist_decoder_t dec;
    seen_t s[4];
    CHECK(dist_decoder_init(&dec, 1000) == 0);
    cr_expect_eq(feed_all(&dec, buf, len, 7, s, 4), 1);
    cr_expect_eq(s[0].len, 1000);
    dist_decoder_free(&dec);
    /* a single MESSAGE frame over it */
    len = put_message(buf, 0, 1, 2, 0, body, 1001);
    expect_reject(buf, len, 1000, "message of 1001 bytes over");
}

Test(dist_frame, rejects_too_many_chunked_messages_at_once)
{
    size_t cap = (DIST_MAX_PARTIAL + 1) * 64;
    uint8_t *buf = malloc(cap), body[8] = {0};
    size_t len = 0;
    for (unsigned i = 0; i <= DIST_MAX_PARTIAL; i++)
        len = put_first(buf, len, i + 1, 100, body, 8, 0);
    CHECK(len <= cap);
    expect_reject(buf, len, MAX_MSG, "chunked messages at once");
    free(buf);
}

/* Random bytes, and valid streams with random bytes changed: the
 * decoder never crashes (ASan), never takes more than it was given, and
 * every refusal has a reason. */
Test(dist_frame, survives_random_input)
{
    uint8_t sample[2048];
    size_t sample_len = sample_stream(sample);
    srand(12345);
    for (int round = 0; round < 4000; round++) {
        size_t len = (size_t)rand() % 2048;
        uint8_t *buf = malloc(len ? len : 1); /* exact size: ASan sees */
        if (round % 2) {                      /* any read past the end */
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)rand();
            if (len && round % 4 == 1)
                buf[0] = DIST_FRAME_MAGIC; /* get past the first check */
            if (len > 1 && round % 4 == 1)
                buf[1] = DIST_FRAME_VERSION;
        } else {
            len = len < sample_len ? len : sample_len;
            memcpy(buf, sample, len);
            for (int k = 0; k < 1 + rand() % 4 && len; k++)
                buf[(size_t)rand() % len] = (uint8_t)rand();
        }
        dist_decoder_t dec;
        seen_t s[64];
        CHECK(dist_decoder_init(&dec, 4096) == 0);
        if (feed_all(&dec, buf, len, round % 3 ? 0 : 1, s, 64) < 0)
            CHECK(dec.reason[0] != 0);
        dist_decoder_free(&dec);
        free(buf);
    }
}
