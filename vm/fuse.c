/* fuse.c: the peephole fuser. The register compiler (compile.c) asks it,
 * before emitting plain code for a binary op, a load, a store, a
 * conditional jump, a return or a bulk-memory op, whether a
 * superinstruction of super_list.h can stand for that op together with
 * the instruction(s) just emitted; if so the fuser removes those and emits
 * the superinstruction.
 *
 * What an emitted instruction is and reads, the fuser decodes from the
 * code (views below), never from a separate record, so a fusion can only
 * see what is really there. Every fusion keeps the order of reads and
 * writes of the code it replaces: operands are read before the result is
 * written, and a removed instruction wrote nothing but the temporary the
 * fused one no longer needs.
 */
#include "common/lun_prefix.h"

#include "compile_int.h"

#ifndef VM_NO_FUSION

/* {===== the table, indexed both ways */

static const uint8_t family_of_row[] = {
#define SI(name, family, base, ...) FAM_##family,
#include "super_list.h"
};

static const uint16_t base_of_row[] = {
#define SI(name, family, base, ...) OP_##base,
#include "super_list.h"
};

#ifdef __OPTIMIZE_SIZE__
/* The form of family fam for op, or 0 when there is none. Built for size,
 * the rows are searched: the table of the other builds is ~21 KB, and
 * only compiling looks forms up. */
static int form(int fam, int op)
{
    for (size_t r = 0; r < sizeof base_of_row / sizeof *base_of_row; r++)
        if (family_of_row[r] == fam && base_of_row[r] == op)
            return IOP_SUPER_FIRST_ + (int)r;
    return 0;
}
#else
/* The superinstruction of a family standing for wasm opcode `base`. */
static const uint16_t form_table[FAM_COUNT_][OP_SIMD_FIRST_] = {
#define SI(name, family, base, ...) [FAM_##family][OP_##base] = IOP_##name,
#include "super_list.h"
};

/* The form of family fam for op, or 0 when there is none. */
static int form(int fam, int op)
{
    return op >= 0 && op < OP_SIMD_FIRST_ ? form_table[fam][op] : 0;
}
#endif

static int family_of(int iop)
{
    return iop >= IOP_SUPER_FIRST_ ? family_of_row[iop - IOP_SUPER_FIRST_] : FAM_NONE_;
}

static int base_of(int iop)
{
    return iop >= IOP_SUPER_FIRST_ ? base_of_row[iop - IOP_SUPER_FIRST_] : -1;
}

/* }===== */
/* {===== views of emitted instructions */

static bool is_plain_binop(int iop)
{
    if (iop < 0 || iop >= OP_SIMD_FIRST_ || vm__opinfo[iop].imm != IMM_NONE) return false;
    const char *sig = vm__opinfo[iop].sig;
    return sig[0] && sig[1] && sig[1] != ':' && sig[2] == ':';
}

static bool is_plain_load(int iop)
{
    return iop >= 0 && iop < OP_SIMD_FIRST_ && vm__opinfo[iop].imm == IMM_MEMARG &&
           vm__opinfo[iop].sig[1] == ':';
}

/* The newest instruction when it computed the value at the fresh height
 * (see compiler.fresh_start), or NULL. */
static const emitted *fresh_insn(const compiler *c)
{
    if (c->fresh_start < 0 || !c->nrecent) return NULL;
    const emitted *e = &c->recent[c->nrecent - 1];
    return (int64_t)e->start == c->fresh_start && c->label_op <= e->start ? e : NULL;
}

/* The instruction right before the newest, when no label lies between. */
static const emitted *before_newest(const compiler *c)
{
    if (c->nrecent < 2) return NULL;
    const emitted *p = &c->recent[c->nrecent - 2];
    return c->label_op > p->start ? NULL : p;
}

/* A binary op: plain [h][d, a][b, -], or IMM [h][d, a][imm]. */
typedef struct binop_view {
    int op; /* its wasm opcode; -1: the instruction is no such op */
    int32_t a, b;
    bool b_imm;
    uint64_t imm; /* the immediate's bits (i32 ops: the low 32) */
} binop_view;

static binop_view view_binop(const compiler *c, const emitted *e)
{
    binop_view v = {-1, 0, 0, false, 0};
    if (!e) return v;
    const vm_op *w = &c->ops[e->start];
    if (is_plain_binop(e->iop)) {
        v.op = e->iop;
        v.a = w[1].s.b;
        v.b = w[2].s.a;
    } else if (family_of(e->iop) == FAM_IMM) {
        v.op = base_of(e->iop);
        v.a = w[1].s.b;
        v.b_imm = true;
        /* read as emit_imm_form wrote it: a slot of the operands' type */
        const char t = vm__opinfo[v.op].sig[0];
        v.imm = t == 'I' || t == 'F' ? w[2].v.u64 : w[2].v.u32;
    }
    return v;
}

/* The immediate as a sign-extended 32-bit field, when it fits one. */
static bool imm_fits32(const binop_view *v)
{
    return (int64_t)v->imm == (int32_t)(uint32_t)v->imm ||
           vm__opinfo[v->op].sig[0] == 'i' || vm__opinfo[v->op].sig[0] == 'f';
}

