/* sqlite.c: the lunatic::sqlite host functions over the system SQLite
 * (LUNATIC_ABI.md, the lunatic::sqlite table and 1.3.10). Connections and
 * statements are resources of the process (res_sqlite_conn,
 * res_sqlite_stmt), released with the rest of its table when it ends:
 * in any order, as sqlite3_close_v2 waits for a connection's last
 * statement to be finalized.
 * Gathered by host.c. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/host_int.h"

/* The longest string, blob or row a connection holds, and the longest
 * SQL text it takes (SQLite's own defaults are 1e9 bytes). Values are
 * copied on the worker, twice, when the guest reads them; these keep that
 * to a few milliseconds. SQL text is parsed on the worker (query_prepare):
 * 1 MB was SQLite's own default until 3.8. */
#define SQL_VALUE_MAX (16 << 20)
#define SQL_TEXT_MAX 1000000
/* Longest path sqlite::open accepts (PATH_MAX-sized buffers below). */
#define PATH_LEN 4096

/* {===== helpers */

static void finalize_stmt(void *s) { sqlite3_finalize(s); }
static void close_conn(void *db) { sqlite3_close_v2(db); }

static const sched_res_kind_t res_sqlite_conn = {"sqlite connection",
                                                 close_conn};
static const sched_res_kind_t res_sqlite_stmt = {"sqlite statement",
                                                 finalize_stmt};

static sqlite3 *get_conn(vm_exec_t *ex, uint64_t id)
{
    sqlite3 *db = sched__restab_get(&sched__cur(ex)->res, &res_sqlite_conn, id);
    if (!db)
        host__trap(ex, "lunatic::sqlite: unknown connection id");
    return db;
}

static sqlite3_stmt *get_stmt(vm_exec_t *ex, uint64_t id)
{
    sqlite3_stmt *s = sched__restab_get(&sched__cur(ex)->res,
                                        &res_sqlite_stmt, id);
    if (!s)
        host__trap(ex, "lunatic::sqlite: unknown statement id");
    return s;
}

static vm_status trap_sqlite(vm_exec_t *ex, const char *fn, sqlite3 *db)
{
    char msg[256];
    snprintf(msg, sizeof msg, "lunatic::sqlite::%s: %s", fn,
             db ? sqlite3_errmsg(db) : "error");
    return host__trap(ex, msg);
}

/* A growing byte buffer for the bincode answers; `oom` sticks. */
typedef struct obuf {
    uint8_t *d;
    size_t n, cap;
    bool oom;
} obuf_t;

static void ob_put(obuf_t *b, const void *src, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len)
            cap *= 2;
        uint8_t *d = realloc(b->d, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->d = d;
        b->cap = cap;
    }
    if (len)
        memcpy(b->d + b->n, src, len);
    b->n += len;
}

/* bincode 1.x: little-endian fixed-width integers. */
static void ob_u64(obuf_t *b, uint64_t v)
{
    uint8_t t[8];
    host__put_u64(t, v);
    ob_put(b, t, 8);
}

static void ob_u32(obuf_t *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    ob_put(b, t, 4);
}

/* Vec<u8> and String: a u64 length, then the bytes. */
static void ob_bytes(obuf_t *b, const void *src, size_t len)
{
    ob_u64(b, len);
    ob_put(b, src, len);
}

/* Hand b to the guest (host__give_guest): the pointer as the call's
 * result, the length (u32, quirk 1) at opaque_ptr. Frees b. */
static vm_status give_guest(vm_exec_t *ex, obuf_t *b, uint32_t opaque_ptr,
                            vm_slot *a)
{
    vm_status st = b->oom ? host__trap(ex, "lunatic::sqlite: out of memory")
                          : host__give_guest(ex, "lunatic::sqlite", b->d,
                                             b->n, opaque_ptr, a);
    free(b->d);
    return st;
}

