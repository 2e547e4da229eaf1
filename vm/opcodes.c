/* opcodes.c: the opcode tables, expanded from op_list.h and simd_list.h:
 * each opcode's text, encoding, immediates and signature, and the map from
 * an encoding back to the opcode. */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

/* {===== opcode tables, expanded from op_list.h */

const vm_opinfo vm__opinfo[OP_COUNT_] = {
#define OP(name, pfx, code, text, imm, sig, align) \
    {text, pfx, code, imm, align, sig},
#include "op_list.h"
};

/* How many lanes a SIMD opcode's lane immediate may name (0: none). */
const uint8_t vm__simd_lanes[OP_COUNT_] = {
#define SIMD(name, code, text, imm, sig, align, lanes) [OP_##name] = lanes,
#include "simd_list.h"
};

/* Index: the opcode byte, 256 + the 0xfc sub-opcode or 512 + the 0xfd
 * one. Value: the enum vm_opcode plus one, so that the zero of unlisted
 * entries means "none". */
#define PREFIX_BASE(pfx) ((pfx) == 0xfd ? 512 : (pfx) ? 256 : 0)
static const uint16_t opcode_map[768] = {
#define OP(name, pfx, code, text, imm, sig, align) \
    [PREFIX_BASE(pfx) + (code)] = OP_##name + 1,
#include "op_list.h"
};

int vm__opcode_of(uint8_t prefix, uint32_t code)
{
    if ((prefix != 0 && prefix != 0xfc && prefix != 0xfd) || code > 255) return -1;
    return (int)opcode_map[PREFIX_BASE(prefix) + code] - 1;
}

/* }===== */

unsigned vm_features(void)
{
    unsigned f = 0;
#ifndef VM_NO_SIMD
    f |= VM_FEATURE_SIMD;
#endif
#ifndef VM_NO_FUSION
    f |= VM_FEATURE_FUSION;
#endif
    return f;
}
