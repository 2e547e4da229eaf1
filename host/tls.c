/* tls.c: lunatic::networking, TLS listeners and streams (mbedtls through
 * net/net.h; handshakes park on WANT_READ/WANT_WRITE and, unlike Lunatic
 * 0.13, a failed handshake returns 1 and an error id instead of
 * trapping). The socket helpers come from networking.c. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "host/networking.h"

static net_sock_t *tls_stream(vm_exec_t *ex, uint64_t id)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res,
                                      &host__res_tls_stream, id);
    if (!s)
        host__trap(ex, "unknown tls stream id");
    return s;
}

static vm_status h_tls_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_addr_t addr;
    uint8_t *out = host__net_out8(ex, a[5].u32);
    const uint8_t *cert = host__guest(ex, a[6].u32, a[7].u32);
    const uint8_t *key = host__guest(ex, a[8].u32, a[9].u32);
    net_tls_conf_t *conf;
    char err[160];
    int fd;
    (void)ud;
    if (!out || !host__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    if (!cert || !key)
        return host__trap(ex, "tls_bind: certificate or key out of bounds");
    /* A bad certificate or key is a programmer error: a trap, as in
     * Lunatic. */
    if (net_tls_server_conf(cert, a[7].u32, key, a[9].u32, &conf, err,
                            sizeof err) != 0)
        return host__trap(ex, err);
    int rc = net_tcp_listen(&addr, &fd);
    if (rc != 0) {
        net_tls_conf_unref(conf);
        return host__net_fail(ex, a, out, lun_strerror(rc));
    }
    net_sock_t *s = host__sock_new(fd);
    if (!s) {
        net_close(fd);
        net_tls_conf_unref(conf);
    } else {
        s->conf = conf;
    }
    return host__net_add_sock(ex, a, &host__res_tls_listener, s, out);
}

static vm_status h_drop_tls_listener(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_drop(ex, &host__res_tls_listener, a[0].u64,
                           "unknown tls listener id");
}

static vm_status h_drop_tls_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_drop(ex, &host__res_tls_stream, a[0].u64,
                           "unknown tls stream id");
}

static vm_status h_clone_tls_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_clone(ex, a, &host__res_tls_stream,
                            "unknown tls stream id");
}

static vm_status h_tls_local_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = sched__restab_get(&p->res, &host__res_tls_listener,
                                      a[0].u64);
    uint8_t *out = host__net_out8(ex, a[1].u32);
    net_addr_t addr;
    uint64_t id;
    (void)ud;
    if (!s)
        return host__trap(ex, "unknown tls listener id");
    if (!out)
        return VM_TRAP;
    int rc = net_local_addr(s->fd, &addr);
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    if (host__net_addr_iter(p, &addr, &id) != 0)
        return host__trap(ex, "out of memory");
    return host__net_ok_id(a, out, id);
}

/* One handshake step on s: done (true), or parked/failed (*st set). */
static bool handshake(vm_exec_t *ex, vm_slot *a, net_sock_t *s,
                      uint8_t *out, uint64_t timeout, vm_status *st)
{
    sched_proc_t *p = sched__cur(ex);
    lun_mutex_lock(&s->lock);
    int rc = net_tls_handshake(s->tls);
    uint32_t want = net_tls_want(s->tls);
    lun_mutex_unlock(&s->lock);
    if (rc == 0)
        return true;
    if (rc == LUN_EAGAIN && host__net_timed_out(p)) {
        host__net_done(p);
        a[0].i32 = SCHED_TIMEOUT_CODE;
        *st = VM_OK;
    } else if (rc == LUN_EAGAIN) {
        *st = host__net_block(p, s->fd, want, timeout);
    } else {
        *st = host__net_fail(ex, a, out, net_tls_error(s->tls));
    }
    return false;
}

static vm_status h_tls_accept(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *l = sched__restab_get(&p->res, &host__res_tls_listener,
                                      a[0].u64);
    uint8_t *out = host__net_out8(ex, a[1].u32), *peer_out = host__net_out8(ex, a[2].u32);
    net_pending_t *r = host__net_pending(p);
    vm_status st;
    uint64_t pid;
    int fd;
    (void)ud;
    if (!l)
        return host__trap(ex, "unknown tls listener id");
    if (!out || !peer_out)
        return VM_TRAP;
    if (!r)
        return host__trap(ex, "out of memory");
    if (!r->sock) { /* phase 1: a TCP connection */
        host__accept_resume(p);
        int rc = net_tcp_accept(l->fd, &fd, &r->peer);
        if (rc == LUN_EAGAIN)
            return host__net_block(p, l->fd, NET_READABLE, SCHED_FOREVER);
        if (rc == LUN_ELIMIT)
            return host__accept_pause(p);
        host__put_u64(peer_out, 0);
        if (rc != 0)
            return host__net_fail(ex, a, out, lun_strerror(rc));
        if (!(r->sock = host__sock_new(fd))) {
            net_close(fd);
            return host__trap(ex, "out of memory");
        }
        if (net_tls_new(l->conf, fd, NULL, &r->sock->tls) != 0)
            return host__trap(ex, "out of memory");
    }
    /* phase 2: the handshake; a failure is an error id (not a trap) */
    if (!handshake(ex, a, r->sock, out, SCHED_FOREVER, &st))
        return st;
    net_sock_t *s = r->sock;
    r->sock = NULL;
    if (host__net_addr_iter(p, &r->peer, &pid) != 0) {
        host__sock_unref(s);
        return host__trap(ex, "out of memory");
    }
    host__net_done(p);
    host__put_u64(peer_out, pid);
    return host__net_add_sock(ex, a, &host__res_tls_stream, s, out);
}

