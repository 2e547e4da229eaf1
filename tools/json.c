/* json.c: a small, strict recursive-descent JSON parser (see json.h).
 * Rejects anything RFC 8259 does not allow: trailing commas, leading zeros,
 * control characters in strings, lone surrogates, invalid UTF-8. */
#include "common/lun_prefix.h"

#include "tools/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_err.h"

typedef struct json_parser {
    const char *text;
    size_t len, pos;
    unsigned depth;
    int rc; /* first error: LUN_EMALFORMED or LUN_ENOMEM */
    char *err;
    size_t errlen;
} json_parser;

static int parse_value(json_parser *p, json_value *out);

/* Record the first error with its line and column (both from 1). */
static int fail(json_parser *p, int rc, const char *why)
{
    if (p->rc == 0) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < p->pos && i < p->len; i++) {
            if (p->text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        p->rc = rc;
        if (p->err != NULL && p->errlen > 0)
            snprintf(p->err, p->errlen, "line %zu, column %zu: %s", line, col,
                     why);
    }
    return p->rc;
}

static void skip_space(json_parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const json_parser *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static int expect_word(json_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, LUN_EMALFORMED, "unexpected character");
    p->pos += n;
    return 0;
}

/* {===== numbers */

static size_t skip_digits(json_parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    return p->pos - start;
}

/* Check the RFC 8259 number grammar, then let strtod convert a copy (the
 * input need not be NUL-terminated). */
static int parse_number(json_parser *p, json_value *out)
{
    size_t start = p->pos;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (skip_digits(p) == 0) {
        return fail(p, LUN_EMALFORMED, "bad number");
    }
    if (peek(p) == '.') {
        p->pos++;
        if (skip_digits(p) == 0)
            return fail(p, LUN_EMALFORMED, "bad number fraction");
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (skip_digits(p) == 0)
            return fail(p, LUN_EMALFORMED, "bad number exponent");
    }
    size_t n = p->pos - start;
    char small[64], *copy = small;
    if (n >= sizeof small && (copy = malloc(n + 1)) == NULL)
        return fail(p, LUN_ENOMEM, "out of memory");
    memcpy(copy, p->text + start, n);
    copy[n] = '\0';
    out->type = JSON_NUMBER;
    out->u.number = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return 0;
}

/* }===== */
/* {===== strings */

