/* validate_ops.c: type-checks function bodies with the validation
 * algorithm of the spec's appendix, on explicit heap stacks (no C
 * recursion). Interface: vm__validate_bodies() in validate_int.h. */
#include "common/lun_prefix.h"

#include "vm/validate_int.h"

#include <inttypes.h>
#include <stdio.h>

/* A run of value types: a view into a vm_functype or into k_single_types.
 * Views never own or move, so frames can hold them across reallocs. */
typedef struct type_seq {
    const uint8_t *types;
    uint32_t n;
} type_seq;

/* One entered block (or the function itself, as the outermost block). */
typedef struct ctrl_frame {
    type_seq start, end; /* the block type: params -> results */
    uint32_t height;     /* operand stack size when the block began */
    uint16_t opcode;     /* OP_BLOCK (also the function), OP_LOOP, OP_IF,
                            OP_ELSE */
    bool unreachable;    /* after br/return/unreachable: stack polymorphic */
} ctrl_frame;

/* The immediates of one instruction, as read_imm() decoded them. */
typedef struct instr_imm {
    uint32_t a, b;       /* indices in binary order; memarg align, offset;
                            br_table count, default; select_t count */
    int64_t value;       /* blocktype (s33) or an integer constant */
    uint8_t byte;        /* ref.null's reftype, select_t's valtype */
    const uint8_t *vec;  /* br_table: the first target's bytes */
} instr_imm;

typedef struct vstate {
    const vm_module_t *m;
    const vm_func *f;
    uint32_t fidx;
    vm_reader r;          /* over the body; r.base is unused */
    const uint8_t *instr; /* start of the instruction being checked */
    uint8_t *vals;        /* operand stack: vm_valtype or VM_VT_UNKNOWN */
    uint32_t nvals, cap_vals;
    ctrl_frame *ctrls;
    uint32_t nctrls, cap_ctrls;
    char *err;
    size_t errlen;
} vstate;

/* Storage that single-valtype block types point into. */
static const uint8_t k_single_types[] = {VM_I32,     VM_I64,      VM_F32,
                                         VM_F64,     VM_V128,     VM_FUNCREF,
                                         VM_EXTERNREF};

/* The operand stack can only grow by what the body's bytes push, but a
 * call may push many results per byte; bound it like the runtime stack. */
#define OPERAND_LIMIT VM_DEFAULT_STACK_SLOTS

#define TRY(expr)                                                         \
    do {                                                                  \
        int rc_ = (expr);                                                 \
        if (rc_ != 0) return rc_;                                         \
    } while (0)

/* {===== errors */

static int fail(const vstate *vs, int rc, const char *why)
{
    size_t off = vs->f->body_offset + (size_t)(vs->instr - vs->f->body);
    return vm__errorf(rc, vs->err, vs->errlen,
                      "code section (offset 0x%zx): func %" PRIu32 ": %s", off,
                      vs->fidx, why);
}

/* "unknown <what> <idx>", the reference interpreter's wording. */
static int unknown(const vstate *vs, const char *what, uint64_t idx)
{
    char why[64];
    snprintf(why, sizeof why, "unknown %s %" PRIu64, what, idx);
    return fail(vs, LUN_EINVALID, why);
}

/* A vm__read_* call failed: the body ended early or an integer was badly
 * encoded. */
static int bad_encoding(const vstate *vs)
{
    return fail(vs, LUN_EMALFORMED,
                vs->r.p >= vs->r.end ? "unexpected end"
                                     : "integer representation too long");
}

#define READ(expr)                                                        \
    do {                                                                  \
        if ((expr) != 0) return bad_encoding(vs);                         \
    } while (0)

static int mismatch(const vstate *vs)
{
    return fail(vs, LUN_EINVALID, "type mismatch");
}

/* }===== */
/* {===== the operand and control stacks */

