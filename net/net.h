/* net.h: sockets (TCP, UDP), DNS resolution off the caller's thread, and
 * TLS streams over mbedtls, all non-blocking: a call that would wait
 * returns LUN_EAGAIN and the caller waits for readiness with net/poll.h.
 * Knows nothing of processes; sched/ builds the guest calls on it.
 * Errors: LUN_ERR_ERRNO(e) from the OS, LUN_EINVAL, LUN_ENOMEM, LUN_EIO
 * (TLS; the text comes from net_tls_error). */
#ifndef LUN_NET_H
#define LUN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"
#include "poll.h"

/* An IP socket address as the Lunatic ABI spells it. */
typedef struct net_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* 4 or 16 bytes, network order */
    uint16_t port;
    uint32_t flowinfo, scope_id; /* v6 only */
} net_addr_t;

typedef struct net_iov {
    const void *base;
    size_t len;
} net_iov_t;

/* {===== sockets (sock.c); every socket is non-blocking, close-on-exec */

/* A listening TCP socket bound to a (SO_REUSEADDR). */
int net_tcp_listen(const net_addr_t *a, int *out_fd);
/* 0 with a new connection (and its peer), LUN_EAGAIN, LUN_ELIMIT (the
 * file-descriptor limit: accepts are paused, see below), or an error. */
int net_tcp_accept(int fd, int *out_fd, net_addr_t *out_peer);

/* Accepting at the file-descriptor limit (EMFILE, ENFILE). The listener
 * stays readable while the connection waits in its backlog, so a caller
 * that polled it and retried at once would spin at 100% CPU. Instead the
 * first failure starts a pause, process-wide (the limit is the process's):
 * 10 ms, doubled at each failed retry up to 1 s, reset by the first accept
 * that succeeds. One line on stderr says when a pause episode starts.
 * Callers wait net_accept_pause_ms() on a timer alone, then retry. */
uint64_t net_accept_pause_ms(void); /* 0: not paused, accept now */
/* accept4 failed with errno err: LUN_ELIMIT (and the pause starts or
 * grows) when it is the descriptor limit, else LUN_ERR_ERRNO(err). */
int net_accept_failed(int err);
/* An accept succeeded: the episode, if any, is over. */
void net_accept_ok(void);
/* Start connecting: 0 (connected), LUN_EAGAIN (in progress: wait for
 * NET_WRITABLE, then net_connect_result), or an error; *out_fd is set
 * in the first two cases. */
int net_tcp_connect(const net_addr_t *a, int *out_fd);
int net_connect_result(int fd);
/* Bytes read (0 at EOF), LUN_EAGAIN or an error; peek leaves them. */
int64_t net_recv(int fd, void *buf, size_t len, bool peek);
/* Bytes written (maybe fewer than asked), LUN_EAGAIN or an error. */
int64_t net_sendv(int fd, const net_iov_t *iov, int n);
/* A UDP socket bound to a. */
int net_udp_bind(const net_addr_t *a, int *out_fd);
/* Send one datagram to `to` (NULL: the connected peer). */
int64_t net_sendto(int fd, const void *buf, size_t len, const net_addr_t *to);
/* Receive one datagram; the sender goes to *from if not NULL. */
int64_t net_recvfrom(int fd, void *buf, size_t len, net_addr_t *from);
int net_udp_connect(int fd, const net_addr_t *a);
int net_local_addr(int fd, net_addr_t *out);
int net_peer_addr(int fd, net_addr_t *out);
/* SO_BROADCAST and IP_TTL (IPV6_UNICAST_HOPS on v6 sockets). */
int net_set_broadcast(int fd, bool on);
int net_get_broadcast(int fd, bool *out);
int net_set_ttl(int fd, uint32_t ttl);
int net_get_ttl(int fd, uint32_t *out);
void net_close(int fd);

/* }===== */
/* {===== DNS (dns.c): getaddrinfo on a small pool of resolver threads */

typedef struct net_dns net_dns_t;
typedef void (*net_dns_cb)(void *ud);