/* A load: plain [h][d, addr][offset], or LOAD_ADDI [h][d, addr][imm,
 * offset] (address addr + imm). */
typedef struct load_view {
    int op; /* its wasm opcode; -1: no load (or an offset over 32 bits) */
    int32_t addr, imm;
    bool addi;
    uint32_t off;
} load_view;

static load_view view_load(const compiler *c, const emitted *e)
{
    load_view v = {-1, 0, 0, false, 0};
    if (!e) return v;
    const vm_op *w = &c->ops[e->start];
    if (is_plain_load(e->iop) && w[2].u64 <= UINT32_MAX) {
        v.op = e->iop;
        v.addr = w[1].s.b;
        v.off = (uint32_t)w[2].u64;
    } else if (family_of(e->iop) == FAM_LOAD_ADDI) {
        v.op = base_of(e->iop);
        v.addr = w[1].s.b;
        v.addi = true;
        v.imm = w[2].s.a;
        v.off = (uint32_t)w[2].s.b;
    }
    return v;
}

/* }===== */
/* {===== shared steps */

static bool is_compare(int op)
{
    static const bool cmp[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = true,
        VM_CMPOPS(VM_X)
#undef VM_X
    };
    return op >= 0 && cmp[op];
}

/* The operand beside the value the newest instruction just computed, when
 * it is of `kind` (on either side: the callers' ops commute), or NULL. */
static const centry *beside_fresh(const compiler *c, uint8_t kind)
{
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    if (fresh_at(c, c->sp - 2) && eb->kind == kind) return eb;
    if (fresh_at(c, c->sp - 1) && ea->kind == kind) return ea;
    return NULL;
}

/* Replaces the newest instruction and the binary op about to be compiled,
 * whose two operands are popped, by the fused instruction iop: emits its
 * handler and first word (the result's home slot, then b). */
static uint32_t emit_fused(compiler *c, int iop, int32_t b)
{
    vm__unemit_newest(c);
    c->sp -= 2;
    uint32_t at = vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, c->sp), b);
    return at;
}

/* The full-width load and store of a binary op's operand type. */
static int full_load_of(int op)
{
    switch (vm__opinfo[op].sig[0]) {
    case 'i': return OP_I32_LOAD;
    case 'I': return OP_I64_LOAD;
    case 'f': return OP_F32_LOAD;
    default: return OP_F64_LOAD;
    }
}

static int full_store_of(int op)
{
    switch (vm__opinfo[op].sig[0]) {
    case 'i': return OP_I32_STORE;
    case 'I': return OP_I64_STORE;
    case 'f': return OP_F32_STORE;
    default: return OP_F64_STORE;
    }
}

/* }===== */
/* {===== binary ops */

/* `a op load(p)`: the load just emitted becomes the op's memory operand
 * (either operand, when the op commutes). MEM_OPERAND(_ADDI). */
static bool fuse_load_operand(compiler *c, int op, uint8_t rtype)
{
    if (!form(FAM_MEM_OPERAND, op)) return false;
    load_view l = view_load(c, fresh_insn(c));
    if (l.op < 0 || l.op != full_load_of(op)) return false;
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    int32_t a;
    if (fresh_at(c, c->sp - 1) && ea->kind == E_SLOT) a = ea->slot;
    else if (vm__commutes(op) && fresh_at(c, c->sp - 2) && eb->kind == E_SLOT) a = eb->slot;
    else return false;
    int iop = form(l.addi ? FAM_MEM_OPERAND_ADDI : FAM_MEM_OPERAND, op);
    if (!iop) return false;
    uint32_t at = emit_fused(c, iop, a);
    if (l.addi) {
        emit_ab(c, l.addr, l.imm);
        emit_ab(c, (int32_t)l.off, 0);
    } else {
        emit_ab(c, l.addr, (int32_t)l.off);
    }
    vm__push_result(c, rtype, at);
    return true;
}

/* `a op p[i]`: an i32.load8_u just emitted (plain, at slot + immediate,
 * slot + slot or three slots) becomes the byte operand of an i32 add or
 * xor: checksums, byte hashes. BYTE(_ADDI, _ADD, _ADD3). */
static bool fuse_byte_operand(compiler *c, int op)
{
    const emitted *e = fresh_insn(c);
    if (!form(FAM_BYTE, op) || !e) return false;
    const centry *other = beside_fresh(c, E_SLOT); /* the ops commute */
    if (!other) return false;
    const vm_op *load = &c->ops[e->start];
    int fam = family_of(e->iop), base = base_of(e->iop);
    vm_op w2, w3;
    w3.u64 = 0;
    if (e->iop == OP_I32_LOAD8_U && load[2].u64 <= UINT32_MAX) {
        fam = FAM_BYTE;
        w2.s.a = load[1].s.b; /* [h][d, addr][offset] */
        w2.s.b = (int32_t)(uint32_t)load[2].u64;
    } else if (base == OP_I32_LOAD8_U && (fam == FAM_LOAD_ADDI || fam == FAM_LOAD_ADD)) {
        fam = fam == FAM_LOAD_ADDI ? FAM_BYTE_ADDI : FAM_BYTE_ADD;
        w2.s.a = load[1].s.b; /* [h][d, a][imm or b, offset] */
        w2.s.b = load[2].s.a;
        w3.s.a = load[2].s.b;
    } else if (base == OP_I32_LOAD8_U && fam == FAM_LOAD_ADD3) {
        fam = FAM_BYTE_ADD3;
        w2.s.a = load[1].s.b; /* [h][d, a][b, c][offset] */
        w2.s.b = load[2].s.a;
        w3.s.a = load[2].s.b;
        w3.s.b = load[3].s.a;
    } else {
        return false;
    }
    int iop = form(fam, op);
    if (!iop) return false;
    uint32_t at = emit_fused(c, iop, other->slot);
    emit_word(c, w2);
    if (fam != FAM_BYTE) emit_word(c, w3);
    vm__push_result(c, VM_I32, at);
    return true;
}

