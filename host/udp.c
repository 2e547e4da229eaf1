/* api_udp_tls.c: lunatic::networking, part 2: UDP sockets and TLS streams
 * (mbedtls through net/net.h; handshakes park on WANT_READ/WANT_WRITE
 * and, unlike Lunatic 0.13, a failed handshake returns 1 and an error
 * id instead of trapping). Helpers come from api_net.c. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "host/networking.h"

static vm_status ok_id(vm_slot *a, uint8_t *out, uint64_t id)
{
    sched__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

/* Put a new socket for fd into t; traps on no memory. */
static vm_status add_sock(vm_exec_t *ex, vm_slot *a, const sched_res_kind_t *k,
                          net_sock_t *s, uint8_t *out)
{
    uint64_t id;
    if (!s || sched__restab_add(&sched__cur(ex)->res, k, s, &id) != 0) {
        sched__sock_unref(s);
        return sched__trap(ex, "out of memory");
    }
    return ok_id(a, out, id);
}

/* {===== UDP */

static net_sock_t *udp(vm_exec_t *ex, uint64_t id)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res, &sched__res_udp_socket, id);
    if (!s)
        sched__trap(ex, "unknown udp socket id");
    return s;
}

static vm_status h_udp_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_addr_t addr;
    uint8_t *out = sched__net_out8(ex, a[5].u32);
    int fd;
    (void)ud;
    if (!out || !sched__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    int rc = net_udp_bind(&addr, &fd);
    if (rc != 0)
        return sched__net_fail(ex, a, out, lun_strerror(rc));
    net_sock_t *s = sched__sock_new(fd);
    if (!s)
        net_close(fd);
    return add_sock(ex, a, &sched__res_udp_socket, s, out);
}

static vm_status udp_addr(vm_exec_t *ex, vm_slot *a, bool peer)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *out = sched__net_out8(ex, a[1].u32);
    net_addr_t addr;
    uint64_t id;
    if (!s || !out)
        return VM_TRAP;
    int rc = peer ? net_peer_addr(s->fd, &addr) : net_local_addr(s->fd, &addr);
    if (rc != 0) {
        sched__net_fail(ex, a, out, lun_strerror(rc));
        /* udp_peer_addr: 1 = not connected, 2 = another error */
        if (peer && rc != LUN_ERR_ERRNO(107 /* ENOTCONN */))
            a[0].i32 = 2;
        return VM_OK;
    }
    if (sched__net_addr_iter(p, &addr, &id) != 0)
        return sched__trap(ex, "out of memory");
    return ok_id(a, out, id);
}

static vm_status h_udp_local_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return udp_addr(ex, a, false);
}

static vm_status h_udp_peer_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return udp_addr(ex, a, true);
}

static vm_status h_drop_udp_socket(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return sched__net_drop(ex, &sched__res_udp_socket, a[0].u64,
                           "unknown udp socket id");
}

static vm_status h_clone_udp_socket(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return sched__net_clone(ex, a, &sched__res_udp_socket,
                            "unknown udp socket id");
}

/* n bytes moved, an error, or blocked (UDP calls have no timeout). */
static vm_status udp_result(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                            int64_t n, int fd, uint32_t ev)
{
    sched_proc_t *p = sched__cur(ex);
    if (n == LUN_EAGAIN)
        return sched__net_block(p, fd, ev, SCHED_FOREVER);
    if (n < 0)
        return sched__net_fail(ex, a, out, lun_strerror((int)n));
    sched__net_done(p);
    return ok_id(a, out, (uint64_t)n);
}

static vm_status h_udp_receive(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *buf = sched__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = sched__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return sched__trap(ex, "udp_receive: buffer out of bounds");
    int64_t n = net_recvfrom(s->fd, buf, a[2].u32, NULL);
    return udp_result(ex, a, out, n, s->fd, NET_READABLE);
}

