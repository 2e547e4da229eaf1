/* metrics_http.c: the metrics endpoint of `lunatic run --metrics ADDR`
 * (and `lunatic node`): a small HTTP/1.0 server on a thread of its own,
 * so a scrape never takes a worker. It serves
 *   /metrics    the Prometheus text exposition (sched_metrics_prometheus,
 *               plus the node's members and links when there is a node)
 *   /processes  the busiest processes, tab-separated (sched_processes_text;
 *               ?sort=reductions|memory|mailbox&limit=N), for `lunatic top`
 * The thread polls the listener with a timeout (to see the stop flag) and
 * answers one connection at a time, each bounded by a 2 s deadline: a
 * slow client delays the next scrape, never the runtime. */
#define _GNU_SOURCE
#include "common/lun_prefix.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dist/cluster.h"
#include "dist/node.h"
#include "net/net.h"
#include "sched/sched.h"
#include "tools/metrics_http.h"

#define IO_DEADLINE_MS 2000
#define REQUEST_MAX 2048

struct metrics_http {
    int fd;
    sched_runtime_t *rt;
    dist_cluster_t *cluster;
    pthread_t thread;
    bool running;
    _Atomic bool stop;
};

int metrics_http_open(const char *addr, metrics_http_t **out)
{
    const char *colon = strrchr(addr, ':');
    char host[256];
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    const char *h = addr;
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
        h++, hl -= 2;
    if (!colon || hl >= sizeof host) {
        fprintf(stderr, "lunatic: bad --metrics '%s': want HOST:PORT\n", addr);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE}, *res = NULL;
    int rc = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res), one = 1;
    if (rc != 0) {
        fprintf(stderr, "lunatic: --metrics '%s': %s\n", addr,
                gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, "lunatic: --metrics '%s': %s\n", addr,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    metrics_http_t *m = calloc(1, sizeof *m);
    if (!m) {
        close(fd);
        fprintf(stderr, "lunatic: out of memory\n");
        return -1;
    }
    m->fd = fd;
    *out = m;
    return 0;
}

/* {===== one request */

/* Wait up to the deadline for fd; false: timed out or failed. */
static bool wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, IO_DEADLINE_MS) == 1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0 && wait_fd(fd, POLLOUT)) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

static void respond(int fd, const char *status, const char *type,
                    const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: "
                     "%zu\r\nConnection: close\r\n\r\n",
                     status, type, len);
    write_all(fd, head, (size_t)n);
    write_all(fd, body, len);
}

#define PEERS_MAX 256

/* One family of per-peer series: HELP, TYPE, a line per peer. */
static void peer_family(FILE *f, const char *name, const char *type,
                        const char *help, const dist_peer_info_t *p,
                        size_t n, size_t field)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = field == 0 ? p[i].link_up
                   : field == 1 ? p[i].traffic.bytes_out
                   : field == 2 ? p[i].traffic.bytes_in
                   : field == 3 ? p[i].traffic.msgs_out
                                : p[i].traffic.msgs_in;
        /* node names are [a-z0-9.-]: nothing to escape */
        fprintf(f, "%s{peer=\"%s\",id=\"%016llx\"} %llu\n", name, p[i].name,
                (unsigned long long)p[i].id, (unsigned long long)v);
    }
}

/* TLS sessions alive (guests' streams and node links), appended to
 * /metrics. */
static void tls_metrics(char **text, size_t *len)
{
    char extra[160];
    int k = snprintf(extra, sizeof extra,
                     "# HELP lunatic_tls_sessions TLS sessions open (guests' "
                     "TLS streams and node links).\n# TYPE lunatic_tls_sessions "
                     "gauge\nlunatic_tls_sessions %llu\n",
                     (unsigned long long)net_tls_sessions());
    char *grown = k > 0 && (size_t)k < sizeof extra
                      ? realloc(*text, *len + (size_t)k + 1) : NULL;
    if (!grown)
        return;
    memcpy(grown + *len, extra, (size_t)k + 1);
    *text = grown;
    *len += (size_t)k;
}

/* The node's view, appended to /metrics: members and links, and each
 * peer's connection state and traffic (counted by its link). */