/* A NUL-terminated copy of guest bytes (NULL: bounds, NUL inside, OOM). */
static char *guest_cstr(vm_exec_t *ex, uint32_t ptr, uint32_t len)
{
    const uint8_t *s = host__guest(ex, ptr, len);
    char *c;
    if (len > SQL_VALUE_MAX)
        return NULL;
    vm_exec_charge(ex, len / SCHED_COPY_BYTES_PER_RED);
    if (!s || memchr(s, 0, len) || !(c = malloc((size_t)len + 1)))
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

/* }===== */
/* {===== can_access_fs_location */

/* The canonical form of path, which need not exist yet (its directory
 * must): symlinks and ".." resolved, so no path escapes a preopen. */
static bool resolve(const char *path, char *out)
{
    char dir[PATH_LEN];
    if (realpath(path, out))
        return true;
    struct stat st;
    /* A dangling symlink: SQLite would create its target, anywhere. */
    if (errno != ENOENT || lstat(path, &st) == 0)
        return false;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dl = slash ? (size_t)(slash - path) : 0;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") ||
        dl >= sizeof dir)
        return false;
    if (!slash) {
        strcpy(dir, ".");
    } else if (!dl) {
        strcpy(dir, "/"); /* "/x" */
    } else {
        memcpy(dir, path, dl);
        dir[dl] = '\0';
    }
    if (!realpath(dir, out))
        return false;
    size_t ol = strlen(out);
    if (ol + 1 + strlen(base) >= PATH_LEN)
        return false;
    snprintf(out + ol, PATH_LEN - ol, "%s%s",
             out[ol - 1] == '/' ? "" : "/", base);
    return true;
}

static bool fs_allowed(const sched_config_t *c, const char *path)
{
    char full[PATH_LEN], dir[PATH_LEN];
    /* In-memory databases touch no file. */
    if (!strcmp(path, ":memory:"))
        return true;
    /* A URI could name any file, whatever the checked string says. */
    if (!strncmp(path, "file:", 5) || !resolve(path, full))
        return false;
    for (uint32_t i = 0; i < c->ndirs; i++) {
        if (!realpath(c->dirs[i].host_path, dir))
            continue; /* only existing preopens count */
        size_t n = strlen(dir);
        if (!strcmp(dir, "/") ||
            (!strncmp(full, dir, n) && (full[n] == '/' || !full[n])))
            return true;
    }
    return false;
}

/* SQL can open files too: ATTACH, and VACUUM INTO (which attaches its
 * target). Both pass here first, with the file name, and are held to
 * the rule of sqlite::open; "" is a private temporary database. */
static int authorize(void *ud, int action, const char *a, const char *b,
                     const char *c, const char *d)
{
    (void)b;
    (void)c;
    (void)d;
    if (action != SQLITE_ATTACH || !a || !a[0])
        return SQLITE_OK;
    return fs_allowed(ud, a) ? SQLITE_OK : SQLITE_DENY;
}

/* }===== */
/* {===== connections */

/* 0 and the connection id, or 1 and an error id, at a[2] (8 bytes; the
 * address may be 0, quirk 2). */
static vm_status h_open(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint8_t *out = host__guest(ex, a[2].u32, 8);
    char *path = guest_cstr(ex, a[0].u32, a[1].u32);
    char msg[PATH_LEN + 128];
    sqlite3 *db = NULL;
    uint64_t id;
    (void)ud;
    if (!out || !path) {
        free(path);
        return host__trap(ex, "lunatic::sqlite::open: bad path or pointer");
    }
    if (!fs_allowed(p->config, path)) {
        snprintf(msg, sizeof msg, "Failed to access '%s': it is not inside "
                 "a preopened directory", path);
        free(path);
        host__put_u64(out, host__error_new(p, msg));
        a[0].u64 = 1;
        return VM_OK;
    }
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(msg, sizeof msg, "sqlite::open '%s': %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        free(path);
        host__put_u64(out, host__error_new(p, msg));
        a[0].u64 = 1;
        return VM_OK;
    }
    free(path);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, SQL_VALUE_MAX);
    /* The config outlives the connection: both go when the process does
     * (sched__proc_release releases its resources before its config). */
    sqlite3_set_authorizer(db, authorize, p->config);
    if (sched__restab_add(&p->res, &res_sqlite_conn, db, &id) != 0) {
        sqlite3_close_v2(db);
        return host__trap(ex, "out of memory");
    }
    host__put_u64(out, id);
    a[0].u64 = 0;
    return VM_OK;
}

