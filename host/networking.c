/* networking.c: lunatic::networking, part 1: socket resources, parking a
 * process on a socket (the poller wakes it: iowait.c), DNS, TCP, and
 * sockets moving inside messages. UDP and TLS are udp.c and tls.c.
 * Every guest pointer is bounds-checked before any side effect. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <stdlib.h>
#include <string.h>

#include "host/networking.h"
#include "vm/vm_endian.h"

/* {===== sockets, parking, helpers */

net_sock_t *host__sock_new(int fd)
{
    net_sock_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    atomic_init(&s->read_to, UINT64_MAX);
    atomic_init(&s->write_to, UINT64_MAX);
    atomic_init(&s->peek_to, UINT64_MAX);
    lun_mutex_init(&s->lock);
    s->fd = fd;
    return s;
}

net_sock_t *host__sock_ref(net_sock_t *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

/* The last reference closes the socket. Closing also drops it from the
 * poller (epoll, kqueue) or turns it into a one-time POLLNVAL (poll):
 * no process can still wait on it, since waiting takes a reference. */
void host__sock_unref(net_sock_t *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    net_tls_free(s->tls);
    net_tls_conf_unref(s->conf);
    net_close(s->fd);
    lun_mutex_destroy(&s->lock);
    free(s);
}

static void pending_free(void *state)
{
    net_pending_t *r = state;
    if (!r)
        return;
    net_dns_release(r->dns);
    net_close(r->fd);
    host__sock_unref(r->sock);
    net_tls_conf_unref(r->conf);
    free(r->addrs);
    free(r);
}

net_pending_t *host__net_pending(sched_proc_t *p)
{
    if (!p->call_state) {
        net_pending_t *r = calloc(1, sizeof *r);
        if (!r)
            return NULL;
        r->fd = -1;
        p->call_state = r;
        p->call_state_free = pending_free;
    }
    return p->call_state;
}

vm_status host__net_block(sched_proc_t *p, int fd, uint32_t ev,
                           uint64_t timeout_ms)
{
    if (p->wait != SCHED_WAIT_FD) {
        p->wait = SCHED_WAIT_FD;
        sched__wait_timer_arm(p, timeout_ms);
    }
    if (fd >= 0)
        sched__park_on_fd(p, fd, ev & NET_READABLE, ev & NET_WRITABLE);
    return VM_BLOCK;
}

vm_status host__accept_pause(sched_proc_t *p)
{
    uint64_t ms = net_accept_pause_ms();
    sched__wait_timer_cancel(p);
    p->wait = SCHED_WAIT_FD;
    sched__wait_timer_arm(p, ms ? ms : 1);
    return VM_BLOCK;
}

void host__accept_resume(sched_proc_t *p)
{
    /* Accepts wait without a deadline: a fired timer was a pause's. */
    if (p->wait == SCHED_WAIT_FD && atomic_load(&p->timer_fired)) {
        sched__wait_timer_cancel(p);
        p->wait = SCHED_WAIT_NONE;
    }
}

bool host__net_timed_out(sched_proc_t *p)
{
    return p->wait == SCHED_WAIT_FD && atomic_load(&p->timer_fired);
}

void host__net_done(sched_proc_t *p)
{
    if (p->wait == SCHED_WAIT_FD) {
        sched__wait_timer_cancel(p);
        p->wait = SCHED_WAIT_NONE;
    }
    if (p->call_state)
        p->call_state_free(p->call_state);
    p->call_state = NULL;
}

const char *host__net_strerror(int rc) { return lun_strerror(rc); }

vm_status host__net_fail(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                          const char *msg)
{
    sched_proc_t *p = sched__cur(ex);
    /* The error first: msg may live in the pending state (a TLS
     * session's text) that net_done frees. */
    uint64_t id = host__error_new(p, msg);
    host__net_done(p);
    host__put_u64(out, id);
    a[0].i32 = NET_ERR_RESULT;
    return VM_OK;
}

bool host__net_addr(vm_exec_t *ex, uint32_t type, uint32_t ptr,
                     uint32_t port, uint32_t flow, uint32_t scope,
                     net_addr_t *out)
{
    const uint8_t *ip;
    memset(out, 0, sizeof *out);
    if (type != 4 && type != 6) {
        host__trap(ex, "address type must be 4 or 6");
        return false;
    }
    if (!(ip = host__guest(ex, ptr, type == 4 ? 4 : 16))) {
        host__trap(ex, "address pointer out of bounds");
        return false;
    }
    out->family = (uint8_t)type;
    memcpy(out->ip, ip, type == 4 ? 4 : 16);
    out->port = (uint16_t)port; /* truncated, as Lunatic does */
    out->flowinfo = flow;
    out->scope_id = scope;
    return true;
}

typedef struct dns_iter {
    net_addr_t *addrs;
    size_t n, next;
} dns_iter_t;

static int iter_new(sched_proc_t *p, const net_addr_t *addrs, size_t n,
                    uint64_t *out_id)
{
    dns_iter_t *it = calloc(1, sizeof *it);
    if (!it || !(it->addrs = malloc((n ? n : 1) * sizeof *addrs))) {
        free(it);
        return LUN_ENOMEM;
    }
    if (n)
        memcpy(it->addrs, addrs, n * sizeof *addrs);
    it->n = n;
    if (sched__restab_add(&p->res, &host__res_dns_iter, it, out_id) != 0) {
        free(it->addrs);
        free(it);
        return LUN_ENOMEM;
    }
    return 0;
}

int host__net_addr_iter(sched_proc_t *p, const net_addr_t *a,
                         uint64_t *out_id)
{
    return iter_new(p, a, 1, out_id);
}

int host__net_iovecs(vm_exec_t *ex, uint32_t ptr, uint32_t n,
                      net_iov_t *iov, int max)
{
    const uint8_t *v = host__guest(ex, ptr, (uint64_t)n * 8);
    int k = 0;
    if (!v)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t bp = (uint32_t)host__get_u64(v + 8 * i); /* low half */
        uint32_t bl = (uint32_t)(host__get_u64(v + 8 * i) >> 32);
        const uint8_t *b = host__guest(ex, bp, bl);
        if (!b)
            return -1;
        if (k < max && bl) {
            iov[k].base = b;
            iov[k++].len = bl;
        }
    }
    return k;
}