/* `(a op1 b) op2 c`: an f64 op whose left operand was just computed by
 * another (or whose right one was, when op2 commutes). F64_THEN_*. */
static bool fuse_f64_chain(compiler *c, int op2)
{
    int fam = op2 == OP_F64_ADD ? FAM_F64_THEN_ADD
              : op2 == OP_F64_SUB ? FAM_F64_THEN_SUB
              : op2 == OP_F64_MUL ? FAM_F64_THEN_MUL : FAM_NONE_;
    binop_view l = view_binop(c, fresh_insn(c));
    if (fam == FAM_NONE_ || l.op < 0 || l.b_imm || !form(fam, l.op)) return false;
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    int32_t other;
    if (fresh_at(c, c->sp - 2) && eb->kind == E_SLOT) other = eb->slot;
    else if (vm__commutes(op2) && fresh_at(c, c->sp - 1) && ea->kind == E_SLOT) other = ea->slot;
    else return false;
    uint32_t at = emit_fused(c, form(fam, l.op), l.a);
    emit_ab(c, l.b, other);
    vm__push_result(c, VM_F64, at);
    return true;
}

/* A shift by a constant just emitted, then `& mask` with a constant mask
 * (BIT_FIELD, after a logical shift right) or `base +` a slot
 * (ADD_SHIFTED, after a logical shift right or a shift left; ADD_SCALED
 * after a multiplication). A load of that address takes the ADD_SHIFTED
 * of a shift left apart again (LOAD_SHL_ADD). */
static bool fuse_after_shift(compiler *c, int op)
{
    binop_view l = view_binop(c, fresh_insn(c));
    if ((op != OP_I32_AND && op != OP_I32_ADD) || !l.b_imm ||
        (l.op != OP_I32_SHR_U && l.op != OP_I32_SHL && l.op != OP_I32_MUL))
        return false;
    bool bit_field = op == OP_I32_AND;
    const centry *other = beside_fresh(c, bit_field ? E_CONST : E_SLOT);
    if (!other) return false;
    int32_t w = bit_field ? (int32_t)(uint32_t)other->k : other->slot;
    bool mul = l.op == OP_I32_MUL;
    int iop = form(bit_field ? FAM_BIT_FIELD : mul ? FAM_ADD_SCALED : FAM_ADD_SHIFTED, l.op);
    if (!iop) return false;
    uint32_t at = emit_fused(c, iop, l.a);
    emit_ab(c, (int32_t)(mul ? l.imm : l.imm & 31), w);
    vm__push_result(c, VM_I32, at);
    return true;
}

/* The constant an i32.add or i32.sub adds to the value the newest
 * instruction just computed (x - k adds -k), or false. */
static bool added_constant(const compiler *c, int op, uint32_t *k)
{
    const centry *e = NULL;
    if (op == OP_I32_ADD) e = beside_fresh(c, E_CONST);
    else if (op == OP_I32_SUB && fresh_at(c, c->sp - 2) && c->stack[c->sp - 1].kind == E_CONST)
        e = &c->stack[c->sp - 1]; /* x - k only: k - x is no added constant */
    if (!e) return false;
    *k = op == OP_I32_SUB ? 0u - (uint32_t)e->k : (uint32_t)e->k;
    return true;
}

/* `x op k1` then `+ k2`, the first result used only by the add: one
 * instruction (ADDI_TAIL, BIT_FIELD_ADDI), or, when op is itself an add or
 * sub of a constant, the operands rewritten to one add of the folded
 * constant, which *op becomes (and false returned, for the caller to emit
 * it as an add of an immediate). */
static bool fuse_addi_tail(compiler *c, int *op)
{
    const emitted *e = fresh_insn(c);
    uint32_t k2;
    if (!e || !added_constant(c, *op, &k2)) return false;
    const vm_op *code = &c->ops[e->start];
    binop_view l = view_binop(c, e);
    if (family_of(e->iop) == FAM_BIT_FIELD && form(FAM_BIT_FIELD_ADDI, OP_I32_SHR_U)) {
        int32_t src = code[1].s.b, k1 = code[2].s.a, mask = code[2].s.b;
        uint32_t at = emit_fused(c, form(FAM_BIT_FIELD_ADDI, OP_I32_SHR_U), src);
        emit_ab(c, k1, mask);
        emit_ab(c, (int32_t)k2, 0);
        vm__push_result(c, VM_I32, at);
        return true;
    }
    if (!l.b_imm) return false;
    if (l.op == OP_I32_ADD || l.op == OP_I32_SUB) {
        uint32_t k = l.op == OP_I32_SUB ? 0u - (uint32_t)l.imm : (uint32_t)l.imm;
        vm__unemit_newest(c);
        c->stack[c->sp - 2] = (centry){E_SLOT, VM_I32, l.a, 0, c->stack[c->sp - 2].hslot};
        c->stack[c->sp - 1] = (centry){E_CONST, VM_I32, 0, k + k2, c->stack[c->sp - 1].hslot};
        *op = OP_I32_ADD;
        return false;
    }
    if (!form(FAM_ADDI_TAIL, l.op)) return false;
    uint32_t at = emit_fused(c, form(FAM_ADDI_TAIL, l.op), l.a);
    emit_ab(c, (int32_t)(uint32_t)l.imm, (int32_t)k2);
    vm__push_result(c, VM_I32, at);
    return true;
}

