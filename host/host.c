/* host.c: the lunatic::* ABI as one set (host_abi), gathered from the
 * namespace files, and the helpers every host function uses: guest
 * memory, traps, little-endian u64s. Interface: host.h, host_int.h. */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "host/host_int.h"
#include "vm/vm_endian.h"

#define TABLE(ns) {host__api_##ns, &host__api_##ns##_n}
static const sched_bindings_t tables[] = {
    TABLE(process), TABLE(message), TABLE(timer),       TABLE(registry),
    TABLE(error),   TABLE(version), TABLE(trap),        TABLE(wasi),
    TABLE(metrics), TABLE(distributed), TABLE(dist_certs), TABLE(networking),
    TABLE(udp),     TABLE(tls),     TABLE(sqlite),      TABLE(reload),
};
#undef TABLE

static const sched_abi_t abi = {tables, sizeof tables / sizeof tables[0]};

const sched_abi_t *host_abi(void) { return &abi; }

uint8_t *host__guest(vm_exec_t *ex, uint32_t ptr, uint64_t len)
{
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_memory_t *mem = inst ? vm_instance_memory(inst) : NULL;
    uint64_t size = 0;
    uint8_t *base = mem ? vm_memory_data(mem, &size) : NULL;
    if (!mem || (uint64_t)ptr > size || len > size - ptr)
        return NULL;
    /* A zero-length range at a valid address is fine even if base is
     * NULL (a memory of 0 pages); callers never dereference it then. */
    return base ? base + ptr : (uint8_t *)"";
}

vm_status host__trap(vm_exec_t *ex, const char *msg)
{
    vm_exec_set_trap(ex, VM_TRAP_HOST, msg);
    return VM_TRAP;
}

void host__put_u64(uint8_t *p, uint64_t v) { vm_store_le64(p, v); }

uint64_t host__get_u64(const uint8_t *p) { return vm_load_le64(p); }