static size_t put_utf8(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xc0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xe0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    dst[0] = (char)(0xf0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    dst[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s (of at most n bytes), or 0
 * if it is overlong, a surrogate, above U+10FFFF or truncated. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    size_t need;
    uint32_t cp, min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        need = 2, cp = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        need = 3, cp = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        need = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

static int read_hex4(json_parser *p, uint32_t *out)
{
    uint32_t v = 0;
    if (p->len - p->pos < 4)
        return fail(p, LUN_EMALFORMED, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        char c = p->text[p->pos++];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return fail(p, LUN_EMALFORMED, "bad hex digit in \\u escape");
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* After "\u": one code point, joining a surrogate pair. */
static int read_unicode_escape(json_parser *p, uint32_t *out)
{
    uint32_t hi = 0, lo = 0;
    if (read_hex4(p, &hi) != 0)
        return p->rc;
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail(p, LUN_EMALFORMED, "lone low surrogate");
    if (hi < 0xd800 || hi > 0xdbff) {
        *out = hi;
        return 0;
    }
    if (p->len - p->pos < 2 || p->text[p->pos] != '\\' ||
        p->text[p->pos + 1] != 'u')
        return fail(p, LUN_EMALFORMED, "lone high surrogate");
    p->pos += 2;
    if (read_hex4(p, &lo) != 0)
        return p->rc;
    if (lo < 0xdc00 || lo > 0xdfff)
        return fail(p, LUN_EMALFORMED, "high surrogate without low one");
    *out = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    return 0;
}

static int read_escape(json_parser *p, char *dst, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (p->pos >= p->len)
        return fail(p, LUN_EMALFORMED, "unterminated string");
    char c = p->text[p->pos++];
    const char *hit = c != '\0' ? strchr(from, c) : NULL;
    if (hit != NULL) {
        dst[(*n)++] = to[hit - from];
        return 0;
    }
    if (c != 'u')
        return fail(p, LUN_EMALFORMED, "bad escape");
    uint32_t cp = 0;
    if (read_unicode_escape(p, &cp) != 0)
        return p->rc;
    *n += put_utf8(dst + *n, cp);
    return 0;
}

/* At the opening quote. The decoded text is never longer than its source
 * (an escape of k bytes decodes to at most k-2), so find the closing quote
 * first and allocate once. */
static int parse_string(json_parser *p, char **out, size_t *out_len)
{
    size_t start = ++p->pos, end = start;
    while (end < p->len && p->text[end] != '"')
        end += p->text[end] == '\\' ? 2 : 1;
    if (end >= p->len)
        return fail(p, LUN_EMALFORMED, "unterminated string");
    char *dst = malloc(end - start + 1);
    size_t n = 0;
    if (dst == NULL)
        return fail(p, LUN_ENOMEM, "out of memory");
    while (p->pos < end) {
        const unsigned char *s = (const unsigned char *)p->text + p->pos;
        size_t k;
        if (*s == '\\') {
            p->pos++;
            if (read_escape(p, dst, &n) != 0)
                break;
        } else if (*s < 0x20) {
            fail(p, LUN_EMALFORMED, "control character in string");
            break;
        } else if ((k = utf8_sequence_length(s, end - p->pos)) == 0) {
            fail(p, LUN_EMALFORMED, "invalid UTF-8 in string");
            break;
        } else {
            memcpy(dst + n, s, k);
            n += k, p->pos += k;
        }
    }
    if (p->rc != 0) {
        free(dst);
        return p->rc;
    }
    p->pos = end + 1;
    dst[n] = '\0';
    *out = dst;
    *out_len = n;
    return 0;
}

/* }===== */
/* {===== arrays and objects */

/* Make room for one more element of `size` bytes in *items. */
static int grow(json_parser *p, void **items, size_t count, size_t *cap,
                size_t size)
{
    if (count < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = realloc(*items, ncap * size);
    if (n == NULL)
        return fail(p, LUN_ENOMEM, "out of memory");
    *items = n;
    *cap = ncap;
    return 0;
}

/* After an element: ',' continues (returns 1), `close` ends (returns 0). */
static int next_or_close(json_parser *p, char close)
{
    skip_space(p);
    int c = peek(p);
    p->pos++;
    if (c == ',')
        return 1;
    if (c == close)
        return 0;
    p->pos--;
    return fail(p, LUN_EMALFORMED, "expected ',' or closing bracket");
}

static int parse_array(json_parser *p, json_value *out)
{
    size_t cap = 0;
    out->type = JSON_ARRAY;
    out->u.array.items = NULL;
    out->u.array.count = 0;
    p->pos++;
    skip_space(p);
    if (peek(p) == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        void *items = out->u.array.items;
        int more;
        if (grow(p, &items, out->u.array.count, &cap, sizeof(json_value)))
            return p->rc;
        out->u.array.items = items;
        /* Counted first so json_free() also frees a half-built element. */
        out->u.array.items[out->u.array.count].type = JSON_NULL;
        if (parse_value(p, &out->u.array.items[out->u.array.count++]) != 0)
            return p->rc;
        if ((more = next_or_close(p, ']')) <= 0)
            return more;
    }
}

static int parse_member(json_parser *p, json_member *m)
{
    skip_space(p);
    if (peek(p) != '"')
        return fail(p, LUN_EMALFORMED, "expected a string key");
    if (parse_string(p, &m->key, &m->key_len) != 0)
        return p->rc;
    m->value.type = JSON_NULL;
    skip_space(p);
    if (peek(p) != ':')
        return fail(p, LUN_EMALFORMED, "expected ':'");
    p->pos++;
    return parse_value(p, &m->value);
}

static int parse_object(json_parser *p, json_value *out)
{
    size_t cap = 0;
    out->type = JSON_OBJECT;
    out->u.object.members = NULL;
    out->u.object.count = 0;
    p->pos++;
    skip_space(p);
    if (peek(p) == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        void *members = out->u.object.members;
        json_member *m;
        int more;
        if (grow(p, &members, out->u.object.count, &cap, sizeof *m))
            return p->rc;
        out->u.object.members = members;
        m = &out->u.object.members[out->u.object.count];
        m->key = NULL;
        m->value.type = JSON_NULL;
        /* Counted first so json_free() also frees a half-built member. */
        out->u.object.count++;
        if (parse_member(p, m) != 0)
            return p->rc;
        if ((more = next_or_close(p, '}')) <= 0)
            return more;
    }
}

/* }===== */

static int parse_value(json_parser *p, json_value *out)
{
    int rc;
    out->type = JSON_NULL;
    skip_space(p);
    if (++p->depth > JSON_MAX_DEPTH)
        return fail(p, LUN_EMALFORMED, "nested too deeply");
    switch (peek(p)) {
    case '{': rc = parse_object(p, out); break;
    case '[': rc = parse_array(p, out); break;
    case '"':
        out->type = JSON_STRING;
        out->u.string.bytes = NULL;
        rc = parse_string(p, &out->u.string.bytes, &out->u.string.len);
        break;
    case 't':
    case 'f':
        out->type = JSON_BOOL;
        out->u.boolean = peek(p) == 't';
        rc = expect_word(p, out->u.boolean ? "true" : "false");
        break;
    case 'n': rc = expect_word(p, "null"); break;
    case -1: rc = fail(p, LUN_EMALFORMED, "unexpected end of input"); break;
    default:
        if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9'))
            rc = parse_number(p, out);
        else
            rc = fail(p, LUN_EMALFORMED, "unexpected character");
    }
    p->depth--;
    return rc;
}

static void free_children(json_value *v)
{
    switch (v->type) {
    case JSON_STRING: free(v->u.string.bytes); break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.count; i++)
            free_children(&v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.count; i++) {
            free(v->u.object.members[i].key);
            free_children(&v->u.object.members[i].value);
        }
        free(v->u.object.members);
        break;
    default: break;
    }
}

int json_parse(const char *text, size_t len, json_value **out, char *err,
               size_t errlen)
{
    json_parser p = {text, len, 0, 0, 0, err, errlen};
    json_value *root = malloc(sizeof *root);
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (root == NULL)
        return fail(&p, LUN_ENOMEM, "out of memory");
    if (parse_value(&p, root) == 0) {
        skip_space(&p);
        if (p.pos < p.len)
            fail(&p, LUN_EMALFORMED, "trailing characters after the value");
    }
    if (p.rc != 0) {
        json_free(root);
        return p.rc;
    }
    *out = root;
    return 0;
}

void json_free(json_value *v)
{
    if (v == NULL)
        return;
    free_children(v);
    free(v);
}

const json_value *json_get(const json_value *v, const char *key)
{
    if (v == NULL || v->type != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < v->u.object.count; i++) {
        const json_member *m = &v->u.object.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

const char *json_get_string(const json_value *v, const char *key,
                            size_t *len)
{
    const json_value *s = json_get(v, key);
    if (s == NULL || s->type != JSON_STRING)
        return NULL;
    if (len != NULL)
        *len = s->u.string.len;
    return s->u.string.bytes;
}

double json_get_number(const json_value *v, const char *key, double fallback)
{
    const json_value *n = json_get(v, key);
    return n != NULL && n->type == JSON_NUMBER ? n->u.number : fallback;
}

const json_value *json_get_array(const json_value *v, const char *key,
                                 size_t *count)
{
    const json_value *a = json_get(v, key);
    if (a == NULL || a->type != JSON_ARRAY)
        return NULL;
    if (count != NULL)
        *count = a->u.array.count;
    return a;
}
