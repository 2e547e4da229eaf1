/* cargo_init.c: `lunatic init`, as Lunatic's src/mode/init.rs: in a cargo
 * project, make .cargo/config.toml set `build.target = "wasm32-wasi"` and
 * `target.wasm32-wasi.runner = "lunatic run"`. An existing file is merged
 * into, never replaced: what it already sets stays, a runner of plain
 * "lunatic" becomes "lunatic run" (as Lunatic updates it), and a different
 * target or runner is an error that leaves the file untouched. The TOML is
 * read line by line: `[build]` and `[target.wasm32-wasi]` tables with
 * `key = "value"` lines; other spellings of these keys (dotted keys,
 * inline tables) are refused rather than guessed at. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/cargo_test.h"

#define CONFIG ".cargo/config.toml"
#define MAX_CONFIG (1u << 20)

/* What the file says about the two keys. */
struct found {
    bool has_build, has_target_table; /* the [..] headers */
    char *target, *runner;            /* their values, or NULL */
    size_t build_end, target_end;     /* offsets just past those headers */
    bool dotted;                      /* set some other way: refuse */
};

static char *read_all(const char *path, bool *missing)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(MAX_CONFIG + 1, 1);
    *missing = !f && errno == ENOENT;
    if (!f || !buf) {
        if (f)
            fclose(f);
        free(buf);
        return *missing ? calloc(1, 1) : NULL;
    }
    size_t n = fread(buf, 1, MAX_CONFIG, f);
    bool too_big = n == MAX_CONFIG && fgetc(f) != EOF;
    fclose(f);
    if (too_big) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    return buf;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The string value of `key = "v"` (or 'v') on this line, or "" (not a
 * plain string: treated as some other value). NULL if the line does not
 * set key. */
static char *value_of(const char *line, const char *key)
{
    size_t kl = strlen(key);
    line = skip_space(line);
    if (strncmp(line, key, kl) != 0)
        return NULL;
    const char *s = skip_space(line + kl);
    if (*s != '=')
        return NULL;
    s = skip_space(s + 1);
    char q = *s;
    const char *end = (q == '"' || q == '\'') ? strchr(s + 1, q) : NULL;
    return end ? strndup(s + 1, (size_t)(end - s - 1)) : strdup("");
}

/* The table a header line names ("build" for "[build]"), into buf. */
static bool header(const char *line, char *buf, size_t len)
{
    line = skip_space(line);
    if (*line != '[' || line[1] == '[')
        return false;
    const char *end = strchr(line, ']');
    size_t n = end ? (size_t)(end - line - 1) : 0;
    if (!end || n >= len)
        return false;
    memcpy(buf, line + 1, n);
    buf[n] = '\0';
    return true;
}

/* A key that sets build.target or the runner some other way: `build.x`
 * or `target.wasm32-wasi.runner` at the top, an inline `build = {..}`,
 * `wasm32-wasi.runner` inside [target]. */
static bool sets_elsewhere(const char *table, const char *line)
{
    const char *key = skip_space(line);
    if (!strchr(key, '='))
        return false;
    if (!strcmp(table, ""))
        return !strncmp(key, "build", 5) || !strncmp(key, "target", 6);
    return !strcmp(table, "target") && !strncmp(key, "wasm32-wasi", 11);
}

static void scan_line(struct found *f, const char *table, const char *line,
                      size_t line_end)
{
    char *v;
    if (!strcmp(table, "build")) {
        if (!f->has_build)
            f->build_end = line_end;
        f->has_build = true;
    } else if (!strcmp(table, "target.wasm32-wasi")) {
        if (!f->has_target_table)
            f->target_end = line_end;
        f->has_target_table = true;
    }
    if (!strcmp(table, "build") && (v = value_of(line, "target")))
        free(f->target), f->target = v;
    else if (!strcmp(table, "target.wasm32-wasi") &&
             (v = value_of(line, "runner")))
        free(f->runner), f->runner = v;
    else if (sets_elsewhere(table, line))
        f->dotted = true;
}

static void scan(const char *text, struct found *f)
{
    char table[256] = "";
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t end = nl ? (size_t)(nl - text) + 1 : strlen(text);
        char *copy = strndup(line, (size_t)(text + end - line));
        char *hash = copy ? strchr(copy, '#') : NULL;
        if (hash)
            *hash = '\0'; /* comments (a '#' in a string is rare here) */
        if (copy && !header(copy, table, sizeof table))
            scan_line(f, table, copy, end);
        else if (copy)
            scan_line(f, table, "", end); /* note where the header ends */
        free(copy);
        line = text + end;
    }
}

/* text with `add` inserted at offset at. */
static char *insert(const char *text, size_t at, const char *add)
{
    size_t tl = strlen(text), al = strlen(add);
    char *out = malloc(tl + al + 2);
    if (!out)
        return NULL;
    memcpy(out, text, at);
    memcpy(out + at, add, al);
    memcpy(out + at + al, text + at, tl - at + 1);
    return out;
}