/* An operand that is a constant: the op's form with an immediate (IMM). */
static bool emit_imm_form(compiler *c, int op, uint8_t rtype)
{
    centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    int iop = form(FAM_IMM, op);
    if (!iop) return false;
    if (ea->kind == E_CONST && eb->kind == E_SLOT && vm__commutes(op)) {
        centry t = *ea; /* floats too: which NaN comes out is not specified */
        *ea = *eb;
        *eb = t;
    }
    if (eb->kind != E_CONST) return false;
    bool wide = ea->type == VM_I64 || ea->type == VM_F64;
    uint64_t k = eb->k;
    int32_t a = vm__slot_of(c, c->sp - 2);
    c->sp -= 2;
    uint32_t at = vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, c->sp), a);
    vm_op w;
    w.u64 = 0;
    if (wide) w.v.u64 = k;
    else w.v.u32 = (uint32_t)k;
    emit_word(c, w);
    vm__push_result(c, rtype, at);
    return true;
}

bool vm__fuse_binop(compiler *c, int op, uint8_t rtype)
{
    if (fuse_load_operand(c, op, rtype) || fuse_byte_operand(c, op) || fuse_f64_chain(c, op) ||
        fuse_after_shift(c, op) || fuse_addi_tail(c, &op))
        return true;
    return emit_imm_form(c, op, rtype);
}

/* }===== */
/* {===== conditional jumps */

/* A compare-and-branch whose left operand was just computed by an i32.add
 * of an immediate (a loop counter's step and test) becomes one BR_ADDI
 * instruction, unless a branch lands between the two. Emits it but its
 * target word; op is the (possibly negated) i32 compare. */
static bool fuse_addi_compare(compiler *c, const binop_view *l, int op)
{
    const emitted *p = before_newest(c);
    int fam = l->b_imm ? FAM_BR_ADDI_I : FAM_BR_ADDI;
    if (!form(fam, op) || !p || family_of(p->iop) != FAM_IMM || base_of(p->iop) != OP_I32_ADD ||
        c->ops[p->start + 1].s.a != l->a)
        return false;
    vm_op add = c->ops[p->start + 1], ops2;
    ops2.s.a = (int32_t)c->ops[p->start + 2].v.u32;
    ops2.s.b = l->b_imm ? (int32_t)(uint32_t)l->imm : l->b;
    vm__unemit_newest(c); /* the compare */
    vm__unemit_newest(c); /* the add */
    vm__emit_op(c, form(fam, op));
    emit_word(c, add);
    emit_word(c, ops2);
    return true;
}

/* The same compare with its operands swapped (a < b is b > a). */
static int swapped_f64(int op)
{
    switch (op) {
    case OP_F64_LT: return OP_F64_GT;
    case OP_F64_GT: return OP_F64_LT;
    case OP_F64_LE: return OP_F64_GE;
    case OP_F64_GE: return OP_F64_LE;
    default: return op; /* eq, ne */
    }
}

/* An f64 compare just emitted, then a jump on its result: one BR_F64 (or,
 * jumping when it is false, BR_NOT_F64) instruction, the _K form when the
 * instruction before the compare put a constant in one of its operands'
 * temporary slots. Emits it but its target word. */
static bool emit_f64_branch(compiler *c, const binop_view *l, bool when)
{
    int op = l->op;
    int32_t a = l->a, b = l->b;
    const emitted *p = before_newest(c);
    bool k_form = false;
    uint64_t k = 0;
    if (p && p->iop == IOP_CONST64 && c->ops[p->start + 1].s.a >= (int32_t)c->L) {
        int32_t d = c->ops[p->start + 1].s.a; /* a temporary: dead after the compare */
        k = c->ops[p->start + 2].u64;
        if (d == b && a != d) {
            k_form = true;
        } else if (d == a && b != d) {
            k_form = true;
            op = swapped_f64(op);
            a = b;
        }
    }
    int fam = when ? (k_form ? FAM_BR_F64_K : FAM_BR_F64)
                   : (k_form ? FAM_BR_NOT_F64_K : FAM_BR_NOT_F64);
    if (!form(fam, op)) return false;
    vm__unemit_newest(c); /* the compare */
    if (k_form) vm__unemit_newest(c); /* the constant */
    vm__emit_op(c, form(fam, op));
    emit_ab(c, a, k_form ? 0 : b);
    if (k_form) emit_u64(c, k);
    return true;
}