static vm_status h_udp_receive_from(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *buf = sched__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = sched__net_out8(ex, a[3].u32), *from_out = sched__net_out8(ex, a[4].u32);
    net_addr_t from;
    uint64_t id;
    (void)ud;
    if (!s || !out || !from_out)
        return VM_TRAP;
    if (!buf)
        return sched__trap(ex, "udp_receive_from: buffer out of bounds");
    int64_t n = net_recvfrom(s->fd, buf, a[2].u32, &from);
    if (n >= 0) {
        if (sched__net_addr_iter(p, &from, &id) != 0)
            return sched__trap(ex, "out of memory");
        sched__put_u64(from_out, id);
    }
    return udp_result(ex, a, out, n, s->fd, NET_READABLE);
}

static vm_status h_udp_connect(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *out = sched__net_out8(ex, a[7].u32);
    net_addr_t addr;
    (void)ud;
    if (!s || !out || !sched__net_addr(ex, a[1].u32, a[2].u32, a[3].u32,
                                       a[4].u32, a[5].u32, &addr))
        return VM_TRAP;
    /* A UDP connect only sets the default peer: it never waits, so the
     * timeout (a[6]) cannot fire. */
    int rc = net_udp_connect(s->fd, &addr);
    if (rc != 0)
        return sched__net_fail(ex, a, out, lun_strerror(rc));
    return ok_id(a, out, 0);
}

static vm_status h_udp_send_to(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    const uint8_t *buf = sched__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = sched__net_out8(ex, a[8].u32);
    net_addr_t to;
    (void)ud;
    if (!s || !out || !sched__net_addr(ex, a[3].u32, a[4].u32, a[5].u32,
                                       a[6].u32, a[7].u32, &to))
        return VM_TRAP;
    if (!buf)
        return sched__trap(ex, "udp_send_to: buffer out of bounds");
    int64_t n = net_sendto(s->fd, buf, a[2].u32, &to);
    return udp_result(ex, a, out, n, s->fd, NET_WRITABLE);
}

static vm_status h_udp_send(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    const uint8_t *buf = sched__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = sched__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return sched__trap(ex, "udp_send: buffer out of bounds");
    int64_t n = net_sendto(s->fd, buf, a[2].u32, NULL);
    return udp_result(ex, a, out, n, s->fd, NET_WRITABLE);
}

static vm_status h_set_broadcast(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    (void)ud;
    if (!s)
        return VM_TRAP;
    if (net_set_broadcast(s->fd, a[1].u32 != 0) != 0)
        return sched__trap(ex, "set_udp_socket_broadcast failed");
    return VM_OK;
}

static vm_status h_get_broadcast(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    bool on;
    (void)ud;
    if (!s)
        return VM_TRAP;
    if (net_get_broadcast(s->fd, &on) != 0)
        return sched__trap(ex, "get_udp_socket_broadcast failed");
    a[0].i32 = on;
    return VM_OK;
}

static vm_status h_set_ttl(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    (void)ud;
    if (!s)
        return VM_TRAP;
    if (net_set_ttl(s->fd, a[1].u32) != 0)
        return sched__trap(ex, "set_udp_socket_ttl failed");
    return VM_OK;
}

static vm_status h_get_ttl(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    uint32_t ttl;
    (void)ud;
    if (!s)
        return VM_TRAP;
    if (net_get_ttl(s->fd, &ttl) != 0)
        return sched__trap(ex, "get_udp_socket_ttl failed");
    a[0].u32 = ttl;
    return VM_OK;
}

/* }===== */
/* {===== TLS */

static net_sock_t *tls_stream(vm_exec_t *ex, uint64_t id)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res, &sched__res_tls_stream, id);
    if (!s)
        sched__trap(ex, "unknown tls stream id");
    return s;
}

