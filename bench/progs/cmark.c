/* cmark: a CoreMark-like mix (not CoreMark itself): linked-list search, reversal and
 * merge sort, small int16 matrix kernels, a number-classifying state machine over a
 * byte string, and CRC-16 over every result. Integer-only, no libc in the kernel. */
#define BENCH_NAME "cmark"
#include "bench.h"

#define ITERS BENCH_SIZE(6000u, 60u)
#define LIST_N 400
#define MAT_N 16
#define STR_LEN 1024

/* {===== CRC-16/CCITT, bitwise (as CoreMark does: it is part of the work) */
static uint16_t crc8(uint8_t b, uint16_t crc) {
    crc ^= (uint16_t)(b << 8);
    for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}
static uint16_t crc16(uint16_t v, uint16_t crc) { return crc8((uint8_t)(v >> 8), crc8((uint8_t)v, crc)); }
static uint16_t crc32v(uint32_t v, uint16_t crc) { return crc16((uint16_t)(v >> 16), crc16((uint16_t)v, crc)); }
/* }===== */

/* {===== linked list */
typedef struct node {
    struct node *next;
    int16_t data;
    uint16_t idx;
} node;
static node pool[LIST_N];

static node *list_build(uint32_t seed) {
    node *head = 0;
    for (int i = LIST_N - 1; i >= 0; i--) {
        pool[i].idx = (uint16_t)i;
        pool[i].data = (int16_t)(bench_rng(&seed) & 0x7fff);
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static node *list_reverse(node *l) {
    node *prev = 0;
    while (l) {
        node *n = l->next;
        l->next = prev;
        prev = l;
        l = n;
    }
    return prev;
}

static int cmp_data(const node *a, const node *b) { return a->data - b->data; }
static int cmp_idx(const node *a, const node *b) { return (int)a->idx - (int)b->idx; }

/* bottom-up merge sort of a singly linked list (stable) */
static node *list_sort(node *l, int (*cmp)(const node *, const node *)) {
    for (int width = 1;; width *= 2) {
        node *p = l, *tail = 0, *head = 0;
        int merges = 0;
        while (p) {
            merges++;
            node *q = p;
            int ps = 0, qs = width;
            while (ps < width && q) { ps++; q = q->next; }
            while (ps > 0 || (qs > 0 && q)) {
                node *e;
                if (ps == 0) { e = q; q = q->next; qs--; }
                else if (qs == 0 || !q || cmp(p, q) <= 0) { e = p; p = p->next; ps--; }
                else { e = q; q = q->next; qs--; }
                if (tail) tail->next = e; else head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        l = head;
        if (merges <= 1) return l;
    }
}

static uint16_t list_work(node **lp, uint32_t it, uint16_t crc) {
    node *l = *lp;
    /* find a few values; count hits and record positions */
    for (uint32_t k = 0; k < 8; k++) {
        int16_t want = (int16_t)((it * 131u + k * 977u) & 0x7fff);
        uint16_t pos = 0;
        node *n = l;
        while (n && n->data > want) { n = n->next; pos++; }
        crc = crc16(pos, crc);
    }
    l = list_reverse(l);
    l = list_sort(l, cmp_data);
    for (node *n = l; n; n = n->next) n->data = (int16_t)((n->data ^ (int16_t)it) & 0x7fff);
    l = list_sort(l, cmp_idx);
    crc = crc16((uint16_t)l->data, crc);
    crc = crc16((uint16_t)l->next->next->data, crc);
    *lp = l;
    return crc;
}
/* }===== */

/* {===== matrix */
static int16_t ma[MAT_N * MAT_N], mb[MAT_N * MAT_N];
static int32_t mc[MAT_N * MAT_N];

static uint16_t mat_work(uint32_t it, uint16_t crc) {
    int16_t k = (int16_t)(it & 0xff) | 1;
    for (int i = 0; i < MAT_N * MAT_N; i++) ma[i] = (int16_t)(ma[i] + k);
    /* matrix times constant */
    int32_t s = 0;
    for (int i = 0; i < MAT_N * MAT_N; i++) { mc[i] = (int32_t)ma[i] * k; s += mc[i] > 4096 ? 1 : 0; }
    crc = crc32v((uint32_t)s, crc);
    /* matrix times vector (first row of b as the vector) */
    for (int i = 0; i < MAT_N; i++) {
        int32_t acc = 0;
        for (int j = 0; j < MAT_N; j++) acc += (int32_t)ma[i * MAT_N + j] * mb[j];
        mc[i] = acc;
        crc = crc32v((uint32_t)acc, crc);
    }
    /* matrix times matrix, then extract bit fields of each element */
    s = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int x = 0; x < MAT_N; x++) acc += (int32_t)ma[i * MAT_N + x] * mb[x * MAT_N + j];
            mc[i * MAT_N + j] = acc;
            s += (acc >> 2) & 0xf;
            s += (acc >> 5) & 0x7f;
        }
    crc = crc32v((uint32_t)s, crc);
    /* undo most of the additions so the values stay bounded */
    for (int i = 0; i < MAT_N * MAT_N; i++) ma[i] = (int16_t)((ma[i] - k) & 0x0fff);
    return crc;
}
/* }===== */

/* {===== state machine: classify comma-separated tokens as int / float / sci / invalid */
enum { S_START, S_INT, S_SIGN, S_FLOAT, S_EXP, S_EXPSIGN, S_SCI, S_INVALID, S_N };
static uint8_t str[STR_LEN];

static void str_build(uint32_t seed) {
    static const char *const toks[] = {"5012", "1234", "-874", "+122", "35.54400", ".1234500", "-110.700",
                                       "+0.64400", "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12",
                                       "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^"};
    int n = 0;
    while (n < STR_LEN - 12) {
        const char *t = toks[bench_rng(&seed) & 15];
        while (*t) str[n++] = (uint8_t)*t++;
        str[n++] = ',';
    }
    while (n < STR_LEN) str[n++] = 0;
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static int next_state(int s, uint8_t c) {
    switch (s) {
    case S_START:
        if (is_digit(c)) return S_INT;
        if (c == '+' || c == '-') return S_SIGN;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_SIGN:
        if (is_digit(c)) return S_INT;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_INT:
        if (c == '.') return S_FLOAT;
        if (!is_digit(c)) return S_INVALID;
        return S_INT;
    case S_FLOAT:
        if (c == 'e' || c == 'E') return S_EXP;
        if (!is_digit(c)) return S_INVALID;
        return S_FLOAT;
    case S_EXP:
        if (c == '+' || c == '-') return S_EXPSIGN;
        return S_INVALID;
    case S_EXPSIGN:
        if (is_digit(c)) return S_SCI;
        return S_INVALID;
    case S_SCI:
        if (!is_digit(c)) return S_INVALID;
        return S_SCI;
    default:
        return S_INVALID;
    }
}

static uint16_t state_work(uint32_t it, uint16_t crc) {
    uint32_t final[S_N] = {0}, trans[S_N] = {0};
    int s = S_START;
    for (int i = 0; i < STR_LEN && str[i]; i++) {
        if (str[i] == ',') {
            final[s]++;
            s = S_START;
            continue;
        }
        int ns = next_state(s, str[i]);
        if (ns != s) trans[ns]++;
        s = ns;
    }
    for (int i = 0; i < S_N; i++) crc = crc32v(final[i] * 7u + trans[i], crc);
    /* corrupt a few bytes (and restore the previous ones) so every pass differs */
    uint32_t p = (it * 97u) % (STR_LEN - 64);
    for (int k = 0; k < 4; k++) str[p + (uint32_t)k * 13u] ^= 0x13;
    return crc;
}
/* }===== */

uint32_t bench_run(void) {
    node *l = list_build(0x1234567u);
    uint32_t seed = 99;
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        ma[i] = (int16_t)(bench_rng(&seed) & 0xfff);
        mb[i] = (int16_t)((bench_rng(&seed) & 0xfff) - 0x800);
    }
    str_build(0xabcdefu);
    uint16_t crc = 0;
    for (uint32_t it = 0; it < ITERS; it++) {
        crc = list_work(&l, it, crc);
        crc = mat_work(it, crc);
        crc = state_work(it, crc);
    }
    return crc;
}
