/* top.c: `lunatic top HOST:PORT`, a terminal view of a run started with
 * --metrics HOST:PORT, in the spirit of Erlang's etop: the node's totals
 * from /metrics, then the busiest processes by reductions (with their
 * rate since the last refresh), by memory and by mailbox length from
 * /processes. It redraws in place (ANSI home and clear) every interval
 * until interrupted; --once prints one frame and exits. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/top.h"

#define ROWS_MAX 64

static const char top_usage[] =
    "usage: lunatic top HOST:PORT [-d SECONDS] [-n ROWS] [--once]\n"
    "  Shows the busiest processes of a lunatic started with\n"
    "  --metrics HOST:PORT: by reductions (and reductions per second\n"
    "  since the last refresh), by linear memory, by mailbox length.\n"
    "  -d SECONDS  refresh interval (default 2)\n"
    "  -n ROWS     rows in the reductions table (default 15)\n"
    "  --once      print one screen and exit\n";

/* {===== fetching */

/* GET path from host:port; the body (malloc'd), or NULL after putting
 * why into err. */
static char *http_get(const char *addr, const char *path, char *err,
                      size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    const char *h = addr;
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
        h++, hl -= 2;
    if (!colon || hl == 0 || hl >= sizeof host) {
        snprintf(err, errlen, "bad address '%s': want HOST:PORT", addr);
        return NULL;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
        return NULL;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        freeaddrinfo(res);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    freeaddrinfo(res);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
                     path, addr);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        close(fd);
        return NULL;
    }
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap + 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (buf && poll(&p, 1, 5000) == 1) {
        if (len == cap) {
            char *grown = realloc(buf, (cap *= 2) + 1);
            if (!grown)
                break;
            buf = grown;
        }
        ssize_t k = recv(fd, buf + len, cap - len, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    buf[len] = 0;
    char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.0 200", 12) != 0 || !body) {
        snprintf(err, errlen, "%s%s: no answer from a lunatic --metrics",
                 addr, path);
        free(buf);
        return NULL;
    }
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return buf;
}

/* The value of sample `series` (the whole "name{labels}") in a /metrics
 * text; -1 if absent. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l)
        if (strncmp(l, series, n) == 0 && l[n] == ' ')
            return strtod(l + n + 1, NULL);
    return -1;
}

/* }===== */
/* {===== the screen */

typedef struct row {
    unsigned long long pid, reds, mem, mbox;
    char module[48], func[48];
} row_t;

/* The rows of a /processes text (after its header line). */
static int parse_rows(const char *text, row_t *rows, int max)
{
    int n = 0;
    const char *l = strchr(text, '\n');
    while (l && *++l && n < max) {
        row_t *r = &rows[n];
        if (sscanf(l, "%llu\t%llu\t%llu\t%llu\t%47s\t%47s", &r->pid, &r->reds,
                   &r->mem, &r->mbox, r->module, r->func) == 6)
            n++;
        l = strchr(l, '\n');
    }
    return n;
}

typedef struct history {
    unsigned long long pid[ROWS_MAX], reds[ROWS_MAX];
    int n;
    double at; /* seconds */
} history_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reductions per second of r since the last frame, or -1 if unknown. */
static double rate_of(const history_t *h, const row_t *r, double now)
{
    for (int i = 0; i < h->n; i++)
        if (h->pid[i] == r->pid && now > h->at && r->reds >= h->reds[i])
            return (double)(r->reds - h->reds[i]) / (now - h->at);
    return -1;
}

