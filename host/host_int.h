/* host_int.h: what the host/ files share: their binding tables (gathered
 * by host.c), the helpers every host function uses, and the few functions
 * one namespace offers another. Only host/ and its white-box tests
 * include this. */
#ifndef LUN_HOST_INT_H
#define LUN_HOST_INT_H

#include "host.h"
#include "../sched/sched_host.h"

/* {===== binding tables, one per namespace file */

#define HOST_API(ns)                                                         \
    extern const sched_binding_t host__api_##ns[];                           \
    extern const size_t host__api_##ns##_n
HOST_API(process);
HOST_API(message);
HOST_API(timer);
HOST_API(registry);
HOST_API(error);
HOST_API(version);
HOST_API(trap);
HOST_API(wasi);
HOST_API(metrics);
HOST_API(distributed);
HOST_API(dist_certs);
HOST_API(networking);
HOST_API(udp);
HOST_API(tls);
HOST_API(sqlite);
HOST_API(reload);
#undef HOST_API

/* }===== */
/* {===== helpers (host.c, error.c) */

/* Guest bytes [ptr, ptr+len) of the caller's memory, or NULL. */
uint8_t *host__guest(vm_exec_t *ex, uint32_t ptr, uint64_t len);
vm_status host__trap(vm_exec_t *ex, const char *msg);
void host__put_u64(uint8_t *p, uint64_t v);
uint64_t host__get_u64(const uint8_t *p);
/* A new error resource (host__res_error) of p holding msg; returns its
 * id. */
extern const sched_res_kind_t host__res_error;
uint64_t host__error_new(sched_proc_t *p, const char *msg);
/* Hand len bytes to the guest as Lunatic's write_to_guest_vec does
 * (guest_vec.c): room from the guest's export lunatic_alloc (run nested),
 * the bytes copied there, its address in a[0] and len as a u32 at len_ptr
 * (LUNATIC_ABI.md quirk 1). Traps (naming ns) when the module exports no
 * lunatic_alloc, it fails, or a pointer is out of bounds. */
vm_status host__give_guest(vm_exec_t *ex, const char *ns,
                           const uint8_t *bytes, size_t len,
                           uint32_t len_ptr, vm_slot *a);
/* Traps with "lunatic::<ns>::<name> is not implemented yet". */
vm_status host__not_implemented(vm_exec_t *ex, vm_slot *a, void *ud);

/* }===== */
/* {===== what namespaces share */

/* process.c: config `id` of the caller, copied first if processes share
 * it; NULL with a trap set if there is no such id. */
sched_config_t *host__config_mut(vm_exec_t *ex, uint64_t id);
vm_status host__spawn(vm_exec_t *ex, vm_slot *a, uint64_t link,
                      int64_t config_id, int64_t module_id,
                      uint32_t func_ptr, uint32_t func_len,
                      uint32_t params_ptr, uint32_t params_len,
                      uint64_t *out_id, int *out_rc);

/* process.c: process::link of a local pid (tag: what LinkDied carries). */
void host__link_local(sched_proc_t *p, uint64_t pid, int64_t tag);

/* message.c: one step of a receive (see there); the result code in a[0].
 * first: the call is new, not re-invoked after a wake-up. */
vm_status host__receive_step(vm_exec_t *ex, vm_slot *a, const int64_t *tags,
                             uint32_t ntags, uint64_t timeout, bool first);

/* registry.c: names, and their reservation by get_or_put_later and
 * get_or_spawn (process.c). */
/* The longest registry name (registry.c checks). */
#define HOST_REG_NAME_MAX 65536
const char *host__registry_name(vm_exec_t *ex, uint32_t ptr, uint32_t len);
/* get_or_put_later and get_or_spawn (registry.c): the name's entry
 * (FOUND, in *node and *pid), or a reservation of it for p (RESERVED), or,
 * when another process holds one, BUSY: p is set to look again soon
 * (return VM_BLOCK). No lock is held on return. */
enum host_name_state { HOST_NAME_FOUND, HOST_NAME_RESERVED,
                       HOST_NAME_BUSY, HOST_NAME_NOMEM };
enum host_name_state host__reserve_name(sched_proc_t *p, const char *name,
                                        uint32_t len, uint64_t *node,
                                        uint64_t *pid);
/* End p's reservation of name: register pid, or (register_it false) drop
 * the entry if it is still p's reservation. */
void host__end_reservation(sched_proc_t *p, const char *name, uint32_t len,
                           bool register_it, uint64_t pid);

/* }===== */

#endif