/* {===== statements run on the offload pool (offload.c): a long query
 * holds a pool thread, never a worker. SQLite calls the progress handler
 * every PROGRESS_OPS virtual-machine steps; each call counts as that many
 * reductions against the process's fuel (a step costs about what a
 * reduction does), and stops the statement (SQLITE_INTERRUPT) when the
 * fuel is gone or the process has died. */
#define PROGRESS_OPS 1000

typedef struct sql_job {
    sched_job_t job;
    sqlite3 *db;
    sqlite3_stmt *stmt; /* step; NULL: exec of sql */
    char *sql;
    uint64_t fuel_left, spent; /* reductions */
    bool out_of_fuel;
    int rc;
} sql_job_t;

static int on_progress(void *ud)
{
    sql_job_t *j = ud;
    j->spent += PROGRESS_OPS;
    if (j->spent > j->fuel_left) {
        j->out_of_fuel = true;
        return 1;
    }
    return atomic_load(&j->job.cancel) ? 1 : 0;
}

static void sql_run(sched_job_t *job)
{
    sql_job_t *j = (sql_job_t *)job;
    sqlite3_progress_handler(j->db, PROGRESS_OPS, on_progress, j);
    j->rc = j->stmt ? sqlite3_step(j->stmt)
                    : sqlite3_exec(j->db, j->sql, NULL, NULL, NULL);
    sqlite3_progress_handler(j->db, 0, NULL, NULL);
}

static void sql_discard(sched_job_t *job)
{
    sql_job_t *j = (sql_job_t *)job;
    free(j->sql);
    free(j);
}

/* First call: queue the statement (takes sql) and wait. Called again once
 * woken: its result code in *rc, VM_OK; or VM_BLOCK while it still runs,
 * or a trap. */
static vm_status sql_offload(vm_exec_t *ex, sqlite3 *db, sqlite3_stmt *stmt,
                             char *sql, int *rc)
{
    sched_proc_t *p = sched__cur(ex);
    if (p->job && p->job->run != sql_run) { /* never: a bug if it is */
        free(sql);
        return host__trap(ex, "lunatic::sqlite: waiting on another call");
    }
    if (p->job) {
        free(sql);
        sql_job_t *j = (sql_job_t *)sched__job_take(p);
        if (!j)
            return VM_BLOCK;
        bool out_of_fuel = j->out_of_fuel;
        *rc = j->rc;
        vm_exec_charge(ex, j->spent);
        sql_discard(&j->job);
        if (out_of_fuel)
            return host__trap(ex, "lunatic::sqlite: out of fuel");
        return VM_OK;
    }
    sql_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        free(sql);
        return host__trap(ex, "lunatic::sqlite: out of memory");
    }
    j->job.run = sql_run;
    j->job.discard = sql_discard;
    j->job.wait_on_abandon = true;
    j->db = db;
    j->stmt = stmt;
    j->sql = sql;
    j->fuel_left = sched__fuel_left(p);
    if (sched__job_submit(p, &j->job) != 0) {
        sql_discard(&j->job);
        return host__trap(ex, "lunatic::sqlite: no thread to run the "
                               "statement on");
    }
    return VM_BLOCK;
}

/* }===== */

static vm_status h_execute(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3 *db = get_conn(ex, a[0].u64);
    char *sql = NULL;
    int rc;
    (void)ud;
    if (!db)
        return VM_TRAP;
    if (!sched__cur(ex)->job && !(sql = guest_cstr(ex, a[1].u32, a[2].u32)))
        return host__trap(ex, "lunatic::sqlite::execute: SQL text out of "
                               "bounds, with a NUL, or over 16 MiB");
    vm_status st = sql_offload(ex, db, NULL, sql, &rc);
    if (st == VM_OK)
        a[0].i32 = rc;
    return st;
}

static vm_status h_changes(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3 *db = get_conn(ex, a[0].u64);
    (void)ud;
    if (!db)
        return VM_TRAP;
    a[0].i32 = sqlite3_changes(db);
    return VM_OK;
}

