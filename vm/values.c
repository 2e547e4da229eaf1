/* values.c: values between the embedding API (one vm_value each, 16
 * bytes) and frame slots (8 bytes; a v128 takes two), and the calls of
 * host functions, which see their arguments as vm_values. */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

uint32_t vm__slots_of_seq(const uint8_t *types, uint32_t n)
{
    uint32_t k = n;
    for (uint32_t i = 0; i < n; i++) k += types[i] == VM_V128;
    return k;
}

void vm__values_to_slots(vm_slot *dst, const vm_value *src,
                         const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (types[i] == VM_V128) {
            memcpy(dst, src[i].v128, 16);
            dst += 2;
        } else {
            (dst++)->u64 = src[i].u64;
        }
    }
}

void vm__slots_to_values(vm_value *dst, const vm_slot *src,
                         const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (types[i] == VM_V128) {
            memcpy(dst[i].v128, src, 16);
            src += 2;
        } else {
            memset(&dst[i], 0, sizeof dst[i]);
            dst[i].u64 = (src++)->u64;
        }
    }
}

/* Host calls with at most this many values use a buffer on the C stack. */
#define HOST_ARGS_ON_STACK VM_HOST_FAST_ARGS

/* The common case, and a hot one (every lunatic::* call): scalars only,
 * one word each way. Hosts read and write only the member of their type,
 * so the values' upper halves need not be cleared. */
static vm_status host_invoke_scalar(vm_exec_t *ex, struct vm_funcinst *f,
                                    vm_slot *nfp)
{
    const vm_functype *t = f->type;
    vm_value args[HOST_ARGS_ON_STACK];
    for (uint32_t i = 0; i < t->nparams; i++) args[i].u64 = nfp[i].u64;
    vm_status st = f->host(ex, args, f->host_ud);
    if (st == VM_OK || st == VM_YIELD)
        for (uint32_t i = 0; i < t->nresults; i++) nfp[i].u64 = args[i].u64;
    return st;
}

vm_status vm__host_invoke(vm_exec_t *ex, struct vm_funcinst *f, vm_slot *nfp)
{
    if (f->host_scalar) return host_invoke_scalar(ex, f, nfp);
    const vm_functype *t = f->type;
    uint32_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    vm_value small[HOST_ARGS_ON_STACK];
    vm_value *args = n <= HOST_ARGS_ON_STACK ? small : malloc(n * sizeof *args);
    if (!args) {
        vm_exec_set_trap(ex, VM_TRAP_OUT_OF_MEMORY, "out of memory");
        return VM_TRAP;
    }
    vm__slots_to_values(args, nfp, t->params, t->nparams);
    vm_status st = f->host(ex, args, f->host_ud);
    /* results are written for VM_OK and VM_YIELD only */
    if (st == VM_OK || st == VM_YIELD)
        vm__values_to_slots(nfp, args, t->results, t->nresults);
    if (args != small) free(args);
    return st;
}