static int reserve_vals(vstate *vs, uint32_t more)
{
    if (more <= vs->cap_vals - vs->nvals) return 0;
    if (more > OPERAND_LIMIT - vs->nvals)
        return fail(vs, LUN_ELIMIT, "operand stack exceeds limit");
    uint64_t cap = (uint64_t)vs->cap_vals * 2;
    if (cap < (uint64_t)vs->nvals + more) cap = (uint64_t)vs->nvals + more;
    if (cap < 64) cap = 64;
    uint8_t *p = vm__realloc(vs->vals, (size_t)cap);
    if (p == NULL) return fail(vs, LUN_ENOMEM, "out of memory");
    vs->vals = p;
    vs->cap_vals = (uint32_t)cap;
    return 0;
}

static int push_val(vstate *vs, uint8_t t)
{
    TRY(reserve_vals(vs, 1));
    vs->vals[vs->nvals++] = t;
    return 0;
}

static int push_vals(vstate *vs, type_seq s)
{
    if (s.n == 0) return 0;
    TRY(reserve_vals(vs, s.n));
    memcpy(vs->vals + vs->nvals, s.types, s.n);
    vs->nvals += s.n;
    return 0;
}

static ctrl_frame *top_frame(const vstate *vs)
{
    return &vs->ctrls[vs->nctrls - 1];
}

/* Pops one operand that must match `expect` (VM_VT_UNKNOWN: anything).
 * Below the current block's base only an unreachable block yields more
 * operands, all of unknown type. */
static int pop_val(vstate *vs, uint8_t expect, uint8_t *out_type)
{
    const ctrl_frame *top = top_frame(vs);
    uint8_t actual = VM_VT_UNKNOWN;
    if (vs->nvals == top->height) {
        if (!top->unreachable) return mismatch(vs);
    } else {
        actual = vs->vals[--vs->nvals];
    }
    if (actual != expect && actual != VM_VT_UNKNOWN && expect != VM_VT_UNKNOWN)
        return mismatch(vs);
    if (out_type) *out_type = actual;
    return 0;
}

static int pop_vals(vstate *vs, type_seq s)
{
    for (uint32_t i = s.n; i-- > 0;) TRY(pop_val(vs, s.types[i], NULL));
    return 0;
}

/* The same check as pop_vals(s) followed by pushing back what it popped,
 * without touching the stack (br_table checks many labels in a row). */
static int peek_vals(const vstate *vs, type_seq s)
{
    const ctrl_frame *top = top_frame(vs);
    uint32_t avail = vs->nvals - top->height;
    for (uint32_t i = 0; i < s.n; i++) {
        if (i >= avail) return top->unreachable ? 0 : mismatch(vs);
        uint8_t actual = vs->vals[vs->nvals - 1 - i];
        uint8_t expect = s.types[s.n - 1 - i];
        if (actual != expect && actual != VM_VT_UNKNOWN) return mismatch(vs);
    }
    return 0;
}

static int push_ctrl(vstate *vs, uint16_t opcode, type_seq start,
                     type_seq end)
{
    /* +1: the function's own frame does not count as nesting */
    if (vs->nctrls >= VM_MAX_NESTING + 1)
        return fail(vs, LUN_ELIMIT, "blocks nested too deeply");
    if (vs->nctrls == vs->cap_ctrls) {
        uint32_t cap = vs->cap_ctrls ? vs->cap_ctrls * 2 : 16;
        ctrl_frame *p = vm__realloc(vs->ctrls, cap * sizeof *p);
        if (p == NULL) return fail(vs, LUN_ENOMEM, "out of memory");
        vs->ctrls = p;
        vs->cap_ctrls = cap;
    }
    vs->ctrls[vs->nctrls++] = (ctrl_frame){.start = start,
                                           .end = end,
                                           .height = vs->nvals,
                                           .opcode = opcode,
                                           .unreachable = false};
    return push_vals(vs, start);
}

static int pop_ctrl(vstate *vs, ctrl_frame *out)
{
    const ctrl_frame *top = top_frame(vs);
    TRY(pop_vals(vs, top->end));
    if (vs->nvals != top->height) return mismatch(vs);
    *out = *top;
    vs->nctrls--;
    return 0;
}