static void human(char *out, size_t len, double bytes)
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4)
        bytes /= 1024, u++;
    snprintf(out, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

static void print_header(const char *addr, const char *m)
{
    char rss[32];
    human(rss, sizeof rss, sample(m, "process_resident_memory_bytes"));
    printf("lunatic top - %s   processes %.0f   spawned %.0f   exited "
           "%.0f normal, %.0f failure, %.0f killed\n",
           addr, sample(m, "lunatic_processes"),
           sample(m, "lunatic_processes_spawned_total"),
           sample(m, "lunatic_processes_exited_total{reason=\"normal\"}"),
           sample(m, "lunatic_processes_exited_total{reason=\"failure\"}"),
           sample(m, "lunatic_processes_exited_total{reason=\"killed\"}"));
    printf("messages sent %.0f, queued %.0f   RSS %s   workers %.0f "
           "(parked %.0f) utilisation:",
           sample(m, "lunatic_messages_sent_total"),
           sample(m, "lunatic_messages_queued"), rss,
           sample(m, "lunatic_workers"), sample(m, "lunatic_workers_parked"));
    for (int w = 0; w < 1024; w++) {
        char key[96];
        snprintf(key, sizeof key,
                 "lunatic_worker_utilisation_ratio{worker=\"%d\"}", w);
        double u = sample(m, key);
        if (u < 0)
            break;
        printf(" %d:%.0f%%", w, u * 100);
    }
    printf("\n\n");
}

static void print_table(const char *title, const row_t *rows, int n,
                        const history_t *h, double now)
{
    printf("%s\n%8s %12s %14s %10s %8s  %-22s %s\n", title, "PID", "REDS/S",
           "REDUCTIONS", "MEMORY", "MAILBOX", "MODULE", "FUNCTION");
    for (int i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        char mem[32], rate[32] = "-";
        human(mem, sizeof mem, (double)r->mem);
        double rt = h ? rate_of(h, r, now) : -1;
        if (rt >= 0)
            snprintf(rate, sizeof rate, "%.0f", rt);
        printf("%8llu %12s %14llu %10s %8llu  %-22s %s\n", r->pid, rate,
               r->reds, mem, r->mbox, r->module, r->func);
    }
    printf("\n");
}

/* One frame; false (after saying why) when the endpoint did not answer. */
static bool frame(const char *addr, int nrows, history_t *h, bool clear)
{
    char err[512], path[96];
    char *m = http_get(addr, "/metrics", err, sizeof err);
    snprintf(path, sizeof path, "/processes?sort=reductions&limit=%d", nrows);
    char *by_reds = m ? http_get(addr, path, err, sizeof err) : NULL;
    char *by_mem = by_reds ? http_get(addr, "/processes?sort=memory&limit=5",
                                      err, sizeof err)
                           : NULL;
    char *by_mbox = by_mem ? http_get(addr, "/processes?sort=mailbox&limit=5",
                                      err, sizeof err)
                           : NULL;
    bool ok = by_mbox != NULL;
    if (clear)
        printf("\033[H\033[2J");
    if (!ok) {
        printf("lunatic top: %s\n", err);
    } else {
        row_t rows[ROWS_MAX];
        double now = now_s();
        print_header(addr, m);
        int n = parse_rows(by_reds, rows, nrows);
        print_table("busiest by reductions", rows, n, h, now);
        h->n = n;
        h->at = now;
        for (int i = 0; i < n; i++)
            h->pid[i] = rows[i].pid, h->reds[i] = rows[i].reds;
        n = parse_rows(by_mem, rows, 5);
        print_table("largest linear memory", rows, n, NULL, now);
        n = parse_rows(by_mbox, rows, 5);
        print_table("longest mailboxes", rows, n, NULL, now);
    }
    fflush(stdout);
    free(m);
    free(by_reds);
    free(by_mem);
    free(by_mbox);
    return ok;
}

/* }===== */

static volatile sig_atomic_t stop_top;
static void on_signal(int sig)
{
    (void)sig;
    stop_top = 1;
}

int top_cli(int argc, char **argv)
{
    const char *addr = NULL;
    double interval = 2;
    int nrows = 15;
    bool once = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--once"))
            once = true;
        else if (!strcmp(argv[i], "-d") && i + 1 < argc)
            interval = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            nrows = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !addr)
            addr = argv[i];
        else
            return fputs(top_usage, stderr), 2;
    }
    if (!addr || interval < 0.1 || nrows < 1)
        return fputs(top_usage, stderr), 2;
    if (nrows > ROWS_MAX)
        nrows = ROWS_MAX;
    history_t h = {.n = 0};
    if (once)
        return frame(addr, nrows, &h, false) ? 0 : 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop_top) {
        frame(addr, nrows, &h, true); /* keeps trying while it is down */
        struct timespec ts = {(time_t)interval,
                              (long)((interval - (time_t)interval) * 1e9)};
        nanosleep(&ts, NULL);
    }
    return 0;
}