static void iter_free(void *it)
{
    free(((dns_iter_t *)it)->addrs);
    free(it);
}

static void sock_unref_v(void *s) { host__sock_unref(s); }

/* Every socket kind is a net_sock_t; the kinds tell a listener from a
 * stream, so that an id of one is never used as the other. */
const sched_res_kind_t host__res_dns_iter = {"dns iterator", iter_free};
const sched_res_kind_t host__res_tcp_listener = {"tcp listener", sock_unref_v};
const sched_res_kind_t host__res_tcp_stream = {"tcp stream", sock_unref_v};
const sched_res_kind_t host__res_tls_listener = {"tls listener", sock_unref_v};
const sched_res_kind_t host__res_tls_stream = {"tls stream", sock_unref_v};
const sched_res_kind_t host__res_udp_socket = {"udp socket", sock_unref_v};

vm_status host__net_ok_id(vm_slot *a, uint8_t *out, uint64_t id)
{
    host__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

vm_status host__net_add_sock(vm_exec_t *ex, vm_slot *a,
                              const sched_res_kind_t *k, net_sock_t *s,
                              uint8_t *out)
{
    uint64_t id;
    if (!s || sched__restab_add(&sched__cur(ex)->res, k, s, &id) != 0) {
        host__sock_unref(s);
        return host__trap(ex, "out of memory");
    }
    return host__net_ok_id(a, out, id);
}

/* An 8-byte output slot, or NULL with a trap set. */
uint8_t *host__net_out8(vm_exec_t *ex, uint32_t ptr)
{
    uint8_t *o = host__guest(ex, ptr, 8);
    if (!o)
        host__trap(ex, "output pointer out of bounds");
    return o;
}

/* }===== */
/* {===== DNS */

void host__net_dns_wake(void *ud) { sched__wake(ud); }

static vm_status h_resolve(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    const char *name = (const char *)host__guest(ex, a[0].u32, a[1].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    net_pending_t *r;
    const net_addr_t *addrs;
    const char *err;
    size_t n;
    uint64_t id;
    (void)ud;
    if (!out)
        return VM_TRAP;
    if (!name)
        return host__trap(ex, "resolve: name out of bounds");
    if (!(r = host__net_pending(p)))
        return host__trap(ex, "out of memory");
    if (!r->dns && net_dns_start(name, a[1].u32, host__net_dns_wake, p,
                                 &r->dns) != 0)
        return host__trap(ex, "out of memory");
    if (!net_dns_done(r->dns)) {
        if (host__net_timed_out(p)) {
            host__net_done(p);
            host__put_u64(out, 0);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            return VM_OK;
        }
        return host__net_block(p, -1, 0, a[2].u64);
    }
    int rc = net_dns_result(r->dns, &addrs, &n, &err);
    if (rc != 0)
        return host__net_fail(ex, a, out, err);
    if (iter_new(p, addrs, n, &id) != 0)
        return host__trap(ex, "out of memory");
    host__net_done(p);
    host__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_drop_dns_iterator(vm_exec_t *ex, vm_slot *a, void *ud)
{
    dns_iter_t *it = sched__restab_take(&sched__cur(ex)->res,
                                        &host__res_dns_iter, a[0].u64);
    (void)ud;
    if (!it)
        return host__trap(ex, "unknown dns iterator id");
    iter_free(it);
    return VM_OK;
}

static vm_status h_resolve_next(vm_exec_t *ex, vm_slot *a, void *ud)
{
    dns_iter_t *it = sched__restab_get(&sched__cur(ex)->res,
                                       &host__res_dns_iter, a[0].u64);
    uint8_t *type = host__guest(ex, a[1].u32, 4);
    uint8_t *addr = host__guest(ex, a[2].u32, 16);
    uint8_t *port = host__guest(ex, a[3].u32, 2);
    uint8_t *flow = host__guest(ex, a[4].u32, 4);
    uint8_t *scope = host__guest(ex, a[5].u32, 4);
    (void)ud;
    if (!it)
        return host__trap(ex, "unknown dns iterator id");
    if (!type || !addr || !port || !flow || !scope)
        return host__trap(ex, "resolve_next: pointer out of bounds");
    if (it->next >= it->n) {
        a[0].i32 = 1;
        return VM_OK;
    }
    const net_addr_t *x = &it->addrs[it->next++];
    vm_store_le32(type, x->family);
    memcpy(addr, x->ip, x->family == 4 ? 4 : 16);
    vm_store_le16(port, x->port);
    if (x->family == 6) {
        vm_store_le32(flow, x->flowinfo);
        vm_store_le32(scope, x->scope_id);
    }
    a[0].i32 = 0;
    return VM_OK;
}

/* }===== */
/* {===== TCP */

static net_sock_t *stream(vm_exec_t *ex, uint64_t id)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res,
                                      &host__res_tcp_stream, id);
    if (!s)
        host__trap(ex, "unknown tcp stream id");
    return s;
}

static vm_status h_tcp_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_addr_t addr;
    net_sock_t *s;
    uint8_t *out = host__net_out8(ex, a[5].u32);
    uint64_t id;
    int fd;
    (void)ud;
    if (!out || !host__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    int rc = net_tcp_listen(&addr, &fd);
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    if (!(s = host__sock_new(fd)) ||
        sched__restab_add(&p->res, &host__res_tcp_listener, s, &id) != 0) {
        if (s)
            host__sock_unref(s);
        else
            net_close(fd);
        return host__trap(ex, "out of memory");
    }
    host__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

vm_status host__net_drop(vm_exec_t *ex, const sched_res_kind_t *k, uint64_t id,
                          const char *unknown)
{
    net_sock_t *s = sched__restab_take(&sched__cur(ex)->res, k, id);
    if (!s)
        return host__trap(ex, unknown);
    host__sock_unref(s);
    return VM_OK;
}

vm_status host__net_clone(vm_exec_t *ex, vm_slot *a, const sched_res_kind_t *k,
                           const char *unknown)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res, k, a[0].u64);
    uint64_t id;
    if (!s)
        return host__trap(ex, unknown);
    if (sched__restab_add(&sched__cur(ex)->res, k, host__sock_ref(s),
                          &id) != 0) {
        host__sock_unref(s);
        return host__trap(ex, "out of memory");
    }
    a[0].u64 = id;
    return VM_OK;
}