static void set_unreachable(vstate *vs)
{
    ctrl_frame *top = top_frame(vs);
    vs->nvals = top->height;
    top->unreachable = true;
}

/* What a branch to the frame carries: a loop's start, otherwise its end. */
static type_seq label_types(const ctrl_frame *fr)
{
    return fr->opcode == OP_LOOP ? fr->start : fr->end;
}

/* The frame `depth` labels out, or NULL (with err set) if none. */
static int label_frame(const vstate *vs, uint32_t depth,
                       const ctrl_frame **out)
{
    if (depth >= vs->nctrls) return unknown(vs, "label", depth);
    *out = &vs->ctrls[vs->nctrls - 1 - depth];
    return 0;
}

/* }===== */
/* {===== reading instructions */

static int read_opcode(vstate *vs, int *out_op)
{
    uint8_t b, prefix = 0;
    uint32_t code;
    READ(vm__read_u8(&vs->r, &b));
    code = b;
    if (b == 0xfc || b == 0xfd) {
        prefix = b;
        READ(vm__read_u32(&vs->r, &code));
    }
    int op = vm__opcode_of(prefix, code);
    if (op < 0 || op >= OP_COUNT_)
        return fail(vs, LUN_EMALFORMED, "illegal opcode");
    *out_op = op;
    return 0;
}

static int read_zero_byte(vstate *vs)
{
    uint8_t b;
    READ(vm__read_u8(&vs->r, &b));
    if (b != 0) return fail(vs, LUN_EMALFORMED, "zero byte expected");
    return 0;
}

static int skip_bytes(vstate *vs, size_t n)
{
    if ((size_t)(vs->r.end - vs->r.p) < n)
        return fail(vs, LUN_EMALFORMED, "unexpected end");
    vs->r.p += n;
    return 0;
}

/* br_table: reads the target vector and the default; the types are
 * checked later from imm->vec, re-reading the already validated LEBs. */
static int read_br_table(vstate *vs, instr_imm *imm)
{
    uint32_t label;
    READ(vm__read_u32(&vs->r, &imm->a));
    imm->vec = vs->r.p;
    for (uint32_t i = 0; i < imm->a; i++) READ(vm__read_u32(&vs->r, &label));
    READ(vm__read_u32(&vs->r, &imm->b));
    return 0;
}

/* select_t: vec(valtype); only length 1 is valid, but the spec decodes any
 * length first, so a bad byte anywhere in it is malformed. */
static int read_select_types(vstate *vs, instr_imm *imm)
{
    READ(vm__read_u32(&vs->r, &imm->a));
    for (uint32_t i = 0; i < imm->a; i++) {
        uint8_t t;
        READ(vm__read_u8(&vs->r, &t));
        if (!vm__is_valtype(t))
            return fail(vs, LUN_EMALFORMED, "malformed value type");
        if (i == 0) imm->byte = t;
    }
    return 0;
}

/* memory.init and data.drop need the data count section: the spec makes
 * its absence a decoding error so that one pass can check data indices. */
static int require_datacount(vstate *vs)
{
    if (!vs->m->has_datacount)
        return fail(vs, LUN_EMALFORMED, "data count section required");
    return 0;
}

static int read_blocktype(vstate *vs, instr_imm *imm)
{
    READ(vm__read_sleb(&vs->r, 33, &imm->value));
    if (imm->value < 0 && imm->value != -64 &&
        (imm->value < -128 || !vm__is_valtype((uint8_t)(imm->value & 0x7f))))
        return fail(vs, LUN_EMALFORMED, "malformed value type");
    return 0;
}

static int check_memarg(const vstate *vs, const vm_opinfo *info,
                        const instr_imm *imm);

/* Lane immediates: a memarg first (load/store_lane, checked here, which
 * keeps check_instr's path for other ops short), then one lane index, or
 * sixteen for a shuffle; each must name one of the op's lanes. */