/* SqliteError{code: Option<u32>, message: Option<String>}: both None when
 * the last call succeeded. */
static vm_status h_last_error(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3 *db = get_conn(ex, a[0].u64);
    obuf_t b = {0};
    (void)ud;
    if (!db)
        return VM_TRAP;
    int code = sqlite3_errcode(db);
    if (code == SQLITE_OK) {
        uint8_t none[2] = {0, 0};
        ob_put(&b, none, 2);
    } else {
        const char *m = sqlite3_errmsg(db);
        uint8_t some = 1;
        ob_put(&b, &some, 1);
        ob_u32(&b, (uint32_t)code);
        ob_put(&b, &some, 1);
        ob_bytes(&b, m, strlen(m));
    }
    return give_guest(ex, &b, a[1].u32, a);
}

static vm_status h_prepare(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3 *db = get_conn(ex, a[0].u64);
    sqlite3_stmt *s = NULL;
    uint64_t id;
    (void)ud;
    if (!db)
        return VM_TRAP;
    const char *sql = (const char *)host__guest(ex, a[1].u32, a[2].u32);
    if (a[2].u32 > SQL_TEXT_MAX)
        return host__trap(ex, "lunatic::sqlite::query_prepare: query "
                               "longer than 1,000,000 bytes");
    vm_exec_charge(ex, a[2].u32 / 16); /* parsing: ~16 bytes a reduction */
    if (!sql || a[2].u32 > INT_MAX)
        return host__trap(ex, "lunatic::sqlite::query_prepare: query out "
                               "of bounds");
    if (sqlite3_prepare_v2(db, sql, (int)a[2].u32, &s, NULL) != SQLITE_OK)
        return trap_sqlite(ex, "query_prepare", db);
    /* SQLite gives no statement for text without SQL (blank, comment). */
    if (!s)
        return host__trap(ex, "lunatic::sqlite::query_prepare: empty query");
    if (sched__restab_add(&sched__cur(ex)->res, &res_sqlite_stmt, s,
                          &id) != 0) {
        sqlite3_finalize(s);
        return host__trap(ex, "out of memory");
    }
    a[0].u64 = id;
    return VM_OK;
}

/* }===== */
/* {===== bind_value: BindList(Vec<BindPair(BindKey, BindValue)>) */

typedef struct rd {
    const uint8_t *p;
    size_t left;
} rd_t;

static const uint8_t *rd_take(rd_t *r, uint64_t n)
{
    if (n > r->left)
        return NULL;
    const uint8_t *s = r->p;
    r->p += n;
    r->left -= (size_t)n;
    return s;
}

static bool rd_u32(rd_t *r, uint32_t *v)
{
    const uint8_t *s = rd_take(r, 4);
    if (s)
        *v = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
             (uint32_t)s[3] << 24;
    return s != NULL;
}

static bool rd_u64(rd_t *r, uint64_t *v)
{
    const uint8_t *s = rd_take(r, 8);
    if (s)
        *v = host__get_u64(s);
    return s != NULL;
}

/* A u64 length and that many bytes. */
static const uint8_t *rd_vec(rd_t *r, uint64_t *len)
{
    return rd_u64(r, len) ? rd_take(r, *len) : NULL;
}

/* The parameter index a BindKey names (pos: the pair's position, for
 * BindKey::None); 0 with *err set when malformed or unknown. */
static int bind_key(rd_t *r, sqlite3_stmt *s, uint64_t pos, const char **err)
{
    uint32_t tag;
    uint64_t v;
    const uint8_t *name;
    char buf[256];
    *err = "malformed BindList (key)";
    if (!rd_u32(r, &tag))
        return 0;
    switch (tag) {
    case 0:
        return pos < INT_MAX ? (int)pos + 1 : 0;
    case 1:
        if (!rd_u64(r, &v))
            return 0;
        *err = "bind index out of range";
        return v >= 1 && v <= INT_MAX ? (int)v : 0;
    case 2:
        if (!(name = rd_vec(r, &v)))
            return 0;
        *err = "unknown bind parameter name";
        if (v >= sizeof buf || memchr(name, 0, (size_t)v))
            return 0;
        memcpy(buf, name, (size_t)v);
        buf[v] = '\0';
        return sqlite3_bind_parameter_index(s, buf);
    default:
        return 0;
    }
}