static vm_status h_drop_tcp_listener(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_drop(ex, &host__res_tcp_listener, a[0].u64,
                           "unknown tcp listener id");
}

static vm_status h_drop_tcp_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_drop(ex, &host__res_tcp_stream, a[0].u64,
                           "unknown tcp stream id");
}

static vm_status h_clone_tcp_stream(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_clone(ex, a, &host__res_tcp_stream,
                            "unknown tcp stream id");
}

/* local_addr/peer_addr of the socket in table t as a DNS iterator. */
static vm_status addr_of(vm_exec_t *ex, vm_slot *a, const sched_res_kind_t *k,
                         bool peer, const char *unknown)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res, k, a[0].u64);
    uint8_t *out = host__net_out8(ex, a[1].u32);
    net_addr_t addr;
    uint64_t id;
    if (!s)
        return host__trap(ex, unknown);
    if (!out)
        return VM_TRAP;
    int rc = peer ? net_peer_addr(s->fd, &addr) : net_local_addr(s->fd, &addr);
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    if (host__net_addr_iter(p, &addr, &id) != 0)
        return host__trap(ex, "out of memory");
    host__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_tcp_local_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return addr_of(ex, a, &host__res_tcp_listener, false,
                   "unknown tcp listener id");
}

static vm_status h_tcp_peer_addr(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return addr_of(ex, a, &host__res_tcp_stream, true,
                   "unknown tcp stream id");
}

