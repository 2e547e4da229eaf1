/* json.h: a small, strict JSON parser (RFC 8259) for the spec-test runner.
 * Parses a whole document into a tree; strings keep their byte length
 * because they may hold NUL bytes (e.g. "\u0000" in export names). */
#ifndef LUN_JSON_H
#define LUN_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_type type;
    union {
        bool boolean;
        double number;
        struct {
            char *bytes; /* UTF-8, NUL-terminated, may hold NUL bytes */
            size_t len;
        } string;
        struct {
            json_value *items;
            size_t count;
        } array;
        struct {
            json_member *members; /* in document order */
            size_t count;
        } object;
    } u;
};

struct json_member {
    char *key; /* NUL-terminated, may hold NUL bytes */
    size_t key_len;
    json_value value;
};

/* Parse len bytes of UTF-8 text. On success stores a tree that the caller
 * frees with json_free() and returns 0. Returns LUN_EMALFORMED (with
 * "line L, column C: reason" in err, if err is not NULL) or LUN_ENOMEM.
 * Nesting deeper than JSON_MAX_DEPTH is rejected as malformed. */
#define JSON_MAX_DEPTH 256
int json_parse(const char *text, size_t len, json_value **out, char *err,
               size_t errlen);
void json_free(json_value *v);

/* Member `key` of an object (the first one if repeated), or NULL if v is
 * not an object or has no such member. */
const json_value *json_get(const json_value *v, const char *key);
/* Member `key` if it is a string (its length in *len if len is not NULL),
 * else NULL. */
const char *json_get_string(const json_value *v, const char *key,
                            size_t *len);
/* Member `key` if it is a number, else `fallback`. */
double json_get_number(const json_value *v, const char *key,
                       double fallback);
/* Member `key` if it is an array (its length in *count), else NULL. */
const json_value *json_get_array(const json_value *v, const char *key,
                                 size_t *count);

#endif
