/* sqlite_tests.c: end-to-end tests of lunatic::sqlite, one per argv[1]:
 * "sqlite DIR" (DIR preopened: :memory: and a file under DIR, binds of
 * every BindValue kind by numeric, named and positional keys, columns,
 * rows, names, changes, execute errors, last_error, opening outside the
 * preopens refused) and "bad_bind" (a malformed BindList traps). Prints
 * "ok NAME" and exits 0, or "FAIL ..." and 1. Run by tests/sched/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sdk/lunatic.h"

#include "check.h"

/* The host returns rows, names and errors in memory it gets from here. */
__attribute__((export_name("lunatic_alloc"))) int32_t lunatic_alloc(int32_t n);
int32_t lunatic_alloc(int32_t n)
{
    return (int32_t)(uintptr_t)malloc(n ? (size_t)n : 1);
}

/* {===== bincode writer and reader (little-endian, u64 lengths) */

typedef struct wr {
    uint8_t d[512];
    size_t n;
} wr_t;

static void w_raw(wr_t *w, const void *p, size_t n)
{
    CHECK(w->n + n <= sizeof w->d);
    memcpy(w->d + w->n, p, n);
    w->n += n;
}
static void w_u32(wr_t *w, uint32_t v) { w_raw(w, &v, 4); }
static void w_u64(wr_t *w, uint64_t v) { w_raw(w, &v, 8); }
static void w_str(wr_t *w, const void *s, size_t n)
{
    w_u64(w, n);
    w_raw(w, s, n);
}

enum { K_NONE, K_NUM, K_STR };
enum { V_NULL, V_BLOB, V_TEXT, V_DOUBLE, V_INT, V_INT64 };

static void key_num(wr_t *w, uint64_t i)
{
    w_u32(w, K_NUM);
    w_u64(w, i);
}
static void key_str(wr_t *w, const char *s)
{
    w_u32(w, K_STR);
    w_str(w, s, strlen(s));
}

/* A host buffer: (pointer, length written as a u32). */
typedef struct hb {
    uint8_t *p;
    uint32_t n;
} hb_t;

/* }===== */

static uint64_t open_db(const char *path)
{
    uint64_t id = 99;
    CHECK(lunatic_sqlite_open((int32_t)(uintptr_t)path, (int32_t)strlen(path),
                              (int32_t)(uintptr_t)&id) == 0);
    return id;
}

static int32_t exec_sql(uint64_t c, const char *sql)
{
    return lunatic_sqlite_execute((int64_t)c, (int32_t)(uintptr_t)sql,
                                  (int32_t)strlen(sql));
}

static uint64_t prepare(uint64_t c, const char *sql)
{
    return (uint64_t)lunatic_sqlite_query_prepare(
        (int64_t)c, (int32_t)(uintptr_t)sql, (int32_t)strlen(sql));
}

static void bind(uint64_t st, const wr_t *w)
{
    lunatic_sqlite_bind_value((int64_t)st, (int32_t)(uintptr_t)w->d,
                              (int32_t)w->n);
}

/* Row 1 by numeric and named keys, row 2 by position (BindKey::None),
 * covering every BindValue kind. */