/* tls_connect phase 0: the roots, then the lookup starts. */
static bool connect_setup(vm_exec_t *ex, vm_slot *a, net_pending_t *r,
                          const char *host, vm_status *st)
{
    const uint8_t *bufs[16];
    size_t lens[16];
    net_iov_t iov[16];
    char err[160], name[300];
    int n = host__net_iovecs(ex, a[5].u32, a[6].u32, iov, 16);
    if (n < 0) {
        *st = host__trap(ex, "tls_connect: certificates out of bounds");
        return false;
    }
    for (int i = 0; i < n; i++) {
        bufs[i] = iov[i].base;
        lens[i] = iov[i].len;
    }
    if (net_tls_client_conf(bufs, lens, (size_t)n, &r->conf, err,
                            sizeof err) != 0) {
        *st = host__trap(ex, err); /* bad PEM: a trap, as in Lunatic */
        return false;
    }
    /* getaddrinfo may wait on a DNS server: it runs on the resolver
     * pool, which wakes us, as for `resolve`. */
    n = snprintf(name, sizeof name, strchr(host, ':') ? "[%s]:%u" : "%s:%u",
                 host, (unsigned)(uint16_t)a[2].u32);
    if (net_dns_start(name, (size_t)n, host__net_dns_wake, sched__cur(ex),
                      &r->dns) != 0) {
        *st = host__trap(ex, "out of memory");
        return false;
    }
    return true;
}

/* tls_connect phase 1: wait for the lookup; keep its addresses. */
static bool connect_resolve(vm_exec_t *ex, vm_slot *a, net_pending_t *r,
                            uint8_t *out, vm_status *st)
{
    sched_proc_t *p = sched__cur(ex);
    const net_addr_t *addrs;
    const char *err;
    size_t n;
    if (!net_dns_done(r->dns)) {
        if (host__net_timed_out(p)) {
            host__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            *st = VM_OK;
        } else {
            *st = host__net_block(p, -1, 0, a[3].u64);
        }
        return false;
    }
    if (net_dns_result(r->dns, &addrs, &n, &err) != 0 || n == 0) {
        *st = host__net_fail(ex, a, out, "tls_connect: cannot resolve host");
        return false;
    }
    if (!(r->addrs = malloc(n * sizeof *addrs))) {
        *st = host__trap(ex, "out of memory");
        return false;
    }
    memcpy(r->addrs, addrs, n * sizeof *addrs);
    r->naddrs = n;
    net_dns_release(r->dns);
    r->dns = NULL;
    return true;
}

/* tls_connect phase 2: TCP connect to the next address. */
static bool connect_tcp(vm_exec_t *ex, vm_slot *a, net_pending_t *r,
                        uint8_t *out, vm_status *st)
{
    sched_proc_t *p = sched__cur(ex);
    net_addr_t peer;
    int rc;
    for (;;) {
        if (r->fd < 0) {
            if (r->next >= r->naddrs) {
                *st = host__net_fail(ex, a, out, "tls_connect: connection "
                                                  "refused");
                return false;
            }
            rc = net_tcp_connect(&r->addrs[r->next++], &r->fd);
        } else {
            rc = net_connect_result(r->fd);
            if (rc == 0 && net_peer_addr(r->fd, &peer) != 0)
                rc = LUN_EAGAIN;
        }
        if (rc == 0)
            return true;
        if (rc != LUN_EAGAIN) {
            net_close(r->fd);
            r->fd = -1;
            continue;
        }
        if (host__net_timed_out(p)) {
            host__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            *st = VM_OK;
        } else {
            *st = host__net_block(p, r->fd, NET_WRITABLE, a[3].u64);
        }
        return false;
    }
}

static vm_status h_tls_connect(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const uint8_t *name = host__guest(ex, a[0].u32, a[1].u32);
    uint8_t *out = host__net_out8(ex, a[4].u32);
    net_pending_t *r = host__net_pending(p);
    char host[256];
    vm_status st;
    (void)ud;
    if (!out)
        return VM_TRAP;
    if (!name || a[1].u32 >= sizeof host || memchr(name, 0, a[1].u32))
        return host__trap(ex, "tls_connect: invalid host name");
    if (!r)
        return host__trap(ex, "out of memory");
    memcpy(host, name, a[1].u32);
    host[a[1].u32] = '\0';
    if (r->phase == 0) {
        if (!connect_setup(ex, a, r, host, &st))
            return st;
        r->phase = 1;
    }
    if (r->phase == 1) {
        if (!connect_resolve(ex, a, r, out, &st))
            return st;
        r->phase = 2;
    }
    if (r->phase == 2) {
        if (!connect_tcp(ex, a, r, out, &st))
            return st;
        if (!(r->sock = host__sock_new(r->fd)))
            return host__trap(ex, "out of memory");
        r->fd = -1;
        if (net_tls_new(r->conf, r->sock->fd, host, &r->sock->tls) != 0)
            return host__trap(ex, "out of memory");
        r->phase = 3;
    }
    if (!handshake(ex, a, r->sock, out, a[3].u64, &st))
        return st;
    net_sock_t *s = r->sock;
    r->sock = NULL;
    host__net_done(p);
    return host__net_add_sock(ex, a, &host__res_tls_stream, s, out);
}