static vm_status h_tcp_accept(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *l = sched__restab_get(&p->res, &host__res_tcp_listener,
                                      a[0].u64), *s;
    uint8_t *out = host__net_out8(ex, a[1].u32), *peer_out = host__net_out8(ex, a[2].u32);
    net_addr_t peer;
    uint64_t id, pid;
    int fd;
    (void)ud;
    if (!l)
        return host__trap(ex, "unknown tcp listener id");
    if (!out || !peer_out)
        return VM_TRAP;
    host__accept_resume(p);
    int rc = net_tcp_accept(l->fd, &fd, &peer);
    if (rc == LUN_EAGAIN)
        return host__net_block(p, l->fd, NET_READABLE, SCHED_FOREVER);
    if (rc == LUN_ELIMIT)
        return host__accept_pause(p);
    if (rc != 0) {
        host__put_u64(peer_out, 0);
        return host__net_fail(ex, a, out, lun_strerror(rc));
    }
    host__net_done(p);
    if (!(s = host__sock_new(fd))) {
        net_close(fd);
        return host__trap(ex, "out of memory");
    }
    if (sched__restab_add(&p->res, &host__res_tcp_stream, s, &id) != 0 ||
        host__net_addr_iter(p, &peer, &pid) != 0)
        return host__trap(ex, "out of memory"); /* s is in the table */
    host__put_u64(out, id);
    host__put_u64(peer_out, pid);
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_tcp_connect(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    uint8_t *out = host__net_out8(ex, a[6].u32);
    net_pending_t *r = host__net_pending(p);
    net_addr_t addr;
    net_sock_t *s;
    uint64_t id;
    int rc;
    (void)ud;
    if (!out || !host__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    if (!r)
        return host__trap(ex, "out of memory");
    if (r->fd < 0) {
        rc = net_tcp_connect(&addr, &r->fd);
    } else {
        rc = net_connect_result(r->fd);
        if (rc == 0 && net_peer_addr(r->fd, &addr) != 0)
            rc = LUN_EAGAIN; /* not connected yet: a spurious wake */
    }
    if (rc == LUN_EAGAIN) {
        if (host__net_timed_out(p)) {
            host__net_done(p); /* closes the half-open socket */
            a[0].i32 = SCHED_TIMEOUT_CODE;
            return VM_OK;
        }
        return host__net_block(p, r->fd, NET_WRITABLE, a[5].u64);
    }
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    if (!(s = host__sock_new(r->fd)))
        return host__trap(ex, "out of memory");
    r->fd = -1; /* the socket owns it now */
    host__net_done(p);
    if (sched__restab_add(&p->res, &host__res_tcp_stream, s, &id) != 0) {
        host__sock_unref(s);
        return host__trap(ex, "out of memory");
    }
    host__put_u64(out, id);
    a[0].i32 = 0;
    return VM_OK;
}

/* The end of a read, peek or write: n bytes, an error, or blocked. */
static vm_status io_result(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                           int64_t n, int fd, uint32_t ev, uint64_t timeout)
{
    sched_proc_t *p = sched__cur(ex);
    if (n == LUN_EAGAIN) {
        if (host__net_timed_out(p)) {
            host__net_done(p);
            a[0].i32 = SCHED_TIMEOUT_CODE;
            return VM_OK;
        }
        return host__net_block(p, fd, ev, timeout);
    }
    if (n < 0)
        return host__net_fail(ex, a, out, lun_strerror((int)n));
    host__net_done(p);
    host__put_u64(out, (uint64_t)n);
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status tcp_recv(vm_exec_t *ex, vm_slot *a, bool peek)
{
    net_sock_t *s = stream(ex, a[0].u64);
    uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    if (!s)
        return VM_TRAP;
    if (!buf || !out)
        return host__trap(ex, "tcp read: pointer out of bounds");
    int64_t n = net_recv(s->fd, buf, a[2].u32, peek);
    return io_result(ex, a, out, n, s->fd, NET_READABLE,
                     atomic_load(peek ? &s->peek_to : &s->read_to));
}

static vm_status h_tcp_read(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return tcp_recv(ex, a, false);
}

/* Unlike Lunatic 0.13 (ABI quirk 3), a peek never consumes. */
static vm_status h_tcp_peek(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return tcp_recv(ex, a, true);
}

static vm_status h_tcp_write_vectored(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = stream(ex, a[0].u64);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    net_iov_t iov[64];
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    int k = host__net_iovecs(ex, a[1].u32, a[2].u32, iov, 64);
    if (k < 0)
        return host__trap(ex, "tcp write: ciovec out of bounds");
    int64_t n = k ? net_sendv(s->fd, iov, k) : 0;
    return io_result(ex, a, out, n, s->fd, NET_WRITABLE,
                     atomic_load(&s->write_to));
}

static vm_status h_tcp_flush(vm_exec_t *ex, vm_slot *a, void *ud)
{
    uint8_t *out = host__net_out8(ex, a[1].u32);
    (void)ud;
    if (!stream(ex, a[0].u64) || !out)
        return VM_TRAP;
    /* Writes go straight to the kernel (TCP_NODELAY): nothing buffered. */
    host__put_u64(out, 0);
    a[0].i32 = 0;
    return VM_OK;
}

#define TIMEOUT_FNS(field)                                                   \
    static vm_status h_set_##field(vm_exec_t *ex, vm_slot *a, void *ud)     \
    {                                                                        \
        net_sock_t *s = stream(ex, a[0].u64);                                \
        (void)ud;                                                            \
        if (!s)                                                              \
            return VM_TRAP;                                                  \
        atomic_store(&s->field, a[1].u64);                                   \
        return VM_OK;                                                        \
    }                                                                        \
    static vm_status h_get_##field(vm_exec_t *ex, vm_slot *a, void *ud)     \
    {                                                                        \
        net_sock_t *s = stream(ex, a[0].u64);                                \
        (void)ud;                                                            \
        if (!s)                                                              \
            return VM_TRAP;                                                  \
        a[0].u64 = atomic_load(&s->field);                                   \
        return VM_OK;                                                        \
    }
TIMEOUT_FNS(read_to)
TIMEOUT_FNS(write_to)
TIMEOUT_FNS(peek_to)

/* }===== */
/* {===== sockets inside messages: push moves out of our table */

/* The kinds a message can carry, by the index PUSH_TAKE gives. */
static const sched_res_kind_t *const movable[] = {
    &host__res_tcp_stream, &host__res_tls_stream, &host__res_udp_socket,
};

static vm_status push_res(vm_exec_t *ex, vm_slot *a, int k)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    if (!m || m->kind != SCHED_MSG_DATA)
        return host__trap(ex, "no data message in scratch area");
    if (!sched__restab_get(&p->res, movable[k], a[0].u64))
        return host__trap(ex, "unknown socket id");
    if (sched__msg_reserve_res(m) != 0)
        return host__trap(ex, "out of memory");
    m->res[m->nres] = (sched_res_t){movable[k],
                                    sched__restab_take(&p->res, movable[k],
                                                       a[0].u64)};
    a[0].u64 = m->nres++;
    return VM_OK;
}

static vm_status take_res(vm_exec_t *ex, vm_slot *a, int k)
{
    sched_proc_t *p = sched__cur(ex);
    sched_msg_t *m = p->scratch;
    uint64_t i = a[0].u64, id;
    if (!m)
        return host__trap(ex, "no message in scratch area");
    if (i >= m->nres || m->res[i].kind != movable[k])
        return host__trap(ex, "no socket of this kind at this index");
    if (sched__restab_add(&p->res, movable[k], m->res[i].ptr, &id) != 0)
        return host__trap(ex, "out of memory");
    m->res[i] = (sched_res_t){NULL, NULL};
    a[0].u64 = id;
    return VM_OK;
}

#define PUSH_TAKE(name, k)                                                   \
    static vm_status h_push_##name(vm_exec_t *ex, vm_slot *a, void *ud)     \
    {                                                                        \
        (void)ud;                                                            \
        return push_res(ex, a, k);                                           \
    }                                                                        \
    static vm_status h_take_##name(vm_exec_t *ex, vm_slot *a, void *ud)     \
    {                                                                        \
        (void)ud;                                                            \
        return take_res(ex, a, k);                                           \
    }
PUSH_TAKE(tcp_stream, 0)
PUSH_TAKE(tls_stream, 1)
PUSH_TAKE(udp_socket, 2)

/* }===== */

#define N "lunatic::networking"
#define M "lunatic::message"
const sched_binding_t host__api_networking[] = {
    {N, "resolve", "iiIi:i", h_resolve},
    {N, "drop_dns_iterator", "I:", h_drop_dns_iterator},
    {N, "resolve_next", "Iiiiii:i", h_resolve_next},
    {N, "tcp_bind", "iiiiii:i", h_tcp_bind},
    {N, "drop_tcp_listener", "I:", h_drop_tcp_listener},
    {N, "tcp_local_addr", "Ii:i", h_tcp_local_addr},
    {N, "tcp_accept", "Iii:i", h_tcp_accept},
    {N, "tcp_connect", "iiiiiIi:i", h_tcp_connect},
    {N, "tcp_peer_addr", "Ii:i", h_tcp_peer_addr},
    {N, "drop_tcp_stream", "I:", h_drop_tcp_stream},
    {N, "clone_tcp_stream", "I:I", h_clone_tcp_stream},
    {N, "tcp_write_vectored", "Iiii:i", h_tcp_write_vectored},
    {N, "tcp_peek", "Iiii:i", h_tcp_peek},
    {N, "tcp_read", "Iiii:i", h_tcp_read},
    {N, "set_read_timeout", "II:", h_set_read_to},
    {N, "set_write_timeout", "II:", h_set_write_to},
    {N, "set_peek_timeout", "II:", h_set_peek_to},
    {N, "get_read_timeout", "I:I", h_get_read_to},
    {N, "get_write_timeout", "I:I", h_get_write_to},
    {N, "get_peek_timeout", "I:I", h_get_peek_to},
    {N, "tcp_flush", "Ii:i", h_tcp_flush},
    {M, "push_tcp_stream", "I:I", h_push_tcp_stream},
    {M, "push_tls_stream", "I:I", h_push_tls_stream},
    {M, "push_udp_socket", "I:I", h_push_udp_socket},
    {M, "take_tcp_stream", "I:I", h_take_tcp_stream},
    {M, "take_tls_stream", "I:I", h_take_tls_stream},
    {M, "take_udp_socket", "I:I", h_take_udp_socket},
};
const size_t host__api_networking_n =
    sizeof host__api_networking / sizeof host__api_networking[0];