static void insert_rows(uint64_t c)
{
    static const uint8_t blob[3] = {1, 0, 2};
    double d = 2.5;
    wr_t w = {.n = 0};
    uint64_t st = prepare(c, "INSERT INTO t VALUES (?1, ?2, ?3, :d, :i, :j)");
    w_u64(&w, 6);
    key_num(&w, 1), w_u32(&w, V_INT64), w_u64(&w, (uint64_t)1 << 40);
    key_num(&w, 2), w_u32(&w, V_BLOB), w_str(&w, blob, 3);
    key_num(&w, 3), w_u32(&w, V_TEXT), w_str(&w, "h\xc3\xa9", 3);
    key_str(&w, ":d"), w_u32(&w, V_DOUBLE), w_raw(&w, &d, 8);
    key_str(&w, ":i"), w_u32(&w, V_INT), w_u32(&w, (uint32_t)-7);
    key_str(&w, ":j"), w_u32(&w, V_NULL);
    bind(st, &w);
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 101);
    CHECK(lunatic_sqlite_sqlite3_changes((int64_t)c) == 1);
    lunatic_sqlite_statement_reset((int64_t)st);
    w.n = 0;
    w_u64(&w, 6);
    w_u32(&w, K_NONE), w_u32(&w, V_INT), w_u32(&w, (uint32_t)1 << 30);
    w_u32(&w, K_NONE), w_u32(&w, V_NULL);
    w_u32(&w, K_NONE), w_u32(&w, V_TEXT), w_str(&w, "", 0);
    w_u32(&w, K_NONE), w_u32(&w, V_NULL);
    w_u32(&w, K_NONE), w_u32(&w, V_INT64), w_u64(&w, (uint64_t)-3);
    w_u32(&w, K_NONE), w_u32(&w, V_BLOB), w_str(&w, "", 0);
    bind(st, &w);
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 101);
    lunatic_sqlite_sqlite3_finalize((int64_t)st);
}

static hb_t read_col(uint64_t st, int32_t i)
{
    hb_t h;
    h.n = 0xdeadbeef;
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_read_column(
        (int64_t)st, i, (int32_t)(uintptr_t)&h.n);
    return h;
}

static void check_hb(hb_t h, const wr_t *want)
{
    CHECK(h.n == want->n);
    CHECK(memcmp(h.p, want->d, h.n) == 0);
    free(h.p);
}

/* Row 1, column by column and whole, as SqliteValue bincode. */
static void check_row1(uint64_t st)
{
    double d = 2.5;
    wr_t v[6], row = {.n = 0};
    for (int i = 0; i < 6; i++)
        v[i].n = 0;
    w_u32(&v[0], 4), w_u64(&v[0], (uint64_t)1 << 40); /* Integer */
    w_u32(&v[1], 1), w_str(&v[1], "\1\0\2", 3);       /* Blob */
    w_u32(&v[2], 2), w_str(&v[2], "h\xc3\xa9", 3);     /* Text */
    w_u32(&v[3], 3), w_raw(&v[3], &d, 8);              /* Double */
    w_u32(&v[4], 4), w_u64(&v[4], (uint64_t)-7);
    w_u32(&v[5], 0);                                   /* Null */
    w_u64(&row, 6);
    for (int i = 0; i < 6; i++) {
        check_hb(read_col(st, i), &v[i]);
        w_raw(&row, v[i].d, v[i].n);
    }
    hb_t h;
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_read_row(
        (int64_t)st, (int32_t)(uintptr_t)&h.n);
    check_hb(h, &row);
}

static void check_names(uint64_t st)
{
    static const char *const names[6] = {"id", "b", "s", "d", "i", "j"};
    wr_t want = {.n = 0};
    hb_t h;
    CHECK(lunatic_sqlite_column_count((int64_t)st) == 6);
    w_u64(&want, 6);
    for (int i = 0; i < 6; i++)
        w_str(&want, names[i], strlen(names[i]));
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_column_names(
        (int64_t)st, (int32_t)(uintptr_t)&h.n);
    check_hb(h, &want);
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_column_name(
        (int64_t)st, 2, (int32_t)(uintptr_t)&h.n);
    CHECK(h.n == 1 && h.p[0] == 's');
    free(h.p);
}

static void query_rows(uint64_t c)
{
    uint64_t st = prepare(c, "SELECT id, b, s, d, i, j FROM t ORDER BY id "
                             "DESC");
    check_names(st);
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 100);
    check_row1(st);
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 100);
    wr_t want = {.n = 0};
    w_u32(&want, 4), w_u64(&want, (uint64_t)1 << 30);
    check_hb(read_col(st, 0), &want);
    want.n = 0;
    w_u32(&want, 1), w_str(&want, "", 0); /* an empty blob stays a blob */
    check_hb(read_col(st, 5), &want);
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 101);
    lunatic_sqlite_sqlite3_finalize((int64_t)st);
}