static vm_status h_tls_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_addr_t addr;
    uint8_t *out = sched__net_out8(ex, a[5].u32);
    const uint8_t *cert = sched__guest(ex, a[6].u32, a[7].u32);
    const uint8_t *key = sched__guest(ex, a[8].u32, a[9].u32);
    net_tls_conf_t *conf;
    char err[160];
    int fd;
    (void)ud;
    if (!out || !sched__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    if (!cert || !key)
        return sched__trap(ex, "tls_bind: certificate or key out of bounds");
    /* A bad certificate or key is a programmer error: a trap, as in
     * Lunatic. */
    if (net_tls_server_conf(cert, a[7].u32, key, a[9].u32, &conf, err,
                            sizeof err) != 0)
        return sched__trap(ex, err);
    int rc = net_tcp_listen(&addr, &fd);
    if (rc != 0) {
        net_tls_conf_unref(conf);
        return sched__net_fail(ex, a, out, lun_strerror(rc));
    }
    net_sock_t *s = sched__sock_new(fd);
    if (!s) {
        net_close(fd);
        net_tls_conf_unref(conf);
    } else {
        s->conf = conf;
    }
    return add_sock(ex, a, &sched__res_tls_listener, s, out);
}

static vm_status h_drop_tls_listener(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return sched__net_drop(ex, &sched__res_tls_listener, a[0].u64,
                           "unknown tls listener id");
}

static vm_status h_drop_tls_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return sched__net_drop(ex, &sched__res_tls_stream, a[0].u64,
                           "unknown tls stream id");
}

static vm_status h_clone_tls_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return sched__net_clone(ex, a, &sched__res_tls_stream,
                            "unknown tls stream id");
}

static vm_status h_tls_local_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = sched__restab_get(&p->res, &sched__res_tls_listener, a[0].u64);
    uint8_t *out = sched__net_out8(ex, a[1].u32);
    net_addr_t addr;
    uint64_t id;
    (void)ud;
    if (!s)
        return sched__trap(ex, "unknown tls listener id");
    if (!out)
        return VM_TRAP;
    int rc = net_local_addr(s->fd, &addr);
    if (rc != 0)
        return sched__net_fail(ex, a, out, lun_strerror(rc));
    if (sched__net_addr_iter(p, &addr, &id) != 0)
        return sched__trap(ex, "out of memory");
    return ok_id(a, out, id);
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
    if (rc == LUN_EAGAIN && sched__net_timed_out(p)) {
        sched__net_done(p);
        a[0].i32 = SCHED_TIMEOUT_CODE;
        *st = VM_OK;
    } else if (rc == LUN_EAGAIN) {
        *st = sched__net_block(p, s->fd, want, timeout);
    } else {
        *st = sched__net_fail(ex, a, out, net_tls_error(s->tls));
    }
    return false;
}

static vm_status h_tls_accept(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *l = sched__restab_get(&p->res, &sched__res_tls_listener, a[0].u64);
    uint8_t *out = sched__net_out8(ex, a[1].u32), *peer_out = sched__net_out8(ex, a[2].u32);
    net_pending_t *r = sched__net_pending(p);
    vm_status st;
    uint64_t pid;
    int fd;
    (void)ud;
    if (!l)
        return sched__trap(ex, "unknown tls listener id");
    if (!out || !peer_out)
        return VM_TRAP;
    if (!r)
        return sched__trap(ex, "out of memory");
    if (!r->sock) { /* phase 1: a TCP connection */
        sched__accept_resume(p);
        int rc = net_tcp_accept(l->fd, &fd, &r->peer);
        if (rc == LUN_EAGAIN)
            return sched__net_block(p, l->fd, NET_READABLE, SCHED_FOREVER);
        if (rc == LUN_ELIMIT)
            return sched__accept_pause(p);
        sched__put_u64(peer_out, 0);
        if (rc != 0)
            return sched__net_fail(ex, a, out, lun_strerror(rc));
        if (!(r->sock = sched__sock_new(fd))) {
            net_close(fd);
            return sched__trap(ex, "out of memory");
        }
        if (net_tls_new(l->conf, fd, NULL, &r->sock->tls) != 0)
            return sched__trap(ex, "out of memory");
    }
    /* phase 2: the handshake; a failure is an error id (not a trap) */
    if (!handshake(ex, a, r->sock, out, SCHED_FOREVER, &st))
        return st;
    net_sock_t *s = r->sock;
    r->sock = NULL;
    if (sched__net_addr_iter(p, &r->peer, &pid) != 0) {
        sched__sock_unref(s);
        return sched__trap(ex, "out of memory");
    }
    sched__net_done(p);
    sched__put_u64(peer_out, pid);
    return add_sock(ex, a, &sched__res_tls_stream, s, out);
}