/* A TLS read or write: n bytes, an error, or parked on what mbedtls
 * wants (a read may need to write, during renegotiation). */
static vm_status tls_io(vm_exec_t *ex, vm_slot *a, net_sock_t *s,
                        uint8_t *out, int64_t n, uint64_t timeout)
{
    sched_proc_t *p = sched__cur(ex);
    if (n == LUN_EAGAIN) {
        if (host__net_timed_out(p)) {
            host__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            return VM_OK;
        }
        return host__net_block(p, s->fd, net_tls_want(s->tls), timeout);
    }
    if (n < 0)
        return host__net_fail(ex, a, out, net_tls_error(s->tls));
    host__net_done(p);
    return host__net_ok_id(a, out, (uint64_t)n);
}

static vm_status h_tls_read(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = tls_stream(ex, a[0].u64);
    uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return host__trap(ex, "tls_read: buffer out of bounds");
    lun_mutex_lock(&s->lock);
    int64_t n = net_tls_read(s->tls, buf, a[2].u32);
    lun_mutex_unlock(&s->lock);
    return tls_io(ex, a, s, out, n, atomic_load(&s->read_to));
}

static vm_status h_tls_write_vectored(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = tls_stream(ex, a[0].u64);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    net_iov_t iov[1];
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    /* One buffer per call: a short write is what write_vectored allows. */
    int k = host__net_iovecs(ex, a[1].u32, a[2].u32, iov, 1);
    if (k < 0)
        return host__trap(ex, "tls write: ciovec out of bounds");
    if (k == 0)
        return tls_io(ex, a, s, out, 0, 0);
    lun_mutex_lock(&s->lock);
    int64_t n = net_tls_write(s->tls, iov[0].base, iov[0].len);
    lun_mutex_unlock(&s->lock);
    return tls_io(ex, a, s, out, n, atomic_load(&s->write_to));
}

static vm_status h_tls_flush(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint8_t *out = host__net_out8(ex, a[1].u32);
    (void)ud;
    if (!tls_stream(ex, a[0].u64) || !out)
        return VM_TRAP;
    return host__net_ok_id(a, out, 0); /* records go out whole in each write */
}

#define TLS_TIMEOUT_FNS(name, field)                                         \
    static vm_status h_set_##name(vm_exec_t *ex, vm_slot *a, void *ud)      \
    {                                                                        \
        net_sock_t *s = tls_stream(ex, a[0].u64);                            \
        (void)ud;                                                            \
        if (!s)                                                              \
            return VM_TRAP;                                                  \
        atomic_store(&s->field, a[1].u64);                                   \
        return VM_OK;                                                        \
    }                                                                        \
    static vm_status h_get_##name(vm_exec_t *ex, vm_slot *a, void *ud)      \
    {                                                                        \
        net_sock_t *s = tls_stream(ex, a[0].u64);                            \
        (void)ud;                                                            \
        if (!s)                                                              \
            return VM_TRAP;                                                  \
        a[0].u64 = atomic_load(&s->field);                                   \
        return VM_OK;                                                        \
    }
TLS_TIMEOUT_FNS(tls_read_timeout, read_to)
TLS_TIMEOUT_FNS(tls_write_timeout, write_to)

#define N "lunatic::networking"
const sched_binding_t host__api_tls[] = {
    {N, "tls_bind", "iiiiiiiiii:i", h_tls_bind},
    {N, "drop_tls_listener", "I:", h_drop_tls_listener},
    {N, "tls_local_addr", "Ii:i", h_tls_local_addr},
    {N, "tls_accept", "Iii:i", h_tls_accept},
    {N, "tls_connect", "iiiIiii:i", h_tls_connect},
    {N, "drop_tls_stream", "I:", h_drop_tls_stream},
    {N, "clone_tls_stream", "I:I", h_clone_tls_stream},
    {N, "tls_write_vectored", "Iiii:i", h_tls_write_vectored},
    {N, "tls_read", "Iiii:i", h_tls_read},
    {N, "set_tls_read_timeout", "II:", h_set_tls_read_timeout},
    {N, "set_tls_write_timeout", "II:", h_set_tls_write_timeout},
    {N, "get_tls_read_timeout", "I:I", h_get_tls_read_timeout},
    {N, "get_tls_write_timeout", "I:I", h_get_tls_write_timeout},
    {N, "tls_flush", "Ii:i", h_tls_flush},
};
const size_t host__api_tls_n = sizeof host__api_tls / sizeof host__api_tls[0];