static int negation(int op)
{
    static const int neg[OP_COUNT_] = {
#define VM_X(name, neg, immf, expr) [OP_##name] = OP_##neg,
        VM_CMPOPS(VM_X)
#undef VM_X
    };
    return neg[op];
}

/* The global that instruction p (the one before the newest) read into the
 * temporary `slot`, when that temporary is the home of the condition just
 * popped: dead once the jump has read it. Else -1. */
static int32_t global_read_into(const compiler *c, const emitted *p, int32_t slot)
{
    if (!p || p->iop != IOP_GLOBAL_GET) return -1;
    const vm_op *w = &c->ops[p->start];
    return w[1].s.a == slot && slot == (int32_t)vm__home(c, c->sp) ? w[1].s.b : -1;
}

/* A jump on an i32 global read just before: on the global itself (fresh
 * is the global.get), on its i32.eqz, or on its compare with a constant
 * (eq, ne). One BR_GLOBAL, BR_NOT_GLOBAL or BR_GLOBAL_I instead of two
 * instructions; emits it but its target word. */
static bool fuse_global_jump(compiler *c, const emitted *fresh,
                             const binop_view *l, bool when)
{
    const vm_op *w = &c->ops[fresh->start];
    if (fresh->iop == IOP_GLOBAL_GET) {
        int iop = form(when ? FAM_BR_GLOBAL : FAM_BR_NOT_GLOBAL, OP_GLOBAL_GET);
        if (!iop) return false;
        int32_t g = w[1].s.b;
        vm__unemit_newest(c);
        vm__emit_op(c, iop);
        emit_ab(c, 0, g);
        return true;
    }
    if (fresh->iop == OP_I32_EQZ) {
        int iop = form(when ? FAM_BR_NOT_GLOBAL : FAM_BR_GLOBAL, OP_GLOBAL_GET);
        int32_t g = global_read_into(c, before_newest(c), w[1].s.b);
        if (!iop || g < 0) return false;
        vm__unemit_newest(c); /* the eqz */
        vm__unemit_newest(c); /* the global.get */
        vm__emit_op(c, iop);
        emit_ab(c, 0, g);
        return true;
    }
    if (!l->b_imm || (l->op != OP_I32_EQ && l->op != OP_I32_NE)) return false;
    int iop = form(FAM_BR_GLOBAL_I, when ? l->op : negation(l->op));
    int32_t g = global_read_into(c, before_newest(c), l->a);
    if (!iop || g < 0) return false;
    vm__unemit_newest(c); /* the compare */
    vm__unemit_newest(c); /* the global.get */
    vm__emit_op(c, iop);
    emit_ab(c, g, (int32_t)(uint32_t)l->imm);
    return true;
}

int64_t vm__fuse_cond_jump(compiler *c, centry cond, bool when)
{
    const emitted *e = fresh_insn(c);
    if (!e || c->fresh_height != c->sp || cond.kind != E_SLOT ||
        cond.slot != (int32_t)vm__home(c, c->sp))
        return -1;
    const vm_op *w = &c->ops[e->start];
    binop_view l = view_binop(c, e);
    if (fuse_global_jump(c, e, &l, when)) return vm__emit_target(c, 0);
    if (e->iop == OP_I32_EQZ) {
        int32_t a = w[1].s.b;
        vm__unemit_newest(c);
        vm__emit_op(c, when ? IOP_BR_UNLESS : IOP_BR_IF);
        emit_ab(c, a, 0);
        return vm__emit_target(c, 0);
    }
    int bits = form(when ? FAM_BR_BITS : FAM_BR_NO_BITS, OP_I32_AND);
    if (l.op == OP_I32_AND && l.b_imm && bits) { /* a bit test */
        vm__unemit_newest(c);
        vm__emit_op(c, bits);
        emit_ab(c, l.a, (int32_t)(uint32_t)l.imm);
        return vm__emit_target(c, 0);
    }
    if (is_compare(l.op) && (!l.b_imm || imm_fits32(&l))) {
        int op = when ? l.op : negation(l.op);
        if (fuse_addi_compare(c, &l, op)) return vm__emit_target(c, 0);
        int iop = form(l.b_imm ? FAM_BR_CMP_I : FAM_BR_CMP, op);
        if (!iop) return -1;
        vm__unemit_newest(c);
        vm__emit_op(c, iop);
        emit_ab(c, l.a, l.b_imm ? (int32_t)(uint32_t)l.imm : l.b);
        return vm__emit_target(c, 0);
    }
    if (l.op >= 0 && !l.b_imm && emit_f64_branch(c, &l, when)) return vm__emit_target(c, 0);
    return -1;
}

/* }===== */
/* {===== loads and stores */

/* Two instructions folded into a load: the i32.add being folded (l) has
 * as one operand the temporary that the instruction right before it (of
 * instruction iop) wrote, which nothing else reads. Returns that
 * instruction, and sets *other to the add's other operand (a slot, or l's
 * immediate), or returns NULL. */