/* tls_connect phase 0: the roots, then the lookup starts. */
static bool connect_setup(vm_exec_t *ex, vm_slot *a, net_pending_t *r,
                          const char *host, vm_status *st)
{
    const uint8_t *bufs[16];
    size_t lens[16];
    net_iov_t iov[16];
    char err[160], name[300];
    int n = sched__net_iovecs(ex, a[5].u32, a[6].u32, iov, 16);
    if (n < 0) {
        *st = sched__trap(ex, "tls_connect: certificates out of bounds");
        return false;
    }
    for (int i = 0; i < n; i++) {
        bufs[i] = iov[i].base;
        lens[i] = iov[i].len;
    }
    if (net_tls_client_conf(bufs, lens, (size_t)n, &r->conf, err,
                            sizeof err) != 0) {
        *st = sched__trap(ex, err); /* bad PEM: a trap, as in Lunatic */
        return false;
    }
    /* getaddrinfo may wait on a DNS server: it runs on the resolver
     * pool, which wakes us, as for `resolve`. */
    n = snprintf(name, sizeof name, strchr(host, ':') ? "[%s]:%u" : "%s:%u",
                 host, (unsigned)(uint16_t)a[2].u32);
    if (net_dns_start(name, (size_t)n, sched__net_dns_wake, sched__cur(ex),
                      &r->dns) != 0) {
        *st = sched__trap(ex, "out of memory");
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
        if (sched__net_timed_out(p)) {
            sched__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            *st = VM_OK;
        } else {
            *st = sched__net_block(p, -1, 0, a[3].u64);
        }
        return false;
    }
    if (net_dns_result(r->dns, &addrs, &n, &err) != 0 || n == 0) {
        *st = sched__net_fail(ex, a, out, "tls_connect: cannot resolve host");
        return false;
    }
    if (!(r->addrs = malloc(n * sizeof *addrs))) {
        *st = sched__trap(ex, "out of memory");
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
                *st = sched__net_fail(ex, a, out, "tls_connect: connection "
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
        if (sched__net_timed_out(p)) {
            sched__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            *st = VM_OK;
        } else {
            *st = sched__net_block(p, r->fd, NET_WRITABLE, a[3].u64);
        }
        return false;
    }
}

static vm_status h_tls_connect(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const uint8_t *name = sched__guest(ex, a[0].u32, a[1].u32);
    uint8_t *out = sched__net_out8(ex, a[4].u32);
    net_pending_t *r = sched__net_pending(p);
    char host[256];
    vm_status st;
    (void)ud;
    if (!out)
        return VM_TRAP;
    if (!name || a[1].u32 >= sizeof host || memchr(name, 0, a[1].u32))
        return sched__trap(ex, "tls_connect: invalid host name");
    if (!r)
        return sched__trap(ex, "out of memory");
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
        if (!(r->sock = sched__sock_new(r->fd)))
            return sched__trap(ex, "out of memory");
        r->fd = -1;
        if (net_tls_new(r->conf, r->sock->fd, host, &r->sock->tls) != 0)
            return sched__trap(ex, "out of memory");
        r->phase = 3;
    }
    if (!handshake(ex, a, r->sock, out, a[3].u64, &st))
        return st;
    net_sock_t *s = r->sock;
    r->sock = NULL;
    sched__net_done(p);
    return add_sock(ex, a, &sched__res_tls_stream, s, out);
}

