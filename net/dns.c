/* dns.c: name resolution that never blocks the caller: getaddrinfo runs
 * on a small pool of resolver threads (libuv does the same), and a
 * callback says when a request is done. Interface: net/net.h. */
#include "common/lun_prefix.h"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/lun_lock.h"
#include "net/net.h"

#define RESOLVERS 4        /* threads; lookups are rare and slow */
#define NAME_MAX_LEN 1024  /* longer names are refused at once */
#define ADDRS_MAX 64

struct net_dns {
    struct net_dns *next; /* pool queue */
    char host[NAME_MAX_LEN + 1];
    char port[8];
    net_dns_cb cb;
    void *ud;
    bool done, released;
    int rc;
    const char *err;
    net_addr_t *addrs;
    size_t n;
};

/* One pool per program: resolver threads outlive runtimes, and a
 * request's lifetime is settled under this one lock. */
static pthread_mutex_t pool_lock = LUN_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static net_dns_t *queue_head, *queue_tail;
static int nthreads;

static void fill(net_dns_t *r, const struct addrinfo *res)
{
    size_t n = 0;
    for (const struct addrinfo *ai = res; ai && n < ADDRS_MAX; ai = ai->ai_next)
        n++;
    r->addrs = calloc(n ? n : 1, sizeof *r->addrs);
    if (!r->addrs) {
        r->rc = LUN_ENOMEM;
        r->err = "out of memory";
        return;
    }
    for (const struct addrinfo *ai = res; ai && r->n < n; ai = ai->ai_next) {
        net_addr_t *a = &r->addrs[r->n];
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *s = (const void *)ai->ai_addr;
            a->family = 4;
            a->port = ntohs(s->sin_port);
            memcpy(a->ip, &s->sin_addr, 4);
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *s = (const void *)ai->ai_addr;
            a->family = 6;
            a->port = ntohs(s->sin6_port);
            a->flowinfo = ntohl(s->sin6_flowinfo);
            a->scope_id = s->sin6_scope_id;
            memcpy(a->ip, &s->sin6_addr, 16);
        } else {
            continue;
        }
        r->n++;
    }
}

static void resolve(net_dns_t *r)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int e = getaddrinfo(r->host, r->port, &hints, &res);
    if (e != 0) {
        r->rc = LUN_EIO;
        r->err = gai_strerror(e);
        return;
    }
    fill(r, res);
    freeaddrinfo(res);
}

static void *resolver_main(void *arg)
{
    (void)arg;
    lun_mutex_lock(&pool_lock);
    for (;;) {
        while (!queue_head)
            lun_cond_wait(&pool_cond, &pool_lock);
        net_dns_t *r = queue_head;
        queue_head = r->next;
        if (!queue_head)
            queue_tail = NULL;
        if (!r->released) {
            lun_mutex_unlock(&pool_lock);
            resolve(r);
            lun_mutex_lock(&pool_lock);
        }
        r->done = true;
        if (r->released) {
            free(r->addrs);
            free(r);
        } else if (r->cb) {
            r->cb(r->ud); /* under the lock: release() cannot pass it */
        }
    }
    return NULL;
}

/* Split "host:port" / "[v6]:port"; false if malformed. */
static bool split(net_dns_t *r, const char *name, size_t len)
{
    size_t colon = len;
    while (colon > 0 && name[colon - 1] != ':')
        colon--;
    if (colon == 0 || len - colon == 0 || len - colon > 5)
        return false;
    size_t hl = colon - 1, hs = 0;
    if (hl >= 2 && name[0] == '[' && name[hl - 1] == ']') {
        hs = 1;
        hl -= 2;
    }
    if (hl == 0 || hl > NAME_MAX_LEN || memchr(name, '\0', len))
        return false;
    for (size_t i = colon; i < len; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    memcpy(r->host, name + hs, hl);
    r->host[hl] = '\0';
    memcpy(r->port, name + colon, len - colon);
    r->port[len - colon] = '\0';
    return atoi(r->port) <= 65535;
}

int net_dns_start(const char *name, size_t len, net_dns_cb cb, void *ud,
                  net_dns_t **out)
{
    net_dns_t *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return LUN_ENOMEM;
    r->cb = cb;
    r->ud = ud;
    *out = r;
    if (!split(r, name, len)) {
        r->done = true;
        r->rc = LUN_EINVAL;
        r->err = "invalid socket address (expected host:port)";
        return 0;
    }
    lun_mutex_lock(&pool_lock);
    if (nthreads < RESOLVERS) {
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, resolver_main, NULL) == 0)
            nthreads++;
        pthread_attr_destroy(&at);
    }
    if (queue_tail)
        queue_tail->next = r;
    else
        queue_head = r;
    queue_tail = r;
    lun_cond_signal(&pool_cond);
    lun_mutex_unlock(&pool_lock);
    return 0;
}

bool net_dns_done(net_dns_t *r)
{
    lun_mutex_lock(&pool_lock);
    bool d = r->done;
    lun_mutex_unlock(&pool_lock);
    return d;
}

int net_dns_result(net_dns_t *r, const net_addr_t **out, size_t *out_n,
                   const char **out_err)
{
    *out = r->addrs;
    *out_n = r->n;
    *out_err = r->err;
    return r->rc;
}

void net_dns_release(net_dns_t *r)
{
    if (!r)
        return;
    lun_mutex_lock(&pool_lock);
    bool queued_or_running = !r->done;
    r->released = true;
    lun_mutex_unlock(&pool_lock);
    if (!queued_or_running) {
        free(r->addrs);
        free(r);
    }
}

int net_dns_lookup(const char *host, uint16_t port, net_addr_t **out,
                   size_t *out_n)
{
    net_dns_t r = {0};
    size_t hl = strlen(host);
    if (hl > NAME_MAX_LEN)
        return LUN_EINVAL;
    memcpy(r.host, host, hl + 1);
    snprintf(r.port, sizeof r.port, "%u", (unsigned)port);
    resolve(&r);
    *out = r.addrs;
    *out_n = r.n;
    return r.rc;
}
