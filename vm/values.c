/* values.c: values between the embedding API (one vm_value each, 16
 * bytes) and frame slots (8 bytes; a v128 takes two). Host functions need
 * no conversion: they are handed the frame's slots as they are. */
#include "common/lun_prefix.h"

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
            vm_copy_le(dst, src[i].v128, 16); /* vm_endian.h */
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
            vm_copy_le(dst[i].v128, src, 16);
            src += 2;
        } else {
            memset(&dst[i], 0, sizeof dst[i]);
            dst[i].u64 = (src++)->u64;
        }
    }
}
