/* api_net.h: what the lunatic::networking files (api_net.c: sockets,
 * parking, DNS, TCP, messages; api_udp_tls.c: UDP, TLS) share. Only those
 * files include it. */
#ifndef LUN_SCHED_API_NET_H
#define LUN_SCHED_API_NET_H

#include "net/net.h"
#include "sched/sched_int.h"

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

/* The resource kinds of lunatic::networking (api_net.c). */
extern const sched_res_kind_t sched__res_dns_iter, sched__res_tcp_listener,
    sched__res_tcp_stream, sched__res_tls_listener, sched__res_tls_stream,
    sched__res_udp_socket;

net_sock_t *sched__sock_new(int fd);
void sched__sock_unref(net_sock_t *s);
net_sock_t *sched__sock_ref(net_sock_t *s);

/* The call would block on fd for ev: park (arming the deadline on the
 * first block only) and return VM_BLOCK. */
vm_status sched__net_block(sched_proc_t *p, int fd, uint32_t ev,
                           uint64_t timeout_ms);
/* Accepts are paused at the descriptor limit (net_accept_pause_ms): park
 * on a timer for the pause, without the listener, which stays readable
 * and would wake us at once. accept_resume, at the top of an accept call,
 * forgets such a pause that has ended (its fired timer). */
vm_status sched__accept_pause(sched_proc_t *p);
void sched__accept_resume(sched_proc_t *p);
/* The deadline of this (re-invoked) call has passed. */
bool sched__net_timed_out(sched_proc_t *p);
/* The call ends: cancel its deadline and forget its pending state. */
void sched__net_done(sched_proc_t *p);
/* A resolver-pool callback: wake the process (ud) waiting on a lookup. */
void sched__net_dns_wake(void *ud);
net_pending_t *sched__net_pending(sched_proc_t *p);

/* The 8-byte output slot at guest address ptr, or NULL after a trap. */
uint8_t *sched__net_out8(vm_exec_t *ex, uint32_t ptr);
/* drop_* and clone_* of the socket of kind k with id a[0]. */
vm_status sched__net_drop(vm_exec_t *ex, const sched_res_kind_t *k, uint64_t id,
                          const char *unknown);
vm_status sched__net_clone(vm_exec_t *ex, vm_slot *a, const sched_res_kind_t *k,
                           const char *unknown);

/* 1 with an error id at out (u64), as every failing call returns. */
vm_status sched__net_fail(vm_exec_t *ex, vm_slot *a, uint8_t *out,
                          const char *msg);
/* Read an ABI address (trap on a bad type or pointer). */
bool sched__net_addr(vm_exec_t *ex, uint32_t type, uint32_t ptr,
                     uint32_t port, uint32_t flow, uint32_t scope,
                     net_addr_t *out);
/* A new one-address DNS iterator id for a. */
int sched__net_addr_iter(sched_proc_t *p, const net_addr_t *a,
                         uint64_t *out_id);
/* Gather ciovecs (u32 ptr, u32 len pairs) into iov (at most max). */
int sched__net_iovecs(vm_exec_t *ex, uint32_t ptr, uint32_t n,
                      net_iov_t *iov, int max);
const char *sched__net_strerror(int rc);

#endif