static const emitted *feeding_temp(const compiler *c, const binop_view *l, int iop,
                                   int32_t *other)
{
    const emitted *p = before_newest(c);
    if (!p || p->iop != iop) return NULL;
    int32_t d = c->ops[p->start + 1].s.a;
    if (d == (int32_t)vm__home(c, c->sp - 1) && l->a == d && (l->b_imm || l->b != d)) {
        *other = l->b_imm ? (int32_t)(uint32_t)l->imm : l->b;
        return p;
    }
    if (d == (int32_t)vm__home(c, c->sp) && !l->b_imm && l->b == d && l->a != d) {
        *other = l->a;
        return p;
    }
    return NULL;
}

/* An array element: the index was shifted left by a constant, then added
 * to a base. LOAD_SHL_ADD(I). */
static bool fuse_indexed_load(compiler *c, int op, const binop_view *l, uint32_t offset)
{
    int32_t base;
    int fam = l->b_imm ? FAM_LOAD_SHL_ADDI : FAM_LOAD_SHL_ADD;
    const emitted *p = form(fam, op) ? feeding_temp(c, l, IOP_I32_SHL_I, &base) : NULL;
    if (!p) return false;
    vm_op shl = c->ops[p->start + 1];
    int32_t k = (int32_t)(c->ops[p->start + 2].v.u32 & 31);
    vm__unemit_newest(c); /* the add */
    vm__unemit_newest(c); /* the shift */
    c->sp--;
    uint32_t at = vm__emit_op(c, form(fam, op));
    emit_ab(c, (int32_t)vm__home(c, c->sp), shl.s.b);
    emit_ab(c, base, k);
    emit_ab(c, (int32_t)offset, 0);
    vm__push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
    return true;
}

/* The same when the address was just computed by one ADD_SHIFTED
 * instruction (shift left): [h][d, x][k, base] becomes the load's. */
static bool fuse_shifted_load(compiler *c, int op, uint64_t offset)
{
    const emitted *e = fresh_insn(c);
    int iop = form(FAM_LOAD_SHL_ADD, op), add_shl = form(FAM_ADD_SHIFTED, OP_I32_SHL);
    if (!iop || !add_shl || !e || e->iop != add_shl || offset > UINT32_MAX ||
        !fresh_at(c, c->sp - 1))
        return false;
    vm_op xw = c->ops[e->start + 1], kw = c->ops[e->start + 2];
    vm__unemit_newest(c);
    c->sp--;
    uint32_t at = vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, c->sp), xw.s.b);
    emit_ab(c, kw.s.b, kw.s.a);
    emit_ab(c, (int32_t)(uint32_t)offset, 0);
    vm__push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
    return true;
}

/* `p[i + j]`: the temporary is a sum of two slots. LOAD_ADD3. */
static bool fuse_sum_load(compiler *c, int op, const binop_view *l, uint32_t offset)
{
    int32_t other;
    const emitted *p = form(FAM_LOAD_ADD3, op) && !l->b_imm
                           ? feeding_temp(c, l, OP_I32_ADD, &other) : NULL;
    if (!p) return false;
    vm_op sum = c->ops[p->start + 1], sum2 = c->ops[p->start + 2];
    vm__unemit_newest(c);
    vm__unemit_newest(c);
    c->sp--;
    uint32_t at = vm__emit_op(c, form(FAM_LOAD_ADD3, op));
    emit_ab(c, (int32_t)vm__home(c, c->sp), other);
    emit_ab(c, sum.s.b, sum2.s.a);
    emit_ab(c, (int32_t)offset, 0);
    vm__push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
    return true;
}

/* The i32.add (of two slots or of an immediate) that the newest
 * instruction computed into the entry at height h, for a load or store
 * with this offset to fold into its address; l.op is -1 when there is
 * none. */
static binop_view fresh_add_at(const compiler *c, uint32_t h, uint64_t offset)
{
    binop_view l = view_binop(c, fresh_insn(c));
    if (l.op != OP_I32_ADD || !fresh_at(c, h) || offset > UINT32_MAX) l.op = -1;
    return l;
}

bool vm__fuse_load(compiler *c, int op, uint64_t offset)
{
    uint8_t rtype = vm__valtype_of_letter(vm__opinfo[op].sig[2]);
    const centry *e = &c->stack[c->sp - 1];
    if (e->kind == E_CONST && form(FAM_LOAD_ABS, op)) { /* C globals */
        uint64_t ea = (uint64_t)(uint32_t)e->k + offset;
        c->sp--;
        uint32_t at = vm__emit_op(c, form(FAM_LOAD_ABS, op));
        emit_ab(c, (int32_t)vm__home(c, c->sp), 0);
        emit_u64(c, ea);
        vm__push_result(c, rtype, at);
        return true;
    }
    if (fuse_shifted_load(c, op, offset)) return true;
    binop_view l = fresh_add_at(c, c->sp - 1, offset);
    if (l.op < 0) return false;
    if (fuse_indexed_load(c, op, &l, (uint32_t)offset) ||
        fuse_sum_load(c, op, &l, (uint32_t)offset))
        return true;
    int iop = form(l.b_imm ? FAM_LOAD_ADDI : FAM_LOAD_ADD, op);
    if (!iop) return false;
    vm__unemit_newest(c);
    c->sp--;
    uint32_t at = vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, c->sp), l.a);
    emit_ab(c, l.b_imm ? (int32_t)(uint32_t)l.imm : l.b, (int32_t)(uint32_t)offset);
    vm__push_result(c, rtype, at);
    return true;
}