static int read_lanes(vstate *vs, int op, instr_imm *imm)
{
    unsigned n = vm__opinfo[op].imm == IMM_SHUFFLE ? 16 : 1;
    if (vm__opinfo[op].imm == IMM_MEMARG_LANE) {
        READ(vm__read_u32(&vs->r, &imm->a));
        READ(vm__read_u32(&vs->r, &imm->b));
        if (imm->a >= 32) return fail(vs, LUN_EMALFORMED, "malformed memop flags");
        TRY(check_memarg(vs, &vm__opinfo[op], imm));
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t lane;
        READ(vm__read_u8(&vs->r, &lane));
        if (lane >= vm__simd_lanes[op])
            return fail(vs, LUN_EINVALID, "invalid lane index");
    }
    return 0;
}

/* Decodes op's immediates, checking everything the binary format requires
 * (encodings, reserved zero bytes); typing is left to check_instr. */
static int read_imm(vstate *vs, int op, instr_imm *imm)
{
    vm_reader *r = &vs->r;
    switch ((enum vm_imm)vm__opinfo[op].imm) {
    case IMM_NONE: return 0;
    case IMM_BLOCKTYPE: return read_blocktype(vs, imm);
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL:
    case IMM_TABLE: case IMM_ELEM:
        READ(vm__read_u32(r, &imm->a));
        return 0;
    case IMM_CALL_INDIRECT: case IMM_ELEM_TABLE: case IMM_TABLE_TABLE:
        READ(vm__read_u32(r, &imm->a));
        READ(vm__read_u32(r, &imm->b));
        return 0;
    case IMM_BRTABLE: return read_br_table(vs, imm);
    case IMM_SELECT_T: return read_select_types(vs, imm);
    case IMM_MEMARG:
        READ(vm__read_u32(r, &imm->a));
        READ(vm__read_u32(r, &imm->b));
        /* bit 6 would select a memory (multi-memory); above is garbage */
        if (imm->a >= 32) return fail(vs, LUN_EMALFORMED, "malformed memop flags");
        return 0;
    case IMM_MEMIDX: return read_zero_byte(vs);
    case IMM_MEM_MEM:
        TRY(read_zero_byte(vs));
        return read_zero_byte(vs);
    case IMM_I32: READ(vm__read_sleb(r, 32, &imm->value)); return 0;
    case IMM_I64: READ(vm__read_sleb(r, 64, &imm->value)); return 0;
    case IMM_F32: return skip_bytes(vs, 4);
    case IMM_F64: return skip_bytes(vs, 8);
    case IMM_REFTYPE:
        READ(vm__read_u8(r, &imm->byte));
        if (imm->byte != VM_FUNCREF && imm->byte != VM_EXTERNREF)
            return fail(vs, LUN_EMALFORMED, "malformed reference type");
        return 0;
    case IMM_DATA_MEM:
        READ(vm__read_u32(r, &imm->a));
        TRY(read_zero_byte(vs));
        return require_datacount(vs);
    case IMM_DATA:
        READ(vm__read_u32(r, &imm->a));
        return require_datacount(vs);
    case IMM_V128: return skip_bytes(vs, 16);
    case IMM_SHUFFLE: case IMM_LANE: case IMM_MEMARG_LANE:
        return read_lanes(vs, op, imm);
    }
    return fail(vs, LUN_EMALFORMED, "illegal opcode");
}

/* }===== */
/* {===== control instructions */

static int block_type(vstate *vs, int64_t bt, type_seq *start, type_seq *end)
{
    *start = (type_seq){NULL, 0};
    *end = (type_seq){NULL, 0};
    if (bt == -64) return 0;
    if (bt < 0) {
        uint8_t t = (uint8_t)(bt & 0x7f);
        for (size_t i = 0; i < sizeof k_single_types; i++)
            if (k_single_types[i] == t) *end = (type_seq){&k_single_types[i], 1};
        return 0;
    }
    if ((uint64_t)bt >= vs->m->ntypes)
        return unknown(vs, "type", (uint64_t)bt);
    const vm_functype *ft = &vs->m->types[bt];
    *start = (type_seq){ft->params, ft->nparams};
    *end = (type_seq){ft->results, ft->nresults};
    return 0;
}