/* Bind one BindValue at idx; SQLITE_* code, or -1 when malformed. */
static int bind_val(rd_t *r, sqlite3_stmt *s, int idx)
{
    uint32_t tag, i32;
    uint64_t v;
    const uint8_t *d;
    double f;
    if (!rd_u32(r, &tag))
        return -1;
    switch (tag) {
    case 0:
        return sqlite3_bind_null(s, idx);
    case 1:
    case 2:
        if (!(d = rd_vec(r, &v)))
            return -1;
        return tag == 1 ? sqlite3_bind_blob64(s, idx, v ? d : (const void *)"",
                                              v, SQLITE_TRANSIENT)
                        : sqlite3_bind_text64(s, idx, (const char *)d, v,
                                              SQLITE_TRANSIENT, SQLITE_UTF8);
    case 3:
        if (!rd_u64(r, &v))
            return -1;
        memcpy(&f, &v, sizeof f);
        return sqlite3_bind_double(s, idx, f);
    case 4:
        if (!rd_u32(r, &i32))
            return -1;
        return sqlite3_bind_int(s, idx, (int32_t)i32);
    case 5:
        if (!rd_u64(r, &v))
            return -1;
        return sqlite3_bind_int64(s, idx, (sqlite3_int64)v);
    default:
        return -1;
    }
}

/* Lunatic unwraps the decoding (a host panic); here a malformed list
 * traps, like a failing bind. Trailing bytes are ignored (bincode 1.x). */
static vm_status h_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    char msg[256];
    uint64_t n;
    (void)ud;
    if (!s)
        return VM_TRAP;
    rd_t r = {host__guest(ex, a[1].u32, a[2].u32), a[2].u32};
    if (!r.p)
        return host__trap(ex, "lunatic::sqlite::bind_value: data out of "
                               "bounds");
    /* SQLite copies the values */
    vm_exec_charge(ex, a[2].u32 / SCHED_COPY_BYTES_PER_RED);
    if (!rd_u64(&r, &n))
        return host__trap(ex, "lunatic::sqlite::bind_value: malformed "
                               "BindList (length)");
    for (uint64_t i = 0; i < n; i++) {
        const char *err;
        int idx = bind_key(&r, s, i, &err), rc = -1;
        if (idx > 0 && (rc = bind_val(&r, s, idx)) == SQLITE_OK)
            continue;
        if (idx > 0 && rc < 0)
            err = "malformed BindList (value)";
        else if (idx > 0)
            err = sqlite3_errstr(rc);
        snprintf(msg, sizeof msg, "lunatic::sqlite::bind_value: pair %llu: "
                 "%s", (unsigned long long)i, err);
        return host__trap(ex, msg);
    }
    return VM_OK;
}

/* }===== */
/* {===== statements */

static vm_status h_reset(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    (void)ud;
    if (!s)
        return VM_TRAP;
    if (sqlite3_reset(s) != SQLITE_OK)
        return trap_sqlite(ex, "statement_reset", sqlite3_db_handle(s));
    return VM_OK;
}

static vm_status h_finalize(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = sched__restab_take(&sched__cur(ex)->res,
                                         &res_sqlite_stmt, a[0].u64);
    (void)ud;
    if (!s)
        return host__trap(ex, "lunatic::sqlite::sqlite3_finalize: unknown "
                               "statement id");
    sqlite3_finalize(s);
    return VM_OK;
}

static vm_status h_step(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    int rc;
    (void)ud;
    if (!s)
        return VM_TRAP;
    vm_status st = sql_offload(ex, sqlite3_db_handle(s), s, NULL, &rc);
    if (st != VM_OK)
        return st;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return trap_sqlite(ex, "sqlite3_step", sqlite3_db_handle(s));
    a[0].i32 = rc;
    return VM_OK;
}

static vm_status h_column_count(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    (void)ud;
    if (!s)
        return VM_TRAP;
    a[0].i32 = sqlite3_column_count(s);
    return VM_OK;
}

