/* udp.c: lunatic::networking, UDP sockets. The socket helpers (parking,
 * addresses, ids) come from networking.c. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "host/networking.h"

static net_sock_t *udp(vm_exec_t *ex, uint64_t id)
{
    net_sock_t *s = sched__restab_get(&sched__cur(ex)->res,
                                      &host__res_udp_socket, id);
    if (!s)
        host__trap(ex, "unknown udp socket id");
    return s;
}

static vm_status h_udp_bind(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_addr_t addr;
    uint8_t *out = host__net_out8(ex, a[5].u32);
    int fd;
    (void)ud;
    if (!out || !host__net_addr(ex, a[0].u32, a[1].u32, a[2].u32, a[3].u32,
                                 a[4].u32, &addr))
        return VM_TRAP;
    int rc = net_udp_bind(&addr, &fd);
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    net_sock_t *s = host__sock_new(fd);
    if (!s)
        net_close(fd);
    return host__net_add_sock(ex, a, &host__res_udp_socket, s, out);
}

static vm_status udp_addr(vm_exec_t *ex, vm_slot *a, bool peer)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *out = host__net_out8(ex, a[1].u32);
    net_addr_t addr;
    uint64_t id;
    if (!s || !out)
        return VM_TRAP;
    int rc = peer ? net_peer_addr(s->fd, &addr) : net_local_addr(s->fd, &addr);
    if (rc != 0) {
        host__net_fail(ex, a, out, lun_strerror(rc));
        /* udp_peer_addr: 1 = not connected, 2 = another error */
        if (peer && rc != LUN_ERR_ERRNO(107 /* ENOTCONN */))
            a[0].i32 = 2;
        return VM_OK;
    }
    if (host__net_addr_iter(p, &addr, &id) != 0)
        return host__trap(ex, "out of memory");
    return host__net_ok_id(a, out, id);
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
    return host__net_drop(ex, &host__res_udp_socket, a[0].u64,
                           "unknown udp socket id");
}

static vm_status h_clone_udp_socket(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return host__net_clone(ex, a, &host__res_udp_socket,
                            "unknown udp socket id");
}

/* n bytes moved, an error, or blocked (UDP calls have no timeout). */
static vm_status udp_result(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                            int64_t n, int fd, uint32_t ev)
{
    sched_proc_t *p = sched__cur(ex);
    if (n == LUN_EAGAIN)
        return host__net_block(p, fd, ev, SCHED_FOREVER);
    if (n < 0)
        return host__net_fail(ex, a, out, lun_strerror((int)n));
    host__net_done(p);
    return host__net_ok_id(a, out, (uint64_t)n);
}

static vm_status h_udp_receive(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return host__trap(ex, "udp_receive: buffer out of bounds");
    int64_t n = net_recvfrom(s->fd, buf, a[2].u32, NULL);
    return udp_result(ex, a, out, n, s->fd, NET_READABLE);
}

static vm_status h_udp_receive_from(vm_exec_t *ex, vm_slot *a, void *ud)
{
    sched_proc_t *p = sched__cur(ex);
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32), *from_out = host__net_out8(ex, a[4].u32);
    net_addr_t from;
    uint64_t id;
    (void)ud;
    if (!s || !out || !from_out)
        return VM_TRAP;
    if (!buf)
        return host__trap(ex, "udp_receive_from: buffer out of bounds");
    int64_t n = net_recvfrom(s->fd, buf, a[2].u32, &from);
    if (n >= 0) {
        if (host__net_addr_iter(p, &from, &id) != 0)
            return host__trap(ex, "out of memory");
        host__put_u64(from_out, id);
    }
    return udp_result(ex, a, out, n, s->fd, NET_READABLE);
}

static vm_status h_udp_connect(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    uint8_t *out = host__net_out8(ex, a[7].u32);
    net_addr_t addr;
    (void)ud;
    if (!s || !out || !host__net_addr(ex, a[1].u32, a[2].u32, a[3].u32,
                                       a[4].u32, a[5].u32, &addr))
        return VM_TRAP;
    /* A UDP connect only sets the default peer: it never waits, so the
     * timeout (a[6]) cannot fire. */
    int rc = net_udp_connect(s->fd, &addr);
    if (rc != 0)
        return host__net_fail(ex, a, out, lun_strerror(rc));
    return host__net_ok_id(a, out, 0);
}

static vm_status h_udp_send_to(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    const uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[8].u32);
    net_addr_t to;
    (void)ud;
    if (!s || !out || !host__net_addr(ex, a[3].u32, a[4].u32, a[5].u32,
                                       a[6].u32, a[7].u32, &to))
        return VM_TRAP;
    if (!buf)
        return host__trap(ex, "udp_send_to: buffer out of bounds");
    int64_t n = net_sendto(s->fd, buf, a[2].u32, &to);
    return udp_result(ex, a, out, n, s->fd, NET_WRITABLE);
}

static vm_status h_udp_send(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_sock_t *s = udp(ex, a[0].u64);
    const uint8_t *buf = host__guest(ex, a[1].u32, a[2].u32);
    uint8_t *out = host__net_out8(ex, a[3].u32);
    (void)ud;
    if (!s || !out)
        return VM_TRAP;
    if (!buf)
        return host__trap(ex, "udp_send: buffer out of bounds");
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
        return host__trap(ex, "set_udp_socket_broadcast failed");
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
        return host__trap(ex, "get_udp_socket_broadcast failed");
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
        return host__trap(ex, "set_udp_socket_ttl failed");
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
        return host__trap(ex, "get_udp_socket_ttl failed");
    a[0].u32 = ttl;
    return VM_OK;
}

#define N "lunatic::networking"
const sched_binding_t host__api_udp[] = {
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
};
const size_t host__api_udp_n = sizeof host__api_udp / sizeof host__api_udp[0];