/* block, loop, if, else, end */
static int check_structured(vstate *vs, int op, const instr_imm *imm)
{
    type_seq start, end;
    ctrl_frame fr;
    switch (op) {
    case OP_BLOCK: case OP_LOOP: case OP_IF:
        TRY(block_type(vs, imm->value, &start, &end));
        if (op == OP_IF) TRY(pop_val(vs, VM_I32, NULL));
        TRY(pop_vals(vs, start));
        return push_ctrl(vs, (uint16_t)op, start, end);
    case OP_ELSE:
        /* the spec's decoder only accepts else inside an if */
        if (top_frame(vs)->opcode != OP_IF)
            return fail(vs, LUN_EMALFORMED, "misplaced ELSE opcode");
        TRY(pop_ctrl(vs, &fr));
        return push_ctrl(vs, OP_ELSE, fr.start, fr.end);
    default: /* OP_END */
        TRY(pop_ctrl(vs, &fr));
        if (fr.opcode == OP_IF) {
            /* An if without else has an empty else, which must turn the
             * params into the results: check exactly that. */
            TRY(push_ctrl(vs, OP_ELSE, fr.start, fr.end));
            TRY(pop_ctrl(vs, &fr));
        }
        return vs->nctrls == 0 ? 0 : push_vals(vs, fr.end);
    }
}

/* br_table: every target must carry as many values as the default, and the
 * operands must suit each target's types. Checking each distinct type
 * sequence once keeps this linear in practice. */
static int check_br_table(vstate *vs, const instr_imm *imm)
{
    const ctrl_frame *fr = NULL;
    if (imm->a > VM_MAX_BR_TABLE)
        return fail(vs, LUN_ELIMIT, "br_table has too many targets");
    TRY(pop_val(vs, VM_I32, NULL));
    TRY(label_frame(vs, imm->b, &fr));
    type_seq dflt = label_types(fr);
    const uint8_t *last_checked = NULL;
    vm_reader lr = {imm->vec, vs->r.end, NULL};
    for (uint32_t i = 0; i < imm->a; i++) {
        uint32_t depth;
        (void)vm__read_u32(&lr, &depth); /* read_br_table checked it */
        TRY(label_frame(vs, depth, &fr));
        type_seq s = label_types(fr);
        if (s.n != dflt.n) return mismatch(vs);
        if (s.n == 0 || s.types == dflt.types || s.types == last_checked)
            continue;
        TRY(peek_vals(vs, s));
        last_checked = s.types;
    }
    TRY(pop_vals(vs, dflt));
    set_unreachable(vs);
    return 0;
}

/* unreachable, nop, br, br_if, br_table, return */
static int check_branch(vstate *vs, int op, const instr_imm *imm)
{
    const ctrl_frame *fr = NULL;
    switch (op) {
    case OP_NOP: return 0;
    case OP_UNREACHABLE:
        set_unreachable(vs);
        return 0;
    case OP_BR:
        TRY(label_frame(vs, imm->a, &fr));
        TRY(pop_vals(vs, label_types(fr)));
        set_unreachable(vs);
        return 0;
    case OP_BR_IF:
        TRY(label_frame(vs, imm->a, &fr));
        TRY(pop_val(vs, VM_I32, NULL));
        TRY(pop_vals(vs, label_types(fr)));
        /* 2.0 pushes the label's types, not what was popped */
        return push_vals(vs, label_types(fr));
    case OP_BR_TABLE: return check_br_table(vs, imm);
    default: /* OP_RETURN */
        TRY(pop_vals(vs, vs->ctrls[0].end));
        set_unreachable(vs);
        return 0;
    }
}

static int check_call(vstate *vs, int op, const instr_imm *imm)
{
    const vm_module_t *m = vs->m;
    const vm_functype *ft;
    if (op == OP_CALL) {
        if (imm->a >= m->nfuncs)
            return unknown(vs, "function", imm->a);
        ft = m->funcs[imm->a].type;
    } else { /* OP_CALL_INDIRECT typeidx tableidx */
        if (imm->b >= m->ntables)
            return unknown(vs, "table", imm->b);
        if (imm->a >= m->ntypes) return unknown(vs, "type", imm->a);
        if (m->tables[imm->b].elemtype != VM_FUNCREF) return mismatch(vs);
        ft = &m->types[imm->a];
        TRY(pop_val(vs, VM_I32, NULL));
    }
    TRY(pop_vals(vs, (type_seq){ft->params, ft->nparams}));
    return push_vals(vs, (type_seq){ft->results, ft->nresults});
}

