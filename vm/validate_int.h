/* validate_int.h: what validate.c (module-level checks) and validate_ops.c
 * (function bodies) share. Included by those two files and their tests
 * only; everything else calls vm__validate() from vm_int.h. */
#ifndef LUN_VM_VALIDATE_INT_H
#define LUN_VM_VALIDATE_INT_H

#include "vm_int.h"

/* The "unknown" operand type of the spec's algorithm: what an unreachable
 * stack yields when popped. It matches every type. Not a vm_valtype. */
#define VM_VT_UNKNOWN 0u

/* 1 if b is a value type: a number, v128 or a reference. */
static inline bool vm__is_valtype(uint8_t b)
{
    return b == VM_I32 || b == VM_I64 || b == VM_F32 || b == VM_F64 ||
           b == VM_V128 || b == VM_FUNCREF || b == VM_EXTERNREF;
}

static inline bool vm__func_is_ref(const vm_module_t *m, uint32_t fidx)
{
    return (m->func_refs[fidx >> 3] >> (fidx & 7)) & 1;
}

/* validate_ops.c: validate the bodies of the module's functions
 * (m->func_refs must be complete). decode.c has
 * already checked their encoding and block structure; this re-reads them
 * defensively and reports the few encoding errors it alone sees (align
 * >= 32, misplaced else) as LUN_EMALFORMED. Returns 0 or LUN_EINVALID /
 * LUN_EMALFORMED / LUN_ELIMIT / LUN_ENOMEM with err set. */
int vm__validate_bodies(const vm_module_t *m, char *err, size_t errlen);

#endif