static void node_metrics(metrics_http_t *m, char **text, size_t *len)
{
    if (!m->cluster)
        return;
    dist_node_t *n = dist_cluster_node(m->cluster);
    size_t members = dist_node_members(n, NULL, NULL, 0);
    size_t links = dist_node_links(n);
    static dist_peer_info_t peers[PEERS_MAX]; /* one scrape at a time */
    size_t np = dist_node_peers(n, peers, PEERS_MAX);
    np = np < PEERS_MAX ? np : PEERS_MAX;
    char *extra = NULL;
    size_t k = 0;
    FILE *f = open_memstream(&extra, &k);
    if (!f)
        return;
    fprintf(f, "# HELP lunatic_node_members Cluster members up, this node "
            "included.\n# TYPE lunatic_node_members gauge\n"
            "lunatic_node_members %zu\n"
            "# HELP lunatic_node_links Links to other nodes up.\n"
            "# TYPE lunatic_node_links gauge\nlunatic_node_links %zu\n",
            members, links);
    peer_family(f, "lunatic_node_peer_up", "gauge",
                "1 while the link to this member is up (0: it waits for the "
                "link a tie-break kept).", peers, np, 0);
    peer_family(f, "lunatic_node_peer_sent_bytes_total", "counter",
                "Bytes of frames written to this member's link.", peers, np,
                1);
    peer_family(f, "lunatic_node_peer_received_bytes_total", "counter",
                "Bytes of frames read from this member's link.", peers, np,
                2);
    peer_family(f, "lunatic_node_peer_sent_messages_total", "counter",
                "Data messages sent to this member.", peers, np, 3);
    peer_family(f, "lunatic_node_peer_received_messages_total", "counter",
                "Data messages received from this member.", peers, np, 4);
    if (fclose(f) != 0 || !extra) {
        free(extra);
        return;
    }
    char *grown = realloc(*text, *len + k + 1);
    if (grown) {
        memcpy(grown + *len, extra, k + 1);
        *text = grown;
        *len += k;
    }
    free(extra);
}

static const char *query_value(const char *query, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = query; p && *p; p = strchr(p, '&'), p = p ? p + 1 : p)
        if (strncmp(p, key, n) == 0 && p[n] == '=')
            return p + n + 1;
    return NULL;
}

static void serve_processes(metrics_http_t *m, int fd, const char *query)
{
    sched_proc_sort by = SCHED_SORT_REDUCTIONS;
    const char *s = query_value(query, "sort");
    if (s && strncmp(s, "memory", 6) == 0)
        by = SCHED_SORT_MEMORY;
    else if (s && strncmp(s, "mailbox", 7) == 0)
        by = SCHED_SORT_MAILBOX;
    const char *l = query_value(query, "limit");
    long limit = l ? strtol(l, NULL, 10) : 20;
    limit = limit < 1 ? 1 : limit > 1000 ? 1000 : limit;
    size_t len = 0;
    char *text = sched_processes_text(m->rt, by, (uint32_t)limit, &len);
    if (!text)
        return respond(fd, "503 Service Unavailable", "text/plain",
                       "out of memory\n", 14);
    respond(fd, "200 OK", "text/plain; charset=utf-8", text, len);
    free(text);
}

static void serve_metrics(metrics_http_t *m, int fd)
{
    size_t len = 0;
    char *text = sched_metrics_prometheus(m->rt, &len);
    if (!text)
        return respond(fd, "503 Service Unavailable", "text/plain",
                       "out of memory\n", 14);
    tls_metrics(&text, &len);
    node_metrics(m, &text, &len);
    respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text,
            len);
    free(text);
}

/* Read the request (up to the end of its headers, so that closing does
 * not reset a connection with unread bytes) and answer its first line
 * ("GET /path?query HTTP/1.1"). */
static void serve_one(metrics_http_t *m, int fd)
{
    char req[REQUEST_MAX + 1];
    size_t n = 0;
    while (n < REQUEST_MAX && !memmem(req, n, "\r\n\r\n", 4) &&
           !memmem(req, n, "\n\n", 2) && wait_fd(fd, POLLIN)) {
        ssize_t k = recv(fd, req + n, REQUEST_MAX - n, MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    req[n] = 0;
    char path[512] = "";
    if (sscanf(req, "GET %511s", path) != 1)
        return respond(fd, "400 Bad Request", "text/plain",
                       "want GET /metrics or GET /processes\n", 36);
    char *query = strchr(path, '?');
    if (query)
        *query++ = 0;
    if (strcmp(path, "/metrics") == 0)
        serve_metrics(m, fd);
    else if (strcmp(path, "/processes") == 0)
        serve_processes(m, fd, query);
    else
        respond(fd, "404 Not Found", "text/plain",
                "see /metrics and /processes\n", 28);
}

/* }===== */

static void *serve_loop(void *arg)
{
    metrics_http_t *m = arg;
    while (!atomic_load(&m->stop)) {
        struct pollfd p = {.fd = m->fd, .events = POLLIN};
        if (poll(&p, 1, 200) != 1)
            continue;
        int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EMFILE || errno == ENFILE)
                usleep(100000); /* at the fd limit: do not spin */
            continue;
        }
        serve_one(m, c);
        close(c);
    }
    return NULL;
}

int metrics_http_attach(metrics_http_t *m, sched_runtime_t *rt,
                        dist_cluster_t *cluster)
{
    m->rt = rt;
    m->cluster = cluster;
    atomic_store(&m->stop, false);
    if (pthread_create(&m->thread, NULL, serve_loop, m) != 0) {
        fprintf(stderr, "lunatic: --metrics: cannot start its thread\n");
        return -1;
    }
    m->running = true;
    return 0;
}

void metrics_http_detach(metrics_http_t *m)
{
    if (!m || !m->running)
        return;
    atomic_store(&m->stop, true);
    pthread_join(m->thread, NULL);
    m->running = false;
    m->rt = NULL;
}

void metrics_http_close(metrics_http_t *m)
{
    if (!m)
        return;
    metrics_http_detach(m);
    close(m->fd);
    free(m);
}