/* }===== */
/* {===== parametric, variable, reference and constant instructions */

/* Numeric or vector: what an untyped select accepts. */
static bool is_num(uint8_t t)
{
    return t == VM_I32 || t == VM_I64 || t == VM_F32 || t == VM_F64 ||
           t == VM_V128 || t == VM_VT_UNKNOWN;
}

static int check_parametric(vstate *vs, int op, const instr_imm *imm)
{
    uint8_t t1 = 0, t2 = 0;
    if (op == OP_DROP) return pop_val(vs, VM_VT_UNKNOWN, NULL);
    if (op == OP_SELECT_T) {
        if (imm->a != 1) return fail(vs, LUN_EINVALID, "invalid result arity");
        TRY(pop_val(vs, VM_I32, NULL));
        TRY(pop_val(vs, imm->byte, NULL));
        TRY(pop_val(vs, imm->byte, NULL));
        return push_val(vs, imm->byte);
    }
    /* untyped select: only numeric operands (the compiler needs no type) */
    TRY(pop_val(vs, VM_I32, NULL));
    TRY(pop_val(vs, VM_VT_UNKNOWN, &t1));
    TRY(pop_val(vs, VM_VT_UNKNOWN, &t2));
    if (!is_num(t1) || !is_num(t2)) return mismatch(vs);
    if (t1 != t2 && t1 != VM_VT_UNKNOWN && t2 != VM_VT_UNKNOWN)
        return mismatch(vs);
    return push_val(vs, t1 == VM_VT_UNKNOWN ? t2 : t1);
}

static int local_type(const vstate *vs, uint32_t idx, uint8_t *out)
{
    const vm_func *f = vs->f;
    if (idx < f->type->nparams) {
        *out = f->type->params[idx];
        return 0;
    }
    idx -= f->type->nparams;
    if (idx >= f->nlocals)
        return unknown(vs, "local", (uint64_t)idx + f->type->nparams);
    *out = f->local_types[idx];
    return 0;
}

static int check_variable(vstate *vs, int op, const instr_imm *imm)
{
    const vm_module_t *m = vs->m;
    uint8_t t = 0;
    if (op == OP_LOCAL_GET || op == OP_LOCAL_SET || op == OP_LOCAL_TEE) {
        TRY(local_type(vs, imm->a, &t));
        if (op == OP_LOCAL_GET) return push_val(vs, t);
        TRY(pop_val(vs, t, NULL));
        return op == OP_LOCAL_TEE ? push_val(vs, t) : 0;
    }
    if (imm->a >= m->nglobals) return unknown(vs, "global", imm->a);
    const vm_globaltype *g = &m->globals[imm->a].type;
    if (op == OP_GLOBAL_GET) return push_val(vs, g->type);
    if (!g->mut) return fail(vs, LUN_EINVALID, "global is immutable");
    return pop_val(vs, g->type, NULL);
}

static int check_const_ref(vstate *vs, int op, const instr_imm *imm)
{
    const vm_module_t *m = vs->m;
    uint8_t t = 0;
    switch (op) {
    case OP_I32_CONST: return push_val(vs, VM_I32);
    case OP_I64_CONST: return push_val(vs, VM_I64);
    case OP_F32_CONST: return push_val(vs, VM_F32);
    case OP_F64_CONST: return push_val(vs, VM_F64);
    case OP_REF_NULL: return push_val(vs, imm->byte);
    case OP_REF_IS_NULL:
        TRY(pop_val(vs, VM_VT_UNKNOWN, &t));
        if (t != VM_FUNCREF && t != VM_EXTERNREF && t != VM_VT_UNKNOWN)
            return mismatch(vs);
        return push_val(vs, VM_I32);
    default: /* OP_REF_FUNC */
        if (imm->a >= m->nfuncs)
            return unknown(vs, "function", imm->a);
        /* only functions named outside bodies may be referenced, so that
         * the set of escaping functions is known before any body */
        if (!vm__func_is_ref(m, imm->a))
            return fail(vs, LUN_EINVALID, "undeclared function reference");
        return push_val(vs, VM_FUNCREF);
    }
}