/* execute's code, then last_error's SqliteError{Some(1), Some(msg)}. */
static void check_errors(uint64_t c)
{
    hb_t h;
    CHECK(exec_sql(c, "INSERT INTO nosuch VALUES (1)") == 1);
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_last_error(
        (int64_t)c, (int32_t)(uintptr_t)&h.n);
    CHECK(h.n > 14 && h.p[0] == 1 && h.p[1] == 1 && h.p[5] == 1);
    uint64_t ml;
    memcpy(&ml, h.p + 6, 8);
    CHECK(ml == h.n - 14);
    char *msg = strndup((const char *)h.p + 14, (size_t)ml);
    CHECK(msg && strstr(msg, "no such table"));
    free(msg);
    free(h.p);
    CHECK(exec_sql(c, "SELEC nonsense") == 1);
    CHECK(exec_sql(c, "SELECT 1") == 0);
    h.p = (uint8_t *)(uintptr_t)lunatic_sqlite_last_error(
        (int64_t)c, (int32_t)(uintptr_t)&h.n);
    CHECK(h.n == 2 && h.p[0] == 0 && h.p[1] == 0); /* None, None */
    free(h.p);
}

static void exercise(uint64_t c)
{
    CHECK(exec_sql(c, "CREATE TABLE t (id INTEGER, b BLOB, s TEXT, d REAL, "
                      "i INTEGER, j)") == 0);
    insert_rows(c);
    query_rows(c);
    check_errors(c);
}

/* Opening outside the preopens: 1 and an error id naming the path. */
static void check_refused(const char *path)
{
    uint64_t id = 99;
    char msg[512];
    CHECK(lunatic_sqlite_open((int32_t)(uintptr_t)path, (int32_t)strlen(path),
                              (int32_t)(uintptr_t)&id) == 1);
    int32_t n = lunatic_error_string_size((int64_t)id);
    CHECK(n > 0 && (size_t)n < sizeof msg);
    lunatic_error_to_string((int64_t)id, (int32_t)(uintptr_t)msg);
    msg[n] = '\0';
    CHECK(strstr(msg, "preopened") && strstr(msg, path));
    lunatic_error_drop((int64_t)id);
}

static void t_sqlite(const char *dir)
{
    char path[512], out[512];
    uint64_t mem = open_db(":memory:");
    CHECK(mem == 0); /* ids per process, from 0 */
    exercise(mem);
    snprintf(path, sizeof path, "%s/test.db", dir);
    uint64_t f = open_db(path);
    CHECK(f == 1);
    exercise(f);
    /* A second connection sees what the first wrote to the file. */
    uint64_t g = open_db(path);
    uint64_t st = prepare(g, "SELECT count(*) FROM t");
    CHECK(lunatic_sqlite_sqlite3_step((int64_t)st) == 100);
    wr_t want = {.n = 0};
    w_u32(&want, 4), w_u64(&want, 2);
    check_hb(read_col(st, 0), &want);
    lunatic_sqlite_sqlite3_finalize((int64_t)st);
    snprintf(out, sizeof out, "%s/../outside.db", dir);
    check_refused(out);
    check_refused("/outside_preopens.db");
    /* run.sh made DIR/link.db a dangling symlink to a file outside. */
    snprintf(out, sizeof out, "%s/link.db", dir);
    check_refused(out);
}

static void t_bad_bind(void)
{
    uint64_t c = open_db(":memory:");
    uint64_t st = prepare(c, "SELECT ?1");
    wr_t w = {.n = 0};
    w_u64(&w, 1);
    key_num(&w, 1);
    w_u32(&w, V_TEXT);
    w_u64(&w, 1000); /* longer than the data */
    bind(st, &w);
    printf("FAIL bind_value accepted a truncated BindList\n");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "sqlite")) {
        t_sqlite(argv[2]);
    } else if (argc > 1 && !strcmp(argv[1], "bad_bind")) {
        t_bad_bind();
    } else {
        printf("FAIL unknown test %s\n", argc > 1 ? argv[1] : "(none)");
        return 1;
    }
    printf("ok %s\n", argv[1]);
    return 0;
}