/* SqliteValue{Null, Blob, Text, Double, Integer(i64), I64}: SQLite's
 * integers come back as Integer. */
static void put_value(obuf_t *b, sqlite3_stmt *s, int i)
{
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
        ob_u32(b, 4);
        ob_u64(b, (uint64_t)sqlite3_column_int64(s, i));
        break;
    case SQLITE_FLOAT: {
        double f = sqlite3_column_double(s, i);
        uint64_t v;
        memcpy(&v, &f, sizeof v);
        ob_u32(b, 3);
        ob_u64(b, v);
        break;
    }
    case SQLITE_TEXT: {
        const unsigned char *t = sqlite3_column_text(s, i);
        ob_u32(b, 2);
        ob_bytes(b, t ? (const char *)t : "",
                 (size_t)sqlite3_column_bytes(s, i));
        break;
    }
    case SQLITE_BLOB: {
        const void *d = sqlite3_column_blob(s, i);
        ob_u32(b, 1);
        ob_bytes(b, d ? d : "", (size_t)sqlite3_column_bytes(s, i));
        break;
    }
    default:
        ob_u32(b, 0);
    }
}

/* A column index of s, or a trap: a wrong index is a guest bug. */
static bool col_ok(vm_exec_t *ex, sqlite3_stmt *s, uint32_t i)
{
    if (i < (uint32_t)sqlite3_column_count(s))
        return true;
    host__trap(ex, "lunatic::sqlite: column index out of range");
    return false;
}

static vm_status h_read_column(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    obuf_t b = {0};
    (void)ud;
    if (!s || !col_ok(ex, s, a[1].u32))
        return VM_TRAP;
    put_value(&b, s, (int)a[1].u32);
    return give_guest(ex, &b, a[2].u32, a);
}

static vm_status h_read_row(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    obuf_t b = {0};
    (void)ud;
    if (!s)
        return VM_TRAP;
    int n = sqlite3_column_count(s);
    ob_u64(&b, (uint64_t)n);
    for (int i = 0; i < n; i++)
        put_value(&b, s, i);
    return give_guest(ex, &b, a[1].u32, a);
}

static vm_status h_column_names(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    obuf_t b = {0};
    (void)ud;
    if (!s)
        return VM_TRAP;
    int n = sqlite3_column_count(s);
    ob_u64(&b, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(s, i);
        if (!name) {
            free(b.d);
            return host__trap(ex, "out of memory");
        }
        ob_bytes(&b, name, strlen(name));
    }
    return give_guest(ex, &b, a[1].u32, a);
}

/* The raw UTF-8 name, not bincode. */
static vm_status h_column_name(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sqlite3_stmt *s = get_stmt(ex, a[0].u64);
    obuf_t b = {0};
    (void)ud;
    if (!s || !col_ok(ex, s, a[1].u32))
        return VM_TRAP;
    const char *name = sqlite3_column_name(s, (int)a[1].u32);
    if (!name)
        return host__trap(ex, "out of memory");
    ob_put(&b, name, strlen(name));
    return give_guest(ex, &b, a[2].u32, a);
}

/* }===== */

#define SQL "lunatic::sqlite"
const sched_binding_t host__api_sqlite[] = {
    {SQL, "bind_value", "Iii:", h_bind},
    {SQL, "column_count", "I:i", h_column_count},
    {SQL, "column_name", "Iii:i", h_column_name},
    {SQL, "column_names", "Ii:i", h_column_names},
    {SQL, "execute", "Iii:i", h_execute},
    {SQL, "last_error", "Ii:i", h_last_error},
    {SQL, "open", "iii:I", h_open},
    {SQL, "query_prepare", "Iii:I", h_prepare},
    {SQL, "read_column", "Iii:i", h_read_column},
    {SQL, "read_row", "Ii:i", h_read_row},
    {SQL, "sqlite3_changes", "I:i", h_changes},
    {SQL, "sqlite3_finalize", "I:", h_finalize},
    {SQL, "sqlite3_step", "I:i", h_step},
    {SQL, "statement_reset", "I:", h_reset},
};
const size_t host__api_sqlite_n =
    sizeof host__api_sqlite / sizeof host__api_sqlite[0];