/* }===== */
/* {===== table and memory instructions */

static int pop_i32s(vstate *vs, unsigned n)
{
    while (n-- > 0) TRY(pop_val(vs, VM_I32, NULL));
    return 0;
}

static int table_elemtype(const vstate *vs, uint32_t idx, uint8_t *out)
{
    if (idx >= vs->m->ntables) return unknown(vs, "table", idx);
    *out = vs->m->tables[idx].elemtype;
    return 0;
}

static int check_table(vstate *vs, int op, const instr_imm *imm)
{
    const vm_module_t *m = vs->m;
    uint8_t t = 0, t2 = 0;
    if (op == OP_ELEM_DROP) {
        if (imm->a >= m->nelems)
            return unknown(vs, "elem segment", imm->a);
        return 0;
    }
    if (op == OP_TABLE_INIT) { /* elemidx, tableidx */
        TRY(table_elemtype(vs, imm->b, &t));
        if (imm->a >= m->nelems)
            return unknown(vs, "elem segment", imm->a);
        if (m->elems[imm->a].reftype != t) return mismatch(vs);
        return pop_i32s(vs, 3);
    }
    TRY(table_elemtype(vs, imm->a, &t));
    switch (op) {
    case OP_TABLE_GET:
        TRY(pop_val(vs, VM_I32, NULL));
        return push_val(vs, t);
    case OP_TABLE_SET:
        TRY(pop_val(vs, t, NULL));
        return pop_val(vs, VM_I32, NULL);
    case OP_TABLE_SIZE: return push_val(vs, VM_I32);
    case OP_TABLE_GROW:
        TRY(pop_val(vs, VM_I32, NULL));
        TRY(pop_val(vs, t, NULL));
        return push_val(vs, VM_I32);
    case OP_TABLE_FILL:
        TRY(pop_val(vs, VM_I32, NULL));
        TRY(pop_val(vs, t, NULL));
        return pop_val(vs, VM_I32, NULL);
    default: /* OP_TABLE_COPY dst src */
        TRY(table_elemtype(vs, imm->b, &t2));
        if (t != t2) return mismatch(vs);
        return pop_i32s(vs, 3);
    }
}

static int require_memory(const vstate *vs)
{
    if (vs->m->nmems == 0) return unknown(vs, "memory", 0);
    return 0;
}

/* memory.size/grow/init/copy/fill, data.drop (loads and stores are typed
 * from their signatures; see check_memarg) */
static int check_memory(vstate *vs, int op, const instr_imm *imm)
{
    if (op == OP_DATA_DROP) {
        if (imm->a >= vs->m->datacount)
            return unknown(vs, "data segment", imm->a);
        return 0;
    }
    TRY(require_memory(vs));
    switch (op) {
    case OP_MEMORY_SIZE: return push_val(vs, VM_I32);
    case OP_MEMORY_GROW:
        TRY(pop_val(vs, VM_I32, NULL));
        return push_val(vs, VM_I32);
    case OP_MEMORY_INIT:
        if (imm->a >= vs->m->datacount)
            return unknown(vs, "data segment", imm->a);
        return pop_i32s(vs, 3);
    default: /* OP_MEMORY_COPY, OP_MEMORY_FILL */
        return pop_i32s(vs, 3);
    }
}

static int check_memarg(const vstate *vs, const vm_opinfo *info,
                        const instr_imm *imm)
{
    TRY(require_memory(vs));
    if (imm->a > info->align)
        return fail(vs, LUN_EINVALID,
                    "alignment must not be larger than natural");
    return 0;
}