/* `*p = a op b`: the binary op just emitted writes memory itself. */
static bool fuse_op_store(compiler *c, int store_op, uint64_t offset)
{
    binop_view l = view_binop(c, fresh_insn(c));
    if (l.op < 0 || l.b_imm || !form(FAM_OP_STORE, l.op) || full_store_of(l.op) != store_op ||
        !fresh_at(c, c->sp - 1) || c->stack[c->sp - 2].kind != E_SLOT || offset > UINT32_MAX)
        return false;
    int32_t addr = c->stack[c->sp - 2].slot;
    vm__unemit_newest(c);
    c->sp -= 2;
    vm__emit_op(c, form(FAM_OP_STORE, l.op));
    emit_ab(c, l.a, l.b);
    emit_ab(c, addr, (int32_t)(uint32_t)offset);
    return true;
}

/* `*p = a op *p`: a MEM_OPERAND op stored back to the address it read. */
static bool fuse_rmw(compiler *c, int store_op, uint64_t offset)
{
    const emitted *e = fresh_insn(c);
    if (!e || family_of(e->iop) != FAM_MEM_OPERAND) return false;
    const vm_op *w = &c->ops[e->start]; /* [h][d, a][addr, offset] */
    int op = base_of(e->iop);
    int32_t a = w[1].s.b, addr = w[2].s.a;
    uint32_t off = (uint32_t)w[2].s.b;
    const centry *addr_e = &c->stack[c->sp - 2];
    if (full_store_of(op) != store_op || !form(FAM_RMW, op) || !fresh_at(c, c->sp - 1) ||
        addr_e->kind != E_SLOT || addr_e->slot != addr || offset != off)
        return false;
    vm__unemit_newest(c);
    c->sp -= 2;
    vm__emit_op(c, form(FAM_RMW, op));
    emit_ab(c, 0, a);
    emit_ab(c, addr, (int32_t)off);
    return true;
}

/* A load stored at once at the same width: one memory-to-memory move. */
static bool fuse_move(compiler *c, int store_op, uint64_t offset)
{
    static const int moves[4] = {IOP_MOVE8, IOP_MOVE16, IOP_MOVE32, IOP_MOVE64};
    static const int moves_addi[4] = {IOP_MOVE8_ADDI, IOP_MOVE16_ADDI, IOP_MOVE32_ADDI,
                                      IOP_MOVE64_ADDI};
    load_view l = view_load(c, fresh_insn(c));
    if (l.op < 0 || vm__opinfo[l.op].align != vm__opinfo[store_op].align ||
        !fresh_at(c, c->sp - 1) || c->stack[c->sp - 2].kind != E_SLOT || offset > UINT32_MAX)
        return false;
    int32_t dst = c->stack[c->sp - 2].slot;
    unsigned width = vm__opinfo[store_op].align & 3;
    vm__unemit_newest(c);
    c->sp -= 2;
    vm__emit_op(c, l.addi ? moves_addi[width] : moves[width]);
    emit_ab(c, dst, l.addr);
    if (l.addi) {
        emit_ab(c, l.imm, (int32_t)(uint32_t)offset);
        emit_ab(c, (int32_t)l.off, 0);
    } else {
        emit_ab(c, (int32_t)(uint32_t)offset, (int32_t)l.off);
    }
    return true;
}

/* A constant address (ABS), a constant value (K), or an address that an
 * i32.add just computed (ADD, ADDI). */
static bool fuse_store_operands(compiler *c, int op, uint64_t offset)
{
    const centry *v = &c->stack[c->sp - 1], *addr_e = &c->stack[c->sp - 2];
    if (addr_e->kind == E_CONST && v->kind == E_SLOT && form(FAM_STORE_ABS, op)) {
        uint64_t ea = (uint64_t)(uint32_t)addr_e->k + offset;
        int32_t val = v->slot;
        c->sp -= 2;
        vm__emit_op(c, form(FAM_STORE_ABS, op));
        emit_ab(c, 0, val);
        emit_u64(c, ea);
        return true;
    }
    bool wide = vm__opinfo[op].sig[1] == 'I' || vm__opinfo[op].sig[1] == 'F';
    if (v->kind == E_CONST && (!wide || (int64_t)v->k == (int32_t)v->k) &&
        form(FAM_STORE_K, op)) {
        int32_t k = (int32_t)v->k;
        int32_t addr = vm__slot_of(c, c->sp - 2);
        c->sp -= 2;
        vm__emit_op(c, form(FAM_STORE_K, op));
        emit_ab(c, addr, k);
        emit_u64(c, offset);
        return true;
    }
    /* The address add folds in when the value needed no instruction. */
    binop_view l = fresh_add_at(c, c->sp - 2, offset);
    int iop = form(l.b_imm ? FAM_STORE_ADDI : FAM_STORE_ADD, op);
    if (l.op < 0 || v->kind != E_SLOT || !iop) return false;
    int32_t val = v->slot;
    vm__unemit_newest(c);
    c->sp -= 2;
    vm__emit_op(c, iop);
    emit_ab(c, l.a, l.b_imm ? (int32_t)(uint32_t)l.imm : l.b);
    emit_ab(c, val, (int32_t)(uint32_t)offset);
    return true;
}