/* Resolve "host:port" ("[v6]:port" too). When done, cb(ud) runs on a
 * resolver thread, unless the request was released before. */
int net_dns_start(const char *name, size_t len, net_dns_cb cb, void *ud,
                  net_dns_t **out);
bool net_dns_done(net_dns_t *r);
/* After done: 0 with the addresses (owned by r), or an error whose
 * text is in *out_err. */
int net_dns_result(net_dns_t *r, const net_addr_t **out, size_t *out_n,
                   const char **out_err);
/* Drop the request; a running lookup finishes and frees it silently. */
void net_dns_release(net_dns_t *r);
/* Resolve synchronously (for the host side: tests, TLS connect names). */
int net_dns_lookup(const char *host, uint16_t port, net_addr_t **out,
                   size_t *out_n);

/* }===== */
/* {===== TLS (tls.c): mbedtls, TLS 1.2 minimum */

typedef struct net_tls_conf net_tls_conf_t;
typedef struct net_tls net_tls_t;

/* A server identity from PEM: one certificate (chain) and its key. */
int net_tls_server_conf(const uint8_t *cert, size_t cert_len,
                        const uint8_t *key, size_t key_len,
                        net_tls_conf_t **out, char *err, size_t errlen);
/* A client config trusting the PEM buffers cas[i] (n == 0: the system's
 * roots, /etc/ssl/certs/ca-certificates.crt). */
int net_tls_client_conf(const uint8_t *const *cas, const size_t *lens,
                        size_t n, net_tls_conf_t **out, char *err,
                        size_t errlen);
void net_tls_conf_unref(net_tls_conf_t *c);
/* A TLS session over fd (not owned) with c (referenced); host is the
 * name checked against the server's certificate (clients only). */
int net_tls_new(net_tls_conf_t *c, int fd, const char *host,
                net_tls_t **out);
void net_tls_free(net_tls_t *t);
/* TLS sessions alive in this process (made, not yet freed). */
uint64_t net_tls_sessions(void);
/* 0 when the handshake is done, LUN_EAGAIN (wait for net_tls_want), or
 * LUN_EIO (text in net_tls_error). */
int net_tls_handshake(net_tls_t *t);
int64_t net_tls_read(net_tls_t *t, void *buf, size_t len);
int64_t net_tls_write(net_tls_t *t, const void *buf, size_t len);
/* What a LUN_EAGAIN waits for: NET_READABLE or NET_WRITABLE. */
uint32_t net_tls_want(const net_tls_t *t);
const char *net_tls_error(const net_tls_t *t);

/* Node links (the cluster, docs/nodes.md): mutual TLS. The config
 * presents the node's certificate and key (made by net/cert.h; refused
 * here if they do not match or the cluster CA did not sign it), trusts
 * the cluster CA ca alone (never the system's roots) and requires the
 * peer's certificate on both ends: a server refuses a client that sends
 * none. A client passes the node it dials as net_tls_new's host, and the
 * handshake refuses a certificate for another node; an accepting server
 * learns who connected from net_tls_peer_node. A refused handshake's
 * net_tls_error names the reason: "certificate not signed by the cluster
 * CA", "certificate expired", "certificate not yet valid", "certificate
 * is for node X, expected Y", "peer sent no certificate". */
int net_tls_node_conf(bool server, const uint8_t *ca, size_t ca_len,
                      const uint8_t *cert, size_t cert_len,
                      const uint8_t *key, size_t key_len,
                      net_tls_conf_t **out, char *err, size_t errlen);
/* After a node link's handshake: the node its peer's certificate names
 * (the dNSName) into name (NET_NODE_NAME_MAX + 1 bytes of net/cert.h
 * hold any), and 0; LUN_EIO (text in net_tls_error) if the certificate
 * names no valid node or, expected not NULL, another node. */
int net_tls_peer_node(net_tls_t *t, const char *expected, char *name,
                      size_t len);

/* }===== */

#endif