/* A TLS read or write: n bytes, an error, or parked on what mbedtls
 * wants (a read may need to write, during renegotiation). */
static vm_status tls_io(vm_exec_t *ex, vm_slot *a, net_sock_t *s,
                        uint8_t *out, int64_t n, uint64_t timeout)
{
    sched_proc_t *p = sched__cur(ex);
    if (n == LUN_EAGAIN) {
        if (sched__net_timed_out(p)) {
            sched__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            return VM_OK;
        }
        return sched__net_block(p, s->fd, net_tls_want(s->tls), timeout);
    }
    if (n < 0)
        return sched__net_fail(ex, a, out, net_tls_error(s->tls));
    sched__net_done(p);
    return ok_id(a, out, (uint64_t)n);
}

static vm_status h_tls_read(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = tls_stream(ex, a[0].u64);
    uint8_t *buf = sched__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = sched__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return sched__trap(ex, "tls_read: buffer out of bounds");
    lun_mutex_lock(&s->lock);
    int64_t n = net_tls_read(s->tls, buf, a[2].u32);
    lun_mutex_unlock(&s->lock);
    return tls_io(ex, a, s, out, n, atomic_load(&s->read_to));
}

static vm_status h_tls_write_vectored(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = tls_stream(ex, a[0].u64);
    uint8_t *out = sched__net_out8(ex, a[3].u32);
    net_iov_t iov[1];
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    /* One buffer per call: a short write is what write_vectored allows. */
    int k = sched__net_iovecs(ex, a[1].u32, a[2].u32, iov, 1);
    if (k < 0)
        return sched__trap(ex, "tls write: ciovec out of bounds");
    if (k == 0)
        return tls_io(ex, a, s, out, 0, 0);
    lun_mutex_lock(&s->lock);
    int64_t n = net_tls_write(s->tls, iov[0].base, iov[0].len);
    lun_mutex_unlock(&s->lock);
    return tls_io(ex, a, s, out, n, atomic_load(&s->write_to));
}

static vm_status h_tls_flush(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint8_t *out = sched__net_out8(ex, a[1].u32);
    (void)ud;
    if (!tls_stream(ex, a[0].u64) || !out)
        return VM_TRAP;
    return ok_id(a, out, 0); /* records go out whole in each write */
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

/* }===== */

#define N "lunatic::networking"
const sched_binding_t sched__api_udp_tls[] = {
    {N, "udp_bind", "iiiiii:i", h_udp_bind},
    {N, "udp_local_addr", "Ii:i", h_udp_local_addr},
    {N, "udp_peer_addr", "Ii:i", h_udp_peer_addr},
    {N, "drop_udp_socket", "I:", h_drop_udp_socket},
    {N, "udp_receive", "Iiii:i", h_udp_receive},
    {N, "udp_receive_from", "Iiiii:i", h_udp_receive_from},
    {N, "udp_connect", "IiiiiiIi:i", h_udp_connect},
    {N, "clone_udp_socket", "I:I", h_clone_udp_socket},
    {N, "set_udp_socket_broadcast", "Ii:", h_set_broadcast},
    {N, "get_udp_socket_broadcast", "I:i", h_get_broadcast},
    {N, "set_udp_socket_ttl", "Ii:", h_set_ttl},
    {N, "get_udp_socket_ttl", "I:i", h_get_ttl},
    {N, "udp_send_to", "Iiiiiiiii:i", h_udp_send_to},
    {N, "udp_send", "Iiii:i", h_udp_send},
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
const size_t sched__api_udp_tls_n =
    sizeof sched__api_udp_tls / sizeof sched__api_udp_tls[0];