static char *append_table(const char *text, const char *table)
{
    size_t tl = strlen(text);
    bool nl = tl > 0 && text[tl - 1] != '\n';
    char *out = malloc(tl + strlen(table) + 3);
    if (out)
        sprintf(out, "%s%s%s%s", text, nl ? "\n" : "", tl ? "\n" : "", table);
    return out;
}

/* The new text, or NULL (out of memory). */
static char *merged(const char *text, const struct found *f)
{
    char *out = strdup(text), *next;
    /* Insert at the later offset first, so the earlier one stays right. */
    bool target_first = f->has_target_table && f->has_build &&
                        f->target_end > f->build_end;
    for (int step = 0; step < 2 && out; step++) {
        bool do_runner = (step == 0) == target_first;
        if (do_runner && !f->runner)
            next = f->has_target_table
                       ? insert(out, f->target_end, "runner = \"lunatic run\"\n")
                       : append_table(out, "[target.wasm32-wasi]\n"
                                           "runner = \"lunatic run\"\n");
        else if (!do_runner && !f->target)
            next = f->has_build
                       ? insert(out, f->build_end, "target = \"wasm32-wasi\"\n")
                       : append_table(out, "[build]\ntarget = \"wasm32-wasi\"\n");
        else
            continue;
        free(out);
        out = next;
    }
    return out;
}

/* Where the [target.wasm32-wasi] header is in text (0 if nowhere). */
static size_t header_at(const char *text)
{
    const char *h = strstr(text, "[target.wasm32-wasi]");
    return h ? (size_t)(h - text) : 0;
}

/* Replace the runner "lunatic" (the first after offset from, the
 * [target.wasm32-wasi] header) with "lunatic run". */
static char *update_runner(char *text, size_t from)
{
    char *p = strstr(text + from, "\"lunatic\"");
    char *out = p ? malloc(strlen(text) + 5) : NULL;
    if (!out)
        return text;
    size_t at = (size_t)(p - text);
    memcpy(out, text, at);
    strcpy(out + at, "\"lunatic run\"");
    strcat(out, p + strlen("\"lunatic\""));
    free(text);
    return out;
}

static int write_config(const char *text)
{
    FILE *f = fopen(CONFIG ".tmp", "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0 ||
        rename(CONFIG ".tmp", CONFIG) != 0) {
        fprintf(stderr, "lunatic: init: cannot write %s: %s\n", CONFIG,
                strerror(errno));
        return 1;
    }
    return 0;
}

/* Why the file cannot be merged into, or NULL. */
static const char *conflict(const struct found *f)
{
    if (f->dotted)
        return "sets build or target with dotted keys or inline tables; "
               "set build.target = \"wasm32-wasi\" and "
               "target.wasm32-wasi.runner = \"lunatic run\" by hand";
    if (f->target && strcmp(f->target, "wasm32-wasi"))
        return "already sets build.target to something other than "
               "wasm32-wasi";
    if (f->runner && strcmp(f->runner, "lunatic run") &&
        strcmp(f->runner, "lunatic"))
        return "already sets target.wasm32-wasi.runner to something other "
               "than `lunatic run`";
    return NULL;
}

static int merge_into(char *text, bool missing)
{
    struct found f = {0};
    const char *why;
    int rc = 1;
    scan(text, &f);
    if ((why = conflict(&f))) {
        fprintf(stderr, "lunatic: init: %s %s (left unchanged)\n", CONFIG, why);
    } else {
        bool old_runner = f.runner && !strcmp(f.runner, "lunatic");
        char *out = merged(text, &f);
        if (out && old_runner)
            out = update_runner(out, header_at(out));
        if (!out)
            fprintf(stderr, "lunatic: init: out of memory\n");
        else if (!strcmp(out, text))
            rc = printf("%s already sets wasm32-wasi and `lunatic run`\n",
                        CONFIG) < 0;
        else if ((rc = write_config(out)) == 0)
            printf("%s %s: build.target = \"wasm32-wasi\", "
                   "target.wasm32-wasi.runner = \"lunatic run\"\n",
                   missing ? "wrote" : "updated", CONFIG);
        free(out);
    }
    free(f.target);
    free(f.runner);
    return rc;
}

int cargo_init(void)
{
    bool missing = false;
    if (access("Cargo.toml", F_OK) != 0) {
        fprintf(stderr, "lunatic: init: must be called inside a cargo "
                        "project (no Cargo.toml here)\n");
        return 1;
    }
    if (mkdir(".cargo", 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "lunatic: init: cannot create .cargo: %s\n",
                strerror(errno));
        return 1;
    }
    char *text = read_all(CONFIG, &missing);
    if (!text) {
        fprintf(stderr, "lunatic: init: cannot read %s: %s\n", CONFIG,
                strerror(errno));
        return 1;
    }
    int rc = merge_into(text, missing);
    free(text);
    if (rc == 0)
        puts("Cargo project initialized!");
    return rc;
}