/* }===== */
/* Ops with a fixed "params:results" signature in op_list.h. */
static int apply_sig(vstate *vs, const char *sig)
{
    const char *colon = strchr(sig, ':');
    for (const char *c = colon; c > sig;) TRY(pop_val(vs, vm__valtype_of_letter(*--c), NULL));
    for (const char *c = colon + 1; *c; c++) TRY(push_val(vs, vm__valtype_of_letter(*c)));
    return 0;
}

static int check_instr(vstate *vs, int op, const instr_imm *imm)
{
    const vm_opinfo *info = &vm__opinfo[op];
    if (info->sig[0] != '\0') {
        if (info->imm == IMM_MEMARG) TRY(check_memarg(vs, info, imm));
        return apply_sig(vs, info->sig);
    }
    switch (op) {
    case OP_BLOCK: case OP_LOOP: case OP_IF: case OP_ELSE: case OP_END:
        return check_structured(vs, op, imm);
    case OP_UNREACHABLE: case OP_NOP: case OP_BR: case OP_BR_IF:
    case OP_BR_TABLE: case OP_RETURN:
        return check_branch(vs, op, imm);
    case OP_CALL: case OP_CALL_INDIRECT: return check_call(vs, op, imm);
    case OP_DROP: case OP_SELECT: case OP_SELECT_T:
        return check_parametric(vs, op, imm);
    case OP_LOCAL_GET: case OP_LOCAL_SET: case OP_LOCAL_TEE:
    case OP_GLOBAL_GET: case OP_GLOBAL_SET:
        return check_variable(vs, op, imm);
    case OP_TABLE_GET: case OP_TABLE_SET: case OP_TABLE_SIZE:
    case OP_TABLE_GROW: case OP_TABLE_FILL: case OP_TABLE_COPY:
    case OP_TABLE_INIT: case OP_ELEM_DROP:
        return check_table(vs, op, imm);
    case OP_MEMORY_SIZE: case OP_MEMORY_GROW: case OP_MEMORY_INIT:
    case OP_MEMORY_COPY: case OP_MEMORY_FILL: case OP_DATA_DROP:
        return check_memory(vs, op, imm);
    default: /* the constants and ref.null/is_null/func */
        return check_const_ref(vs, op, imm);
    }
}

static void start_body(vstate *vs, uint32_t fidx)
{
    vs->fidx = fidx;
    vs->f = &vs->m->funcs[fidx];
    vs->r = (vm_reader){vs->f->body, vs->f->body + vs->f->body_len, NULL};
    vs->instr = vs->r.p;
    vs->nvals = 0;
    vs->nctrls = 0;
}

/* After the function's final end: nothing may follow it. */
static int finish_body(vstate *vs)
{
    vs->instr = vs->r.p;
    if (vs->r.p != vs->r.end)
        return fail(vs, LUN_EMALFORMED, "section size mismatch");
    return 0;
}

static int validate_body(vstate *vs, uint32_t fidx)
{
    start_body(vs, fidx);
    const vm_functype *ft = vs->f->type;
    /* the function is a block from no operands to its results; its
     * params are locals, not operands */
    TRY(push_ctrl(vs, OP_BLOCK, (type_seq){NULL, 0},
                  (type_seq){ft->results, ft->nresults}));
    while (vs->nctrls > 0) {
        int op = 0;
        instr_imm imm = {0};
        vs->instr = vs->r.p;
        if (vs->r.p >= vs->r.end)
            return fail(vs, LUN_EMALFORMED, "END opcode expected");
        TRY(read_opcode(vs, &op));
        TRY(read_imm(vs, op, &imm));
        TRY(check_instr(vs, op, &imm));
    }
    return finish_body(vs);
}

int vm__validate_bodies(const vm_module_t *m, char *err, size_t errlen)
{
    vstate vs = {.m = m, .err = err, .errlen = errlen};
    int rc = 0;
    /* one pair of stacks, reused by every body */
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs && rc == 0; i++)
        rc = validate_body(&vs, i);
    vm__free(vs.vals);
    vm__free(vs.ctrls);
    return rc;
}

/* }===== */
