/* networking.h: what the lunatic::networking files (networking.c:
 * sockets, parking, DNS, TCP, messages; udp.c; tls.c) share. Only those
 * files include it. */
#ifndef LUN_HOST_NETWORKING_H
#define LUN_HOST_NETWORKING_H

#include "net/net.h"
#include "host/host_int.h"

/* A socket resource: a TCP/TLS listener or stream, or a UDP socket;
 * shared by clone_* (one reference per table entry or message slot). */
typedef struct net_sock {
    _Atomic uint32_t refs;
    int fd;
    _Atomic uint64_t read_to, write_to, peek_to; /* ms; UINT64_MAX: none */
    net_tls_conf_t *conf; /* TLS listener */
    net_tls_t *tls;       /* TLS stream */
    pthread_mutex_t lock; /* TLS session: clones may use it at once */
} net_sock_t;

/* A multi-step call in progress (connect, TLS handshakes, DNS), kept in
 * p->call_state across re-invocations of the same host call. */
typedef struct net_pending {
    int fd;           /* a socket being connected or handshaken */
    net_dns_t *dns;   /* a lookup */
    net_sock_t *sock; /* tls_accept: the stream being handshaken */
    net_addr_t peer;
    net_addr_t *addrs; /* tls_connect: resolved addresses */
    size_t naddrs, next;
    net_tls_conf_t *conf;
    int phase;
} net_pending_t;

/* Guest output slots: all bounds-checked before any side effect. */
#define NET_OUT_OK 0
#define NET_ERR_RESULT 1

/* The resource kinds of lunatic::networking (networking.c). */
extern const sched_res_kind_t host__res_dns_iter, host__res_tcp_listener,
    host__res_tcp_stream, host__res_tls_listener, host__res_tls_stream,
    host__res_udp_socket;

net_sock_t *host__sock_new(int fd);
void host__sock_unref(net_sock_t *s);
net_sock_t *host__sock_ref(net_sock_t *s);

/* The call would block on fd for ev: park (arming the deadline on the
 * first block only) and return VM_BLOCK. */
vm_status host__net_block(sched_proc_t *p, int fd, uint32_t ev,
                           uint64_t timeout_ms);
/* Accepts are paused at the descriptor limit (net_accept_pause_ms): park
 * on a timer for the pause, without the listener, which stays readable
 * and would wake us at once. accept_resume, at the top of an accept call,
 * forgets such a pause that has ended (its fired timer). */
vm_status host__accept_pause(sched_proc_t *p);
void host__accept_resume(sched_proc_t *p);
/* The deadline of this (re-invoked) call has passed. */
bool host__net_timed_out(sched_proc_t *p);
/* The call ends: cancel its deadline and forget its pending state. */
void host__net_done(sched_proc_t *p);
/* A resolver-pool callback: wake the process (ud) waiting on a lookup. */
void host__net_dns_wake(void *ud);
net_pending_t *host__net_pending(sched_proc_t *p);

/* The 8-byte output slot at guest address ptr, or NULL after a trap. */
uint8_t *host__net_out8(vm_exec_t *ex, uint32_t ptr);
/* drop_* and clone_* of the socket of kind k with id a[0]. */
vm_status host__net_drop(vm_exec_t *ex, const sched_res_kind_t *k, uint64_t id,
                          const char *unknown);
vm_status host__net_clone(vm_exec_t *ex, vm_slot *a, const sched_res_kind_t *k,
                           const char *unknown);

/* 0 with id at out (u64), as every succeeding call returns. */
vm_status host__net_ok_id(vm_slot *a, uint8_t *out, uint64_t id);
/* Put the new socket s (NULL: none, out of memory) in the caller's
 * table as kind k and return its id as host__net_ok_id; traps on no
 * memory (s is then freed). */
vm_status host__net_add_sock(vm_exec_t *ex, vm_slot *a,
                              const sched_res_kind_t *k, net_sock_t *s,
                              uint8_t *out);
/* 1 with an error id at out (u64), as every failing call returns. */
vm_status host__net_fail(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                          const char *msg);
/* Read an ABI address (trap on a bad type or pointer). */
bool host__net_addr(vm_exec_t *ex, uint32_t type, uint32_t ptr,
                     uint32_t port, uint32_t flow, uint32_t scope,
                     net_addr_t *out);
/* A new one-address DNS iterator id for a. */
int host__net_addr_iter(sched_proc_t *p, const net_addr_t *a,
                         uint64_t *out_id);
/* Gather ciovecs (u32 ptr, u32 len pairs) into iov (at most max). */
int host__net_iovecs(vm_exec_t *ex, uint32_t ptr, uint32_t n,
                      net_iov_t *iov, int max);
const char *host__net_strerror(int rc);

#endif