bool vm__fuse_store(compiler *c, int op, uint64_t offset)
{
    return fuse_rmw(c, op, offset) || fuse_op_store(c, op, offset) ||
           fuse_move(c, op, offset) || fuse_store_operands(c, op, offset);
}

/* }===== */
/* {===== moves */

/* A move right after another (no label between): the two become one
 * COPY2, which does them in the same order. A move is never a fresh
 * result (local.set does not retarget it), so nothing rewrites the first
 * move's destination afterwards. */
bool vm__fuse_copy(compiler *c, int32_t dst, int32_t src)
{
    int iop = form(FAM_COPY2, OP_LOCAL_SET);
    if (!iop || !c->nrecent) return false;
    emitted *e = &c->recent[c->nrecent - 1];
    if (e->iop != IOP_COPY || e->start + 2 != c->nops || c->label_op > e->start)
        return false;
    c->ops[e->start].h = c->handlers[iop];
    e->iop = iop;
    emit_ab(c, dst, src);
    return true;
}

/* A select with one constant value operand (not both, nor a constant
 * condition): the constant becomes an immediate rather than a CONST
 * instruction before the select. A fresh result, as a plain select's. */
bool vm__fuse_select(compiler *c, uint8_t type)
{
    const centry *v1 = &c->stack[c->sp - 3], *v2 = &c->stack[c->sp - 2];
    bool k1 = v1->kind == E_CONST;
    if (k1 == (v2->kind == E_CONST) || c->stack[c->sp - 1].kind == E_CONST) return false;
    uint64_t k = k1 ? v1->k : v2->k;
    /* 32-bit values only: see SELECT_K_OF (exec_variable.inc) */
    bool fits = type == VM_I32 || type == VM_F32;
    int iop = form(k1 ? FAM_SELECT_K1 : FAM_SELECT_K2, OP_SELECT);
    if (!fits || !iop) return false;
    int32_t x = vm__slot_of(c, c->sp - (k1 ? 2 : 3));
    int32_t cond = vm__slot_of(c, c->sp - 1);
    /* the condition a global just read into its temporary (SELECT_GK2) */
    const emitted *g = fresh_at(c, c->sp - 1) ? fresh_insn(c) : NULL;
    int gk = form(FAM_SELECT_GK2, OP_SELECT);
    if (!k1 && gk && g && g->iop == IOP_GLOBAL_GET) {
        cond = c->ops[g->start + 1].s.b;
        vm__unemit_newest(c);
        iop = gk;
    }
    c->sp -= 3;
    uint32_t at = vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, c->sp), x);
    emit_ab(c, (int32_t)(uint32_t)k, cond);
    vm__push_result(c, type, at);
    return true;
}

/* }===== */
/* {===== returns and bulk memory */

bool vm__fuse_return(compiler *c)
{
    const emitted *e = fresh_insn(c);
    if (!e || e->iop != OP_I32_ADD) return false;
    int32_t a = c->ops[e->start + 1].s.b, b = c->ops[e->start + 2].s.a;
    vm__unemit_newest(c);
    vm__emit_op(c, IOP_I32_ADD_RET);
    emit_ab(c, a, b);
    return true;
}

/* A constant length (memcpy and memset of a known size), and a fill's
 * constant value, become immediates rather than a constant stored to a
 * slot on every execution. */
bool vm__fuse_copy_fill(compiler *c, bool fill)
{
    const centry *value = &c->stack[c->sp - 2], *len = &c->stack[c->sp - 1];
    if (len->kind != E_CONST) return false;
    uint32_t n = (uint32_t)len->k;
    bool value_k = fill && value->kind == E_CONST;
    int32_t b = value_k ? (int32_t)(uint8_t)value->k : vm__slot_of(c, c->sp - 2);
    int32_t dst = vm__slot_of(c, c->sp - 3);
    c->sp -= 3;
    vm__emit_op(c, !fill ? IOP_MEM_COPY_N : value_k ? IOP_MEM_FILL_VN : IOP_MEM_FILL_N);
    emit_ab(c, dst, b);
    emit_ab(c, (int32_t)n, 0);
    return true;
}

/* }===== */

#else /* VM_NO_FUSION: the plain register-threaded code only */

bool vm__fuse_binop(compiler *c, int op, uint8_t rtype)
{
    (void)c, (void)op, (void)rtype;
    return false;
}
bool vm__fuse_load(compiler *c, int op, uint64_t offset)
{
    (void)c, (void)op, (void)offset;
    return false;
}
bool vm__fuse_store(compiler *c, int op, uint64_t offset)
{
    (void)c, (void)op, (void)offset;
    return false;
}
int64_t vm__fuse_cond_jump(compiler *c, centry cond, bool when)
{
    (void)c, (void)cond, (void)when;
    return -1;
}
bool vm__fuse_return(compiler *c)
{
    (void)c;
    return false;
}
bool vm__fuse_copy_fill(compiler *c, bool fill)
{
    (void)c, (void)fill;
    return false;
}
bool vm__fuse_copy(compiler *c, int32_t dst, int32_t src)
{
    (void)c, (void)dst, (void)src;
    return false;
}
bool vm__fuse_select(compiler *c, uint8_t type)
{
    (void)c, (void)type;
    return false;
}

#endif
