/* compile.c: validated wasm function bodies to register-style threaded code.
 *
 * The wasm operand stack exists only at compile time. Each stack entry says
 * where its value is: in a frame slot (a local, or the entry's own "home"
 * slot L + height, where L = params + locals) or a constant known now. So
 * `local.get a; local.get b; i32.add; local.set c` emits one instruction,
 * `i32.add c, a, b`: the gets push lazy references, the add reads them in
 * place, and the set retargets the add's result slot. Values move only
 * where control flow merges (block ends, branches, calls, returns).
 * See DESIGN.md "The interpreter" and exec.h for the instruction set.
 */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "simd.h"

/* {===== compiler state */

enum { E_SLOT, E_CONST };

typedef struct centry {
    uint8_t kind; /* E_SLOT or E_CONST */
    uint8_t type; /* vm_valtype */
    int32_t slot; /* E_SLOT: frame slot holding the value */
    uint64_t k;   /* E_CONST: the value's bits (never a v128) */
    int32_t hslot; /* once c->wide: the entry's home slot */
} centry;

typedef struct cframe {
    uint8_t kind;     /* OP_BLOCK, OP_LOOP, OP_IF, or OP_END: the function */
    bool unreachable; /* code after br/return/unreachable, to the frame end */
    bool dead;        /* opened inside unreachable code: emits nothing */
    uint32_t height;  /* operand stack height below the block's params */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t loop_pc;   /* loop: index of its first instruction */
    int64_t fixups;     /* chain of target words waiting for the end label */
    int64_t else_fixup; /* if: the target word of the jump to else */
} cframe;

/* What the last emitted instruction computed, for fusion with the next. */
typedef struct last_insn {
    int64_t start;    /* op index, or -1 when the last instruction is not */
    uint32_t height;  /* ...a result-producing one writing this height */
    int wasm_op;      /* the wasm opcode it implements (compares, eqz) */
    int32_t a, b;     /* its operand slots (b unused when b_imm) */
    bool b_imm;
    int32_t imm;
    bool addi;        /* a load: its address is a + imm (else just a) */
    uint32_t off;     /* a load or NAME_M: its offset */
    bool m_form;      /* a NAME_M op: a op mem[m_addr + off] */
    int32_t m_addr;
} last_insn;

typedef struct compiler {
    vm_module_t *m;
    vm_func *f;
    const void *const *handlers;
    vm_reader r;
    uint32_t insn_off; /* file offset of the wasm instruction being compiled */
    uint32_t L;        /* slots of params + locals: the first home slot */
    uint32_t *lslot;   /* local index to slot, or NULL: the same (no v128) */
    bool wide;         /* a v128 was pushed: until then every entry takes
                          one slot, and home slots are L + height */

    vm_op *ops;
    uint32_t nops, cap;
    vm_code_pos *pos;
    uint32_t npos, poscap;
    uint32_t *targets; /* op indices of words holding branch targets */
    uint32_t ntargets, tcap;

    centry *stack;
    uint32_t sp, scap, max_height;
    cframe *ctrl;
    uint32_t depth, ccap;
    last_insn last;
    int64_t prev_start, cur_start; /* the last two emit_op positions */
    uint32_t label_op; /* the last op index made a branch target */
    /* Locals whose value is a known constant: valid while kgen[x] == gen.
     * Locals start at zero; knowledge is dropped wherever control flow
     * merges (loop heads, else, block ends) by bumping gen. */
    uint64_t *kval;
    uint32_t *kgen;
    uint32_t gen;
    bool oom;
} compiler;

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return true;
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np) return false;
    *p = np;
    *cap = ncap;
    return true;
}

#define GROW(c, arr, cap, need)                                              \
    (grow((void **)&(c)->arr, &(c)->cap, (need), sizeof *(c)->arr) ||        \
     ((c)->oom = true, false))

/* }===== */
/* {===== emitting threaded code */

static void emit_word(compiler *c, vm_op w)
{
    if (!GROW(c, ops, cap, c->nops + 1)) return;
    c->ops[c->nops++] = w;
}

static void emit_ab(compiler *c, int32_t a, int32_t b)
{
    vm_op w;
    w.u64 = 0;
    w.s.a = a;
    w.s.b = b;
    emit_word(c, w);
}

static void emit_u64(compiler *c, uint64_t v)
{
    vm_op w;
    w.u64 = v;
    emit_word(c, w);
}

/* Starts an instruction: its handler word, and its source position. */
static uint32_t emit_op(compiler *c, int iop)
{
    uint32_t at = c->nops;
    c->last.start = -1;
    c->prev_start = c->cur_start;
    c->cur_start = at;
    if (!c->npos || c->pos[c->npos - 1].offset != c->insn_off) {
        if (GROW(c, pos, poscap, c->npos + 1))
            c->pos[c->npos++] = (vm_code_pos){at, c->insn_off};
    }
    vm_op w;
    w.h = c->handlers[iop];
    emit_word(c, w);
    return at;
}

/* A branch target word: holds an op index until the code is final. */
static uint32_t emit_target(compiler *c, uint64_t index)
{
    uint32_t at = c->nops;
    emit_u64(c, index);
    if (GROW(c, targets, tcap, c->ntargets + 1)) c->targets[c->ntargets++] = at;
    return at;
}

/* Remove the last instruction (it is being fused into the next one). */
static void unemit_last(compiler *c)
{
    uint32_t start = (uint32_t)c->last.start;
    c->nops = start;
    while (c->npos && c->pos[c->npos - 1].op >= start) c->npos--;
    c->last.start = -1;
}

/* }===== */
/* {===== the compile-time operand stack */

/* The home slot of the entry at `height`: after the entries below it,
 * each taking one slot, or two for a v128. */
static uint32_t home(const compiler *c, uint32_t height)
{
    if (!c->wide || height == 0) return c->L + height;
    const centry *below = &c->stack[height - 1];
    return (uint32_t)below->hslot + vm__slots_of(below->type);
}

static int32_t local_slot(const compiler *c, uint32_t x)
{
    return (int32_t)(c->lslot ? c->lslot[x] : x);
}

static bool is32(uint8_t t) { return t == VM_I32 || t == VM_F32; }

/* Pushes in a function that has (or now gets) a v128 on its stack: the
 * entries record their home slots. max_height counts slots above L. Kept
 * out of line so that push_entry stays as small as it was without SIMD. */
__attribute__((noinline)) static void push_entry_wide(compiler *c, centry e)
{
    if (!c->wide) {
        for (uint32_t i = 0; i < c->sp; i++) c->stack[i].hslot = (int32_t)(c->L + i);
        c->wide = true;
    }
    e.hslot = (int32_t)home(c, c->sp);
    uint32_t top = (uint32_t)e.hslot + vm__slots_of(e.type) - c->L;
    if (!GROW(c, stack, scap, c->sp + 1)) return;
    c->stack[c->sp++] = e;
    if (top > c->max_height) c->max_height = top;
}

static void push_entry(compiler *c, centry e)
{
    if (c->wide || e.type == VM_V128) {
        push_entry_wide(c, e);
        return;
    }
    if (!GROW(c, stack, scap, c->sp + 1)) return;
    c->stack[c->sp++] = e;
    if (c->sp > c->max_height) c->max_height = c->sp;
}

static void push_slot(compiler *c, uint8_t type, int32_t slot)
{
    push_entry(c, (centry){E_SLOT, type, slot, 0, 0});
}

static void push_const(compiler *c, uint8_t type, uint64_t k)
{
    push_entry(c, (centry){E_CONST, type, 0, k, 0});
}

/* Pushes a value the last instruction computed into its home slot. */
static inline void push_result(compiler *c, uint8_t type, uint32_t start)
{
    push_slot(c, type, (int32_t)home(c, c->sp));
    c->last.start = start;
    c->last.height = c->sp - 1;
    c->last.wasm_op = -1;
    c->last.m_form = false;
    c->last.addi = false;
}

static centry pop(compiler *c)
{
    if (c->sp == 0) { /* cannot happen after validation */
        c->oom = true;
        return (centry){E_CONST, VM_I32, 0, 0, 0};
    }
    return c->stack[--c->sp];
}

static void emit_v128_copy(compiler *c, int32_t dst, int32_t src);

/* Writes entry e's value into slot dst. */
static void emit_move(compiler *c, int32_t dst, const centry *e)
{
    if (e->type == VM_V128) {
        if (e->slot != dst) emit_v128_copy(c, dst, e->slot);
    } else if (e->kind == E_CONST) {
        if (is32(e->type)) {
            emit_op(c, IOP_CONST32);
            emit_ab(c, dst, (int32_t)(uint32_t)e->k);
        } else {
            emit_op(c, IOP_CONST64);
            emit_ab(c, dst, 0);
            emit_u64(c, e->k);
        }
    } else if (e->slot != dst) {
        emit_op(c, IOP_COPY);
        emit_ab(c, dst, e->slot);
    }
}

/* Puts the entry at height i into its home slot. */
static void materialize(compiler *c, uint32_t i)
{
    centry *e = &c->stack[i];
    int32_t h = (int32_t)home(c, i);
    if (e->kind == E_SLOT && e->slot == h) return;
    emit_move(c, h, e);
    e = &c->stack[i]; /* emit may not move the stack, but stay safe */
    e->kind = E_SLOT;
    e->slot = h;
}

/* The slot holding the entry at height i (constants get materialized). */
static int32_t slot_of(compiler *c, uint32_t i)
{
    if (c->stack[i].kind == E_CONST) materialize(c, i);
    return c->stack[i].slot;
}

/* Lazy references to locals must not survive a point where control flow
 * merges or repeats: a later local.set inside a loop would change them. */
static void materialize_lazy(compiler *c, uint32_t from)
{
    for (uint32_t i = from; i < c->sp; i++) {
        centry *e = &c->stack[i];
        if (e->kind == E_SLOT && e->slot != (int32_t)home(c, i)) materialize(c, i);
    }
}

/* Known constant values of locals (see compiler.kval). */
static void known_forget_all(compiler *c) { c->gen++; }

static bool known_is(const compiler *c, uint32_t x, uint64_t k)
{
    return c->kgen && c->kgen[x] == c->gen && c->kval[x] == k;
}

static void known_set(compiler *c, uint32_t x, const centry *e)
{
    if (!c->kgen) return;
    if (e && e->kind == E_CONST) {
        c->kgen[x] = c->gen;
        c->kval[x] = e->k;
    } else {
        c->kgen[x] = 0;
    }
}

/* }===== */
/* {===== control frames and branches */

static cframe *frame_at(compiler *c, uint32_t label)
{
    return &c->ctrl[c->depth - 1 - label];
}

static uint32_t label_arity(const cframe *f)
{
    return f->kind == OP_LOOP ? f->nparams : f->nresults;
}

/* The slot of value j of a branch to frame f (its label's types decide
 * the layout, not what the stack holds at the branch). */
static int32_t label_home(const compiler *c, const cframe *f, uint32_t j)
{
    const uint8_t *types = f->kind == OP_LOOP ? f->params : f->results;
    if (!c->wide) return (int32_t)(c->L + f->height + j);
    return (int32_t)(home(c, f->height) + vm__slots_of_seq(types, j));
}

/* Points a target word at frame f's label: a loop's start is known, a
 * block's end joins the frame's fixup chain. */
static void link_target(compiler *c, uint32_t word, cframe *f)
{
    if (f->kind == OP_LOOP) {
        c->ops[word].u64 = f->loop_pc;
    } else {
        c->ops[word].i64 = f->fixups;
        f->fixups = word;
    }
}

static void patch_chain(compiler *c, int64_t chain, uint32_t target)
{
    while (chain >= 0) {
        int64_t next = c->ops[chain].i64;
        c->ops[chain].u64 = target;
        chain = next;
    }
}

/* Does a branch to frame f need to move values into its label's slots? */
static inline bool branch_needs_moves(compiler *c, const cframe *f)
{
    uint32_t n = label_arity(f);
    for (uint32_t j = 0; j < n; j++) {
        const centry *e = &c->stack[c->sp - n + j];
        if (e->kind != E_SLOT || e->slot != label_home(c, f, j))
            return true;
    }
    return false;
}

/* Moves the top n values into the function's result slots (from 0, a
 * v128 taking two) and returns. The moves run in ascending order, so only
 * a lazy local read after its slot was written can clash (result j taken
 * from local s below j's slot): then such locals go to their home slots
 * first. May rewrite entries. */
static void emit_return(compiler *c)
{
    uint32_t n = c->ctrl[0].nresults, base = c->sp - n;
    const uint8_t *rt = c->ctrl[0].results;
    bool clash = false;
    for (uint32_t j = 0, r = 0; j < n; r += vm__slots_of(rt[j]), j++) {
        const centry *e = &c->stack[base + j];
        if (e->kind == E_SLOT && e->slot < (int32_t)r) clash = true;
    }
    for (uint32_t j = 0; clash && j < n; j++)
        if (c->stack[base + j].kind == E_SLOT) materialize(c, base + j);
    /* A single result just computed is written straight to slot 0 (every
     * handler reads its operands before writing its result). */
    const centry *top = n == 1 ? &c->stack[base] : NULL;
    if (top && c->last.start >= 0 && c->last.height == base && top->kind == E_SLOT &&
        top->slot == (int32_t)home(c, base)) {
        uint32_t at = (uint32_t)c->last.start;
        if (c->ops[at].h == c->handlers[OP_I32_ADD]) { /* the last op: fuse */
            int32_t a = c->ops[at + 1].s.b, b = c->ops[at + 2].s.a;
            c->ops[at].h = c->handlers[IOP_I32_ADD_RET];
            c->ops[at + 1].s.a = a;
            c->ops[at + 1].s.b = b;
            c->nops = at + 2;
            c->last.start = -1;
            return;
        }
        c->ops[at + 1].s.a = 0;
    } else {
        for (uint32_t j = 0, r = 0; j < n; r += vm__slots_of(rt[j]), j++)
            emit_move(c, (int32_t)r, &c->stack[base + j]);
    }
    emit_op(c, IOP_RETURN);
}

/* Unconditional branch to `label`, with its values moved into place. */
static void emit_branch(compiler *c, uint32_t label)
{
    if (label == c->depth - 1) {
        /* emit_return may rewrite entries to homes; keep the stack intact */
        uint32_t n = c->ctrl[0].nresults;
        if (n == 0) {
            emit_op(c, IOP_RETURN);
            return;
        }
        centry saved[8];
        centry *keep = n <= 8 ? saved : malloc(n * sizeof *keep);
        if (!keep) { c->oom = true; return; }
        memcpy(keep, c->stack + c->sp - n, n * sizeof *keep);
        emit_return(c);
        memcpy(c->stack + c->sp - n, keep, n * sizeof *keep);
        if (keep != saved) free(keep);
        return;
    }
    cframe *f = frame_at(c, label);
    uint32_t n = label_arity(f);
    for (uint32_t j = 0; j < n; j++)
        emit_move(c, label_home(c, f, j), &c->stack[c->sp - n + j]);
    emit_op(c, IOP_BR);
    link_target(c, emit_target(c, 0), frame_at(c, label));
}

static bool is_compare(int op);

/* A compare-and-branch whose left operand was just computed by an i32.add
 * of an immediate (a loop counter's step and test) becomes one BR_ADDI
 * instruction, unless a branch lands between the two. Emits it but its
 * target word; op is the (possibly negated) i32 compare. */
static bool fuse_addi_compare(compiler *c, const last_insn *l, int op)
{
    static const int fused[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_BR_ADDI_##name,
        VM_I32_CMPOPS(VM_X)
#undef VM_X
    };
    int64_t p = c->prev_start;
    if (!fused[op] || p < 0 || p + 3 != l->start || c->label_op > p ||
        c->ops[p].h != c->handlers[IOP_I32_ADD_I] || c->ops[p + 1].s.a != l->a)
        return false;
    vm_op add = c->ops[p + 1], ops2;
    ops2.s.a = (int32_t)c->ops[p + 2].v.u32;
    ops2.s.b = l->b_imm ? l->imm : l->b;
    unemit_last(c); /* the compare */
    c->last.start = p;
    unemit_last(c); /* the add */
    emit_op(c, fused[op] + (l->b_imm ? 1 : 0)); /* BR_ADDI_X_I follows */
    emit_word(c, add);
    emit_word(c, ops2);
    return true;
}

/* An f64 compare just emitted, then a jump on its result: one BR_F64 (or,
 * jumping when it is false, BR_NOT_F64) instruction, the _K form when the
 * instruction before the compare put a constant in one of its operands'
 * temporary slots. Emits it but its target word. */
static void emit_f64_branch(compiler *c, const last_insn *l, bool when)
{
    static const int first[OP_COUNT_] = {
#define VM_X(name, cop, swapped) [OP_F64_##name] = IOP_BR_F64_##name,
        VM_F64_BRANCHES(VM_X)
#undef VM_X
    };
    static const int swapped_op[OP_COUNT_] = {
#define VM_X(name, cop, swapped) [OP_F64_##name] = OP_F64_##swapped,
        VM_F64_BRANCHES(VM_X)
#undef VM_X
    };
    int op = l->wasm_op;
    int32_t a = l->a, b = l->b;
    int64_t p = c->prev_start;
    bool k_form = false;
    uint64_t k = 0;
    if (p >= 0 && p + 3 == l->start && c->label_op <= p &&
        c->ops[p].h == c->handlers[IOP_CONST64] && c->ops[p + 1].s.a >= (int32_t)c->L) {
        int32_t d = c->ops[p + 1].s.a; /* a temporary: dead after the compare */
        k = c->ops[p + 2].u64;
        if (d == b && a != d) {
            k_form = true;
        } else if (d == a && b != d) {
            k_form = true;
            op = swapped_op[op];
            a = b;
        }
    }
    unemit_last(c); /* the compare */
    if (k_form) {
        c->last.start = p;
        unemit_last(c); /* the constant */
    }
    emit_op(c, first[op] + (when ? 0 : 2) + (k_form ? 1 : 0));
    emit_ab(c, a, k_form ? 0 : b);
    if (k_form) emit_u64(c, k);
}

static bool is_f64_compare(int op)
{
    switch (op) {
#define VM_X(name, ...) case OP_F64_##name:
        VM_F64_BRANCHES(VM_X)
#undef VM_X
        return true;
    default:
        return false;
    }
}

/* Emits a jump taken when `cond` is true (or false, with when == false),
 * fusing a compare or eqz that the last instruction computed into it.
 * Returns the target word to link. */
static uint32_t emit_cond_jump(compiler *c, centry cond, bool when)
{
    last_insn l = c->last;
    bool fresh = l.start >= 0 && l.height == c->sp && cond.kind == E_SLOT &&
                 cond.slot == (int32_t)home(c, c->sp);
    if (fresh && l.wasm_op == OP_I32_EQZ) {
        unemit_last(c);
        emit_op(c, when ? IOP_BR_UNLESS : IOP_BR_IF);
        emit_ab(c, l.a, 0);
        return emit_target(c, 0);
    }
    if (fresh && l.wasm_op == OP_I32_AND && l.b_imm) { /* a bit test */
        unemit_last(c);
        emit_op(c, when ? IOP_BR_BITS : IOP_BR_NO_BITS);
        emit_ab(c, l.a, l.imm);
        return emit_target(c, 0);
    }
    if (fresh && l.wasm_op >= 0 && is_compare(l.wasm_op)) {
        static const int br[OP_COUNT_] = {
#define VM_X(name, neg, immf, expr) [OP_##name] = IOP_BR_##name,
            VM_CMPOPS(VM_X)
#undef VM_X
        };
        static const int negation[OP_COUNT_] = {
#define VM_X(name, neg, immf, expr) [OP_##name] = OP_##neg,
            VM_CMPOPS(VM_X)
#undef VM_X
        };
        int op = when ? l.wasm_op : negation[l.wasm_op];
        if (fuse_addi_compare(c, &l, op)) return emit_target(c, 0);
        unemit_last(c);
        emit_op(c, br[op] + (l.b_imm ? 1 : 0)); /* BR_X_I follows BR_X */
        emit_ab(c, l.a, l.b_imm ? l.imm : l.b);
        return emit_target(c, 0);
    }
    if (fresh && l.wasm_op >= 0 && !l.b_imm && is_f64_compare(l.wasm_op)) {
        emit_f64_branch(c, &l, when);
        return emit_target(c, 0);
    }
    int32_t s;
    if (cond.kind == E_CONST) {
        push_entry(c, cond);
        s = slot_of(c, c->sp - 1);
        c->sp--;
    } else {
        s = cond.slot;
    }
    emit_op(c, when ? IOP_BR_IF : IOP_BR_UNLESS);
    emit_ab(c, s, 0);
    return emit_target(c, 0);
}

/* }===== */
/* {===== blocks */

/* Reads a block type: empty, one value type, or a type index. */
static void read_blocktype(compiler *c, cframe *f)
{
    const uint8_t *at = c->r.p;
    int64_t bt = 0;
    if (vm__read_sleb(&c->r, 33, &bt)) c->oom = true;
    f->nparams = f->nresults = 0;
    f->params = f->results = NULL;
    if (bt >= 0 && (uint64_t)bt < c->m->ntypes) {
        const vm_functype *t = &c->m->types[bt];
        f->nparams = t->nparams;
        f->params = t->params;
        f->nresults = t->nresults;
        f->results = t->results;
    } else if (bt != -64) {
        f->nresults = 1;
        f->results = at; /* the one-byte block type is the value type */
    }
}

static cframe *push_frame(compiler *c, uint8_t kind)
{
    if (!GROW(c, ctrl, ccap, c->depth + 1)) return NULL;
    cframe *f = &c->ctrl[c->depth++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->fixups = f->else_fixup = -1;
    return f;
}

static bool in_dead_code(const compiler *c)
{
    const cframe *f = &c->ctrl[c->depth - 1];
    return f->dead || f->unreachable;
}

static void begin_block(compiler *c, uint8_t kind)
{
    cframe tmp;
    read_blocktype(c, &tmp);
    if (in_dead_code(c)) {
        cframe *f = push_frame(c, kind);
        if (f) f->dead = true;
        return;
    }
    centry cond = {E_CONST, VM_I32, 0, 0, 0};
    if (kind == OP_IF) cond = pop(c);
    materialize_lazy(c, 0);
    for (uint32_t i = c->sp - tmp.nparams; i < c->sp; i++) materialize(c, i);
    uint32_t else_word = 0;
    if (kind == OP_IF) else_word = emit_cond_jump(c, cond, false);
    cframe *f = push_frame(c, kind);
    if (!f) return;
    f->height = c->sp - tmp.nparams;
    f->nparams = tmp.nparams;
    f->params = tmp.params;
    f->nresults = tmp.nresults;
    f->results = tmp.results;
    f->loop_pc = c->nops;
    c->label_op = c->nops;
    if (kind == OP_LOOP) known_forget_all(c); /* back edges merge here */
    if (kind == OP_IF) { /* a chain of one, patched at else or end */
        c->ops[else_word].i64 = -1;
        f->else_fixup = else_word;
    }
    c->last.start = -1; /* a label: nothing fuses across it */
}

/* Fallthrough into a label: the frame's results go to their home slots. */
static void materialize_results(compiler *c, const cframe *f)
{
    for (uint32_t i = f->height; i < f->height + f->nresults && i < c->sp; i++)
        materialize(c, i);
}

static void reset_stack(compiler *c, const cframe *f, uint32_t n,
                        const uint8_t *types)
{
    c->sp = f->height;
    for (uint32_t i = 0; i < n; i++)
        push_slot(c, types[i], (int32_t)home(c, c->sp));
    c->last.start = -1;
}

static void compile_else(compiler *c)
{
    cframe *f = &c->ctrl[c->depth - 1];
    if (f->dead) return;
    if (!f->unreachable) {
        materialize_results(c, f);
        emit_op(c, IOP_BR);
        link_target(c, emit_target(c, 0), f);
    }
    patch_chain(c, f->else_fixup, c->nops);
    c->label_op = c->nops;
    f->else_fixup = -1;
    f->unreachable = false;
    known_forget_all(c);
    reset_stack(c, f, f->nparams, f->params);
}

/* Returns true at the end of the function body. */
static bool compile_end(compiler *c)
{
    cframe *f = &c->ctrl[c->depth - 1];
    if (f->dead) {
        c->depth--;
        return false;
    }
    if (c->depth == 1) {
        if (!f->unreachable) emit_return(c);
        return true;
    }
    if (!f->unreachable) materialize_results(c, f);
    patch_chain(c, f->else_fixup, c->nops); /* an if without else */
    patch_chain(c, f->fixups, c->nops);
    c->label_op = c->nops;
    cframe done = *f;
    c->depth--;
    reset_stack(c, &done, done.nresults, done.results);
    known_forget_all(c); /* branches to this end merge here */
    return false;
}

static void mark_unreachable(compiler *c)
{
    cframe *f = &c->ctrl[c->depth - 1];
    f->unreachable = true;
    c->sp = f->height + 0;
    c->last.start = -1;
}

static void compile_br_if(compiler *c, uint32_t label)
{
    centry cond = pop(c);
    cframe *f = frame_at(c, label);
    if (label != c->depth - 1 && !branch_needs_moves(c, f)) {
        link_target(c, emit_cond_jump(c, cond, true), f);
        return;
    }
    uint32_t skip = emit_cond_jump(c, cond, false);
    emit_branch(c, label);
    c->ops[skip].u64 = c->nops;
    c->label_op = c->nops;
    c->last.start = -1;
}

static void compile_br_table(compiler *c)
{
    uint32_t n = 0;
    if (vm__read_u32(&c->r, &n)) { c->oom = true; return; }
    uint32_t *labels = malloc(((size_t)n + 1) * sizeof *labels);
    if (!labels) { c->oom = true; return; }
    for (uint32_t i = 0; i <= n; i++)
        if (vm__read_u32(&c->r, &labels[i])) c->oom = true;
    int32_t idx = slot_of(c, c->sp - 1);
    c->sp--;
    emit_op(c, IOP_BR_TABLE);
    emit_ab(c, idx, (int32_t)(n + 1));
    uint32_t first = c->nops;
    for (uint32_t i = 0; i <= n; i++) emit_target(c, 0);
    /* Labels whose values are already in place are jumped to directly;
     * the others get a stub after the table that moves them first. */
    for (uint32_t i = 0; i <= n && !c->oom; i++) {
        if (labels[i] != c->depth - 1 && !branch_needs_moves(c, frame_at(c, labels[i])))
            link_target(c, first + i, frame_at(c, labels[i]));
    }
    for (uint32_t i = 0; i <= n && !c->oom; i++) {
        if (labels[i] == c->depth - 1 || branch_needs_moves(c, frame_at(c, labels[i]))) {
            c->ops[first + i].u64 = c->nops;
            c->label_op = c->nops;
            emit_branch(c, labels[i]);
        }
    }
    free(labels);
}

/* }===== */
/* {===== calls */

static void compile_call_common(compiler *c, const vm_functype *t, int iop,
                                int32_t b, const vm_op *extra)
{
    uint32_t base = c->sp - t->nparams;
    for (uint32_t i = base; i < c->sp; i++) materialize(c, i);
    emit_op(c, iop);
    emit_ab(c, (int32_t)home(c, base), b);
    if (extra) emit_word(c, *extra);
    c->sp = base;
    for (uint32_t i = 0; i < t->nresults; i++)
        push_slot(c, t->results[i], (int32_t)home(c, c->sp));
    c->last.start = -1;
}

static void compile_call(compiler *c, uint32_t fidx)
{
    vm_func *callee = &c->m->funcs[fidx];
    if (fidx < c->m->nfunc_imports) {
        compile_call_common(c, callee->type, IOP_CALL_FUNCINST, (int32_t)fidx, NULL);
    } else {
        vm_op w;
        w.p = callee;
        /* IOP_CALL zeroes four slots unconditionally: a v128 local takes two */
        bool few = callee->nlocals <= 4 &&
                   vm__slots_of_seq(callee->local_types, callee->nlocals) <= 4;
        compile_call_common(c, callee->type, few ? IOP_CALL : IOP_CALL_L, 0, &w);
    }
}

static void compile_call_indirect(compiler *c, uint32_t typeidx, uint32_t table)
{
    int32_t idx = slot_of(c, c->sp - 1);
    c->sp--;
    vm_op w;
    w.u64 = 0;
    w.s.a = (int32_t)typeidx;
    w.s.b = (int32_t)table;
    compile_call_common(c, &c->m->types[typeidx], IOP_CALL_INDIRECT, idx, &w);
}

/* }===== */
/* {===== locals */


static bool refers_to(const centry *e, uint32_t slot)
{
    return e->kind == E_SLOT && e->slot == (int32_t)slot;
}

/* local.set / local.tee: if the value was just computed into its home
 * slot, retarget that instruction to write the local directly. */
static void compile_local_set(compiler *c, uint32_t x, bool tee)
{
    const uint32_t sx = (uint32_t)local_slot(c, x);
    const centry *v = &c->stack[c->sp - 1];
    if (v->kind == E_CONST && known_is(c, x, v->k)) { /* no change */
        if (!tee) c->sp--;
        return;
    }
    known_set(c, x, v);
    bool others = false;
    for (uint32_t i = 0; i + 1 < c->sp; i++)
        if (refers_to(&c->stack[i], sx)) others = true;
    centry top = c->stack[c->sp - 1];
    if (!others && c->last.start >= 0 && c->last.height == c->sp - 1 &&
        refers_to(&top, home(c, c->sp - 1))) {
        c->ops[c->last.start + 1].s.a = (int32_t)sx;
        c->sp--;
        c->last.start = -1;
        if (tee) push_slot(c, top.type, (int32_t)sx);
        return;
    }
    /* Entries still reading the old value of x get their own copy. */
    for (uint32_t i = 0; i + 1 < c->sp; i++)
        if (refers_to(&c->stack[i], sx)) materialize(c, i);
    top = pop(c);
    emit_move(c, (int32_t)sx, &top);
    if (tee) push_entry(c, top);
}

/* }===== */
/* {===== numeric instructions */

/* Index of the NAME_I form of wasm op `op`, or 0 when there is none. */
static int imm_form(int op)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_I,
        VM_IMM_BINOPS(VM_X) VM_CMPOPS(VM_X)
#undef VM_X
    };
    return forms[op];
}

static bool is_compare(int op)
{
    static const bool cmp[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = true,
        VM_CMPOPS(VM_X)
#undef VM_X
    };
    return cmp[op];
}

static bool commutes(int op)
{
    switch (op) {
    case OP_I32_ADD: case OP_I32_MUL: case OP_I32_AND: case OP_I32_OR:
    case OP_I32_XOR: case OP_I32_EQ: case OP_I32_NE: case OP_I64_ADD:
    case OP_I64_MUL: case OP_I64_AND: case OP_I64_OR: case OP_I64_XOR:
    case OP_I64_EQ: case OP_I64_NE:
    case OP_F32_ADD: case OP_F32_MUL: case OP_F64_ADD: case OP_F64_MUL:
        return true; /* floats too: which NaN comes out is not specified */
    default:
        return false;
    }
}

static void compile_unop(compiler *c, int op, uint8_t rtype)
{
    int32_t a = slot_of(c, c->sp - 1);
    c->sp--;
    uint32_t at = emit_op(c, op);
    emit_ab(c, (int32_t)home(c, c->sp), a);
    push_result(c, rtype, at);
    if (op == OP_I32_EQZ) {
        c->last.wasm_op = op;
        c->last.a = a;
    }
}

/* {===== binary ops fused with a load or a store (VM_MEM_BINOPS) */

static int mem_load_of(int op)
{
    static const int loads[OP_COUNT_] = {
#define VM_X(name, load, store, f, expr) [OP_##name] = OP_##load,
        VM_MEM_BINOPS(VM_X)
#undef VM_X
    };
    return loads[op];
}

static int mem_store_of(int op)
{
    static const int stores[OP_COUNT_] = {
#define VM_X(name, load, store, f, expr) [OP_##name] = OP_##store,
        VM_MEM_BINOPS(VM_X)
#undef VM_X
    };
    return stores[op];
}

static int mem_form(int op) /* NAME_M; NAME_S follows it */
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_M,
        VM_MEM_BINOPS(VM_X)
#undef VM_X
    };
    return forms[op];
}

static int mem_form_addi(int op) /* NAME_MA */
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_MA,
        VM_MEM_BINOPS(VM_X)
#undef VM_X
    };
    return forms[op];
}

/* Replaces the last instruction and the binary op about to be compiled,
 * whose two operands are popped, by the fused instruction iop: emits its
 * handler and first word (the result's home slot, then b). */
static uint32_t emit_fused(compiler *c, int iop, int32_t b)
{
    unemit_last(c);
    c->sp -= 2;
    uint32_t at = emit_op(c, iop);
    emit_ab(c, (int32_t)home(c, c->sp), b);
    return at;
}

static bool fresh_at(const compiler *c, uint32_t h)
{
    const centry *e = &c->stack[h];
    return c->last.start >= 0 && c->last.height == h && e->kind == E_SLOT &&
           e->slot == (int32_t)home(c, h);
}

/* `a op load(p)`: the load just emitted becomes the op's memory operand
 * (either operand, when the op commutes). */
static bool fuse_load_operand(compiler *c, int op, uint8_t rtype)
{
    if (!mem_form(op) || c->last.start < 0 || c->last.wasm_op != mem_load_of(op))
        return false;
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    bool commutative = commutes(op);
    int32_t a;
    if (fresh_at(c, c->sp - 1) && ea->kind == E_SLOT) a = ea->slot;
    else if (commutative && fresh_at(c, c->sp - 2) && eb->kind == E_SLOT) a = eb->slot;
    else return false;
    last_insn l = c->last;
    unemit_last(c);
    c->sp -= 2;
    if (l.addi) { /* the load's address was slot + immediate */
        uint32_t at = emit_op(c, mem_form_addi(op));
        emit_ab(c, (int32_t)home(c, c->sp), a);
        emit_ab(c, l.a, l.imm);
        emit_ab(c, (int32_t)l.off, 0);
        push_result(c, rtype, at);
        return true;
    }
    uint32_t at = emit_op(c, mem_form(op));
    emit_ab(c, (int32_t)home(c, c->sp), a);
    emit_ab(c, l.a, (int32_t)l.off);
    push_result(c, rtype, at);
    /* a store back to the same address may follow: see fuse_rmw */
    c->last.wasm_op = op;
    c->last.m_form = true;
    c->last.a = a;
    c->last.m_addr = l.a;
    c->last.off = l.off;
    return true;
}

/* `*p = a op b`: the op just emitted writes memory itself. */
static bool fuse_op_store(compiler *c, int store_op, uint64_t offset)
{
    const last_insn l = c->last;
    if (l.start < 0 || l.wasm_op < 0 || l.b_imm || l.m_form || !mem_form(l.wasm_op) ||
        mem_store_of(l.wasm_op) != store_op || !fresh_at(c, c->sp - 1) ||
        c->stack[c->sp - 2].kind != E_SLOT || offset > UINT32_MAX)
        return false;
    int32_t addr = c->stack[c->sp - 2].slot;
    unemit_last(c);
    c->sp -= 2;
    emit_op(c, mem_form(l.wasm_op) + 1);
    emit_ab(c, l.a, l.b);
    emit_ab(c, addr, (int32_t)(uint32_t)offset);
    return true;
}

/* `*p = a op *p`: a NAME_M op stored back to the address it read. */
static bool fuse_rmw(compiler *c, int store_op, uint64_t offset)
{
    const last_insn l = c->last;
    const centry *addr = &c->stack[c->sp - 2];
    if (l.start < 0 || !l.m_form || mem_store_of(l.wasm_op) != store_op ||
        !fresh_at(c, c->sp - 1) || addr->kind != E_SLOT || addr->slot != l.m_addr ||
        offset != l.off)
        return false;
    unemit_last(c);
    c->sp -= 2;
    emit_op(c, mem_form(l.wasm_op) + 2);
    emit_ab(c, 0, l.a);
    emit_ab(c, l.m_addr, (int32_t)l.off);
    return true;
}

/* }===== */

/* The chain form for f64 ops op1 then op2, or 0. */
static int chain_form(int op1, int op2)
{
    static const int ops[3] = {OP_F64_ADD, OP_F64_SUB, OP_F64_MUL};
    int i = -1, j = -1;
    for (int k = 0; k < 3; k++) {
        if (ops[k] == op1) i = k;
        if (ops[k] == op2) j = k;
    }
    return i < 0 || j < 0 ? 0 : IOP_F64_ADD_ADD + i * 3 + j;
}

/* `(a op1 b) op2 c`: an f64 op whose left operand was just computed by
 * another (or whose right one was, when op2 commutes). */
static bool fuse_f64_chain(compiler *c, int op2)
{
    const last_insn l = c->last;
    if (l.start < 0 || l.wasm_op < 0 || l.b_imm || l.m_form || !chain_form(l.wasm_op, op2))
        return false;
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    int32_t other;
    if (fresh_at(c, c->sp - 2) && eb->kind == E_SLOT) other = eb->slot;
    else if (commutes(op2) && fresh_at(c, c->sp - 1) && ea->kind == E_SLOT) other = ea->slot;
    else return false;
    uint32_t at = emit_fused(c, chain_form(l.wasm_op, op2), l.a);
    emit_ab(c, l.b, other);
    push_result(c, VM_F64, at);
    return true;
}

/* The operand beside the value the last instruction just computed, when
 * it is of `kind` (on either side: the callers' ops commute), or NULL. */
static const centry *beside_fresh(const compiler *c, uint8_t kind)
{
    const centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    if (fresh_at(c, c->sp - 2) && eb->kind == kind) return eb;
    if (fresh_at(c, c->sp - 1) && ea->kind == kind) return ea;
    return NULL;
}

/* A logical shift right by a constant just emitted, then `& mask` with a
 * constant mask (a bit field: decoders, hashes, bitmaps) or `base +` a
 * slot: one I32_SHR_U_AND or I32_ADD_SHR_U, both [h][d, x][k, mask or
 * base]. (Shifts left are left to the loads, which fold `base + (x << k)`
 * into their address.) */
static bool fuse_after_shr_u(compiler *c, int op)
{
    const last_insn l = c->last;
    if ((op != OP_I32_AND && op != OP_I32_ADD) || l.start < 0 || l.m_form ||
        l.wasm_op != OP_I32_SHR_U || !l.b_imm)
        return false;
    bool bit_field = op == OP_I32_AND;
    const centry *other = beside_fresh(c, bit_field ? E_CONST : E_SLOT);
    if (!other) return false;
    int32_t w = bit_field ? (int32_t)(uint32_t)other->k : other->slot;
    uint32_t at = emit_fused(c, bit_field ? IOP_I32_SHR_U_AND : IOP_I32_ADD_SHR_U, l.a);
    emit_ab(c, l.imm & 31, w);
    push_result(c, VM_I32, at);
    return true;
}

/* `a op p[i]`: an i32.load8_u just emitted (plain, at slot + immediate or
 * at slot + slot) becomes the byte operand of an i32 add or xor (the
 * NAME_B forms of VM_BYTE_BINOPS): checksums, byte hashes. */
static bool fuse_byte_operand(compiler *c, int op)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_B,
        VM_BYTE_BINOPS(VM_X)
#undef VM_X
    };
    const last_insn l = c->last;
    if (!forms[op] || l.start < 0) return false;
    const centry *other = beside_fresh(c, E_SLOT); /* the list's ops commute */
    if (!other) return false;
    int32_t a = other->slot;
    const vm_op *load = &c->ops[l.start];
    vm_op w2, w3;
    w3.u64 = 0;
    int form = forms[op];
    if (load[0].h == c->handlers[OP_I32_LOAD8_U] && load[2].u64 <= UINT32_MAX) {
        w2.s.a = load[1].s.b; /* [h][d, addr][offset] */
        w2.s.b = (int32_t)(uint32_t)load[2].u64;
    } else if (load[0].h == c->handlers[IOP_I32_LOAD8_U_ADDI] ||
               load[0].h == c->handlers[IOP_I32_LOAD8_U_ADD]) {
        form += load[0].h == c->handlers[IOP_I32_LOAD8_U_ADDI] ? 1 : 2;
        w2.s.a = load[1].s.b; /* [h][d, a][imm or b, offset] */
        w2.s.b = load[2].s.a;
        w3.s.a = load[2].s.b;
    } else if (load[0].h == c->handlers[IOP_I32_LOAD8_U_ADD3]) {
        form += 3;
        w2.s.a = load[1].s.b; /* [h][d, a][b, c][offset] */
        w2.s.b = load[2].s.a;
        w3.s.a = load[2].s.b;
        w3.s.b = load[3].s.a;
    } else {
        return false;
    }
    uint32_t at = emit_fused(c, form, a);
    emit_word(c, w2);
    if (form != forms[op]) emit_word(c, w3);
    push_result(c, VM_I32, at);
    return true;
}

/* The constant an i32.add or i32.sub adds to the value the last
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
 * instruction (the _ADDI forms of iop_list.h), or, when op is itself an
 * add or sub of a constant, one i32.add of the folded constant, which the
 * generic path then emits (and which may still fuse into a load, a store
 * or a loop test). Shifts left are left alone: a load folds `(x << k) +
 * base` into its address, which is better. */
static bool fuse_addi_tail(compiler *c, int *op)
{
    static const int tail_form[OP_COUNT_] = {
        [OP_I32_MUL] = IOP_I32_MUL_ADDI,
        [OP_I32_AND] = IOP_I32_AND_ADDI,
        [OP_I32_SHR_U] = IOP_I32_SHR_U_ADDI, /* its handler takes the count mod 32 */
    };
    const last_insn l = c->last;
    uint32_t k2;
    if (l.start < 0 || l.m_form || !added_constant(c, *op, &k2)) return false;
    const vm_op *code = &c->ops[l.start];
    int fused = 0;
    int32_t src = l.a, k1 = l.imm, mask = 0;
    if (code[0].h == c->handlers[IOP_I32_SHR_U_AND]) {
        fused = IOP_I32_SHR_U_AND_ADDI;
        src = code[1].s.b;
        k1 = code[2].s.a;
        mask = code[2].s.b;
    } else if (l.b_imm && (l.wasm_op == OP_I32_ADD || l.wasm_op == OP_I32_SUB)) {
        uint32_t k = l.wasm_op == OP_I32_SUB ? 0u - (uint32_t)l.imm : (uint32_t)l.imm;
        unemit_last(c);
        c->stack[c->sp - 2].kind = E_SLOT;
        c->stack[c->sp - 2].slot = l.a;
        c->stack[c->sp - 1].kind = E_CONST;
        c->stack[c->sp - 1].k = k + k2;
        *op = OP_I32_ADD;
        return false; /* the caller emits the add */
    } else if (l.b_imm && l.wasm_op >= 0 && tail_form[l.wasm_op]) {
        fused = tail_form[l.wasm_op];
    } else {
        return false;
    }
    uint32_t at = emit_fused(c, fused, src);
    if (fused == IOP_I32_SHR_U_AND_ADDI) {
        emit_ab(c, k1, mask);
        emit_ab(c, (int32_t)k2, 0);
    } else {
        emit_ab(c, k1, (int32_t)k2);
    }
    push_result(c, VM_I32, at);
    return true;
}

static void compile_binop(compiler *c, int op, uint8_t rtype)
{
    if (fuse_load_operand(c, op, rtype) || fuse_byte_operand(c, op) || fuse_f64_chain(c, op) ||
        fuse_after_shr_u(c, op) || fuse_addi_tail(c, &op))
        return;
    centry *ea = &c->stack[c->sp - 2], *eb = &c->stack[c->sp - 1];
    if (ea->kind == E_CONST && eb->kind == E_SLOT && commutes(op)) {
        centry t = *ea;
        *ea = *eb;
        *eb = t;
    }
    bool i64op = ea->type == VM_I64 || ea->type == VM_F64; /* 64-bit imm */
    bool use_imm = imm_form(op) && eb->kind == E_CONST;
    uint64_t k = eb->k;
    int32_t a = slot_of(c, c->sp - 2), b = 0;
    if (!use_imm) b = slot_of(c, c->sp - 1);
    c->sp -= 2;
    uint32_t at = emit_op(c, use_imm ? imm_form(op) : op);
    emit_ab(c, (int32_t)home(c, c->sp), a);
    if (use_imm) {
        vm_op w;
        w.u64 = 0;
        if (i64op) w.v.u64 = k;
        else w.v.u32 = (uint32_t)k;
        emit_word(c, w);
    } else {
        emit_ab(c, b, 0);
    }
    push_result(c, rtype, at);
    /* Remember compares for fusion into a following br_if or if (the
     * fused form takes a 32-bit immediate, sign-extended for i64), i32.add
     * for fusion into a following load or store address, and the other
     * binary ops for fusion into a following store. */
    if (!use_imm || !i64op || (int64_t)k == (int32_t)k) {
        c->last.wasm_op = op;
        c->last.a = a;
        c->last.b = b;
        c->last.b_imm = use_imm;
        c->last.imm = (int32_t)k;
    }
}

static void compile_numeric(compiler *c, int op)
{
    const char *sig = vm__opinfo[op].sig;
    uint8_t rtype = vm__valtype_of_letter(sig[strlen(sig) - 1]);
    if (sig[1] == ':') compile_unop(c, op, rtype);
    else compile_binop(c, op, rtype);
}

/* }===== */
/* {===== memory and tables */

/* The _ADD form of a load or store (the _ADDI form follows it), or 0. */
static int add_form(int op)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_ADD,
        VM_LOADS(VM_X) VM_STORES(VM_X)
#undef VM_X
    };
    return forms[op];
}

static int abs_form(int op)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_ABS,
        VM_LOADS(VM_X) VM_STORES(VM_X)
#undef VM_X
    };
    return forms[op];
}

/* MOVEn for an access of 1 << align bytes (MOVEn_ADDI follows it). */
static int move_form(int op)
{
    static const int by_align[4] = {IOP_MOVE8, IOP_MOVE16, IOP_MOVE32, IOP_MOVE64};
    return by_align[vm__opinfo[op].align & 3];
}

/* A load stored at once at the same width: one memory-to-memory move. */
static bool fuse_move(compiler *c, int store_op, uint64_t offset)
{
    const last_insn l = c->last;
    if (l.start < 0 || l.wasm_op < 0 || vm__opinfo[l.wasm_op].imm != IMM_MEMARG ||
        vm__opinfo[l.wasm_op].sig[1] != ':' ||
        vm__opinfo[l.wasm_op].align != vm__opinfo[store_op].align ||
        !fresh_at(c, c->sp - 1) || c->stack[c->sp - 2].kind != E_SLOT ||
        offset > UINT32_MAX)
        return false;
    int32_t dst = c->stack[c->sp - 2].slot;
    unemit_last(c);
    c->sp -= 2;
    emit_op(c, move_form(store_op) + (l.addi ? 1 : 0));
    emit_ab(c, dst, l.a);
    if (l.addi) {
        emit_ab(c, l.imm, (int32_t)(uint32_t)offset);
        emit_ab(c, (int32_t)l.off, 0);
    } else {
        emit_ab(c, (int32_t)(uint32_t)offset, (int32_t)l.off);
    }
    return true;
}

static int store_k_form(int op)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_K,
        VM_STORES(VM_X)
#undef VM_X
    };
    return forms[op];
}

/* Is the entry at height h the fresh result of an i32.add just emitted,
 * which a load or store with this offset can fold into its address? */
static bool fresh_add_at(const compiler *c, uint32_t h, uint64_t offset)
{
    return fresh_at(c, h) && c->last.wasm_op == OP_I32_ADD && offset <= UINT32_MAX;
}

/* Records the load just emitted, for fusion with what consumes it. */
static void note_load(compiler *c, int op, int32_t a, bool addi, int32_t imm,
                      uint64_t offset)
{
    if (offset > UINT32_MAX) return;
    c->last.wasm_op = op;
    c->last.a = a;
    c->last.addi = addi;
    c->last.imm = imm;
    c->last.off = (uint32_t)offset;
}

/* Two instructions folded into a load: the i32.add being folded (l) has
 * as one operand the temporary that the instruction right before it (of
 * handler iop) wrote, which nothing else reads. Returns that instruction's
 * index and sets *other to the add's other operand (a slot, or l's
 * immediate), or returns -1. */
static int64_t feeding_temp(const compiler *c, const last_insn *l, int iop, int32_t *other)
{
    int64_t p = c->prev_start;
    if (p < 0 || p + 3 != l->start || c->label_op > p || c->ops[p].h != c->handlers[iop])
        return -1;
    int32_t d = c->ops[p + 1].s.a;
    if (d == (int32_t)home(c, c->sp - 1) && l->a == d && (l->b_imm || l->b != d)) {
        *other = l->b_imm ? l->imm : l->b;
        return p;
    }
    if (d == (int32_t)home(c, c->sp) && !l->b_imm && l->b == d && l->a != d) {
        *other = l->a;
        return p;
    }
    return -1;
}

/* Drops the add and the instruction at p before it, and the add's result. */
static void unemit_two(compiler *c, int64_t p)
{
    unemit_last(c);
    c->last.start = p;
    unemit_last(c);
    c->sp--;
}

/* An array element: the index was shifted left by a constant. Emits
 * NAME_SHL_ADD[I]. */
static bool fuse_indexed_load(compiler *c, int op, const last_insn *l, uint32_t offset)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_SHL_ADD,
        VM_LOADS(VM_X)
#undef VM_X
    };
    int32_t base;
    int64_t p = forms[op] ? feeding_temp(c, l, IOP_I32_SHL_I, &base) : -1;
    if (p < 0) return false;
    vm_op shl = c->ops[p + 1];
    int32_t k = (int32_t)(c->ops[p + 2].v.u32 & 31);
    unemit_two(c, p);
    uint32_t at = emit_op(c, forms[op] + (l->b_imm ? 1 : 0)); /* _SHL_ADDI follows */
    emit_ab(c, (int32_t)home(c, c->sp), shl.s.b);
    emit_ab(c, base, k);
    emit_ab(c, (int32_t)offset, 0);
    push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
    return true;
}

/* `p[i + j]`: the temporary is a sum of two slots. Emits NAME_ADD3. */
static bool fuse_sum_load(compiler *c, int op, const last_insn *l, uint32_t offset)
{
    static const int forms[OP_COUNT_] = {
#define VM_X(name, ...) [OP_##name] = IOP_##name##_ADD3,
        VM_LOADS(VM_X)
#undef VM_X
    };
    int32_t other;
    int64_t p = forms[op] && !l->b_imm ? feeding_temp(c, l, OP_I32_ADD, &other) : -1;
    if (p < 0) return false;
    vm_op sum = c->ops[p + 1], sum2 = c->ops[p + 2];
    unemit_two(c, p);
    uint32_t at = emit_op(c, forms[op]);
    emit_ab(c, (int32_t)home(c, c->sp), other);
    emit_ab(c, sum.s.b, sum2.s.a);
    emit_ab(c, (int32_t)offset, 0);
    push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
    return true;
}

static void compile_load(compiler *c, int op, uint64_t offset)
{
    const char *sig = vm__opinfo[op].sig;
    const centry *e = &c->stack[c->sp - 1];
    if (e->kind == E_CONST) { /* a constant address: C globals */
        uint64_t ea = (uint64_t)(uint32_t)e->k + offset;
        c->sp--;
        uint32_t at = emit_op(c, abs_form(op));
        emit_ab(c, (int32_t)home(c, c->sp), 0);
        emit_u64(c, ea);
        push_result(c, vm__valtype_of_letter(sig[2]), at);
        return;
    }
    if (fresh_add_at(c, c->sp - 1, offset)) {
        last_insn l = c->last;
        if (fuse_indexed_load(c, op, &l, (uint32_t)offset) ||
            fuse_sum_load(c, op, &l, (uint32_t)offset))
            return;
        unemit_last(c);
        c->sp--;
        uint32_t at = emit_op(c, add_form(op) + (l.b_imm ? 1 : 0));
        emit_ab(c, (int32_t)home(c, c->sp), l.a);
        emit_ab(c, l.b_imm ? l.imm : l.b, (int32_t)(uint32_t)offset);
        push_result(c, vm__valtype_of_letter(sig[2]), at);
        if (l.b_imm) note_load(c, op, l.a, true, l.imm, offset);
        return;
    }
    int32_t addr = slot_of(c, c->sp - 1);
    c->sp--;
    uint32_t at = emit_op(c, op);
    emit_ab(c, (int32_t)home(c, c->sp), addr);
    emit_u64(c, offset);
    push_result(c, vm__valtype_of_letter(sig[2]), at);
    note_load(c, op, addr, false, 0, offset);
}

static void compile_store(compiler *c, int op, uint64_t offset)
{
    if (fuse_rmw(c, op, offset) || fuse_op_store(c, op, offset) ||
        fuse_move(c, op, offset))
        return;
    const centry *v = &c->stack[c->sp - 1];
    const centry *addr_e = &c->stack[c->sp - 2];
    if (addr_e->kind == E_CONST && v->kind == E_SLOT) { /* C globals */
        uint64_t ea = (uint64_t)(uint32_t)addr_e->k + offset;
        int32_t val = v->slot;
        c->sp -= 2;
        emit_op(c, abs_form(op));
        emit_ab(c, 0, val);
        emit_u64(c, ea);
        return;
    }
    bool wide = vm__opinfo[op].sig[1] == 'I' || vm__opinfo[op].sig[1] == 'F';
    if (v->kind == E_CONST && (!wide || (int64_t)v->k == (int32_t)v->k)) {
        int32_t k = (int32_t)v->k;
        int32_t addr = slot_of(c, c->sp - 2);
        c->sp -= 2;
        emit_op(c, store_k_form(op));
        emit_ab(c, addr, k);
        emit_u64(c, offset);
        return;
    }
    /* The address add folds in when the value needed no instruction. */
    if (fresh_add_at(c, c->sp - 2, offset) && c->stack[c->sp - 1].kind == E_SLOT) {
        last_insn l = c->last;
        int32_t val = c->stack[c->sp - 1].slot;
        unemit_last(c);
        c->sp -= 2;
        emit_op(c, add_form(op) + (l.b_imm ? 1 : 0));
        emit_ab(c, l.a, l.b_imm ? l.imm : l.b);
        emit_ab(c, val, (int32_t)(uint32_t)offset);
        return;
    }
    int32_t val = slot_of(c, c->sp - 1);
    int32_t addr = slot_of(c, c->sp - 2);
    c->sp -= 2;
    emit_op(c, op);
    emit_ab(c, addr, val);
    emit_u64(c, offset);
}

/* Pops three operands (x y z, z on top) into slots. */
static void pop3(compiler *c, int32_t *x, int32_t *y, int32_t *z)
{
    *x = slot_of(c, c->sp - 3);
    *y = slot_of(c, c->sp - 2);
    *z = slot_of(c, c->sp - 1);
    c->sp -= 3;
}

/* memory.init, memory.copy, memory.fill, table.fill/copy/init:
 * [h][x, y][z, w2b] and an optional fourth word. */
static void compile_ternary(compiler *c, int iop, int32_t w2b, const vm_op *w3)
{
    int32_t x, y, z;
    pop3(c, &x, &y, &z);
    emit_op(c, iop);
    emit_ab(c, x, y);
    emit_ab(c, z, w2b);
    if (w3) emit_word(c, *w3);
}

/* memory.copy or memory.fill; a constant length (memcpy and memset of a
 * known size), and a fill's constant value, become immediates rather than
 * a constant stored to a slot on every execution. */
static void compile_copy_fill(compiler *c, bool fill)
{
    const centry *value = &c->stack[c->sp - 2], *len = &c->stack[c->sp - 1];
    if (len->kind != E_CONST) {
        compile_ternary(c, fill ? IOP_MEM_FILL : IOP_MEM_COPY, 0, NULL);
        return;
    }
    uint32_t n = (uint32_t)len->k;
    bool value_k = fill && value->kind == E_CONST;
    int32_t b = value_k ? (int32_t)(uint8_t)value->k : slot_of(c, c->sp - 2);
    int32_t dst = slot_of(c, c->sp - 3);
    c->sp -= 3;
    emit_op(c, !fill ? IOP_MEM_COPY_N : value_k ? IOP_MEM_FILL_VN : IOP_MEM_FILL_N);
    emit_ab(c, dst, b);
    emit_ab(c, (int32_t)n, 0);
}

#include "compile_simd.inc"

/* }===== */
/* {===== the instruction loop */

static uint32_t read_u32(compiler *c)
{
    uint32_t v = 0;
    if (vm__read_u32(&c->r, &v)) c->oom = true;
    return v;
}

static void skip_bytes(compiler *c, size_t n)
{
    if ((size_t)(c->r.end - c->r.p) < n) { c->oom = true; c->r.p = c->r.end; }
    else c->r.p += n;
}

/* Reads the immediates of op and returns the first (most ops have at most
 * one that matters to the compiler); `second` gets the next one. */
static uint64_t read_imm(compiler *c, int op, uint64_t *second)
{
    int64_t s = 0;
    uint64_t u = 0;
    *second = 0;
    switch (vm__opinfo[op].imm) {
    case IMM_NONE: return 0;
    case IMM_BLOCKTYPE: case IMM_BRTABLE: return 0; /* read by their users */
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL:
    case IMM_TABLE: case IMM_DATA: case IMM_ELEM:
        return read_u32(c);
    case IMM_CALL_INDIRECT: case IMM_ELEM_TABLE: case IMM_TABLE_TABLE:
        u = read_u32(c);
        *second = read_u32(c);
        return u;
    case IMM_SELECT_T:
        u = read_u32(c); /* the count: 1 after validation */
        skip_bytes(c, u);
        return 0;
    case IMM_MEMARG:
        read_u32(c); /* alignment: a hint only */
        return read_u32(c);
    case IMM_MEMIDX: case IMM_REFTYPE:
        skip_bytes(c, 1);
        return c->r.p[-1];
    case IMM_DATA_MEM:
        u = read_u32(c);
        skip_bytes(c, 1);
        return u;
    case IMM_MEM_MEM: skip_bytes(c, 2); return 0;
    case IMM_I32:
        if (vm__read_sleb(&c->r, 32, &s)) c->oom = true;
        return (uint32_t)s;
    case IMM_I64:
        if (vm__read_sleb(&c->r, 64, &s)) c->oom = true;
        return (uint64_t)s;
    case IMM_F32: skip_bytes(c, 4); memcpy(&u, c->r.p - 4, 4); return u;
    case IMM_F64: skip_bytes(c, 8); memcpy(&u, c->r.p - 8, 8); return u;
    case IMM_V128: case IMM_SHUFFLE: /* 16 bytes: the low half first */
        skip_bytes(c, 16);
        memcpy(&u, c->r.p - 16, 8);
        memcpy(second, c->r.p - 8, 8);
        return u;
    case IMM_LANE: skip_bytes(c, 1); return c->r.p[-1];
    case IMM_MEMARG_LANE: /* the offset, and the lane as `second` */
        read_u32(c);
        u = read_u32(c);
        skip_bytes(c, 1);
        *second = c->r.p[-1];
        return u;
    default: c->oom = true; return 0;
    }
}

static int read_opcode(compiler *c)
{
    uint8_t b = 0;
    if (vm__read_u8(&c->r, &b)) return -1;
    if (b != 0xfc && b != 0xfd) return vm__opcode_of(0, b);
    return vm__opcode_of(b, read_u32(c));
}

static void compile_table_op(compiler *c, int op, uint32_t x, uint32_t y)
{
    vm_op w;
    w.u64 = 0;
    switch (op) {
    case OP_TABLE_GET: {
        int32_t i = slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = emit_op(c, IOP_TBL_GET);
        emit_ab(c, (int32_t)home(c, c->sp), i);
        emit_ab(c, (int32_t)x, 0);
        push_result(c, c->m->tables[x].elemtype, at);
        break;
    }
    case OP_TABLE_SET: {
        int32_t v = slot_of(c, c->sp - 1), i = slot_of(c, c->sp - 2);
        c->sp -= 2;
        emit_op(c, IOP_TBL_SET);
        emit_ab(c, i, v);
        emit_ab(c, (int32_t)x, 0);
        break;
    }
    case OP_TABLE_SIZE: {
        uint32_t at = emit_op(c, IOP_TBL_SIZE);
        emit_ab(c, (int32_t)home(c, c->sp), (int32_t)x);
        push_result(c, VM_I32, at);
        break;
    }
    case OP_TABLE_GROW: {
        int32_t n = slot_of(c, c->sp - 1), init = slot_of(c, c->sp - 2);
        c->sp -= 2;
        uint32_t at = emit_op(c, IOP_TBL_GROW);
        emit_ab(c, (int32_t)home(c, c->sp), init);
        emit_ab(c, n, (int32_t)x);
        push_result(c, VM_I32, at);
        break;
    }
    case OP_TABLE_FILL: compile_ternary(c, IOP_TBL_FILL, (int32_t)x, NULL); break;
    case OP_TABLE_COPY:
        w.s.a = (int32_t)x;
        w.s.b = (int32_t)y;
        compile_ternary(c, IOP_TBL_COPY, 0, &w);
        break;
    case OP_TABLE_INIT: /* immediates: elemidx x, tableidx y */
        w.s.a = (int32_t)y;
        w.s.b = (int32_t)x;
        compile_ternary(c, IOP_TBL_INIT, 0, &w);
        break;
    default: /* OP_ELEM_DROP */
        emit_op(c, IOP_ELEM_DROP);
        emit_ab(c, (int32_t)x, 0);
        break;
    }
}

static void compile_memory_op(compiler *c, int op, uint32_t x)
{
    switch (op) {
    case OP_MEMORY_SIZE: {
        uint32_t at = emit_op(c, IOP_MEM_SIZE);
        emit_ab(c, (int32_t)home(c, c->sp), 0);
        push_result(c, VM_I32, at);
        break;
    }
    case OP_MEMORY_GROW: {
        int32_t n = slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = emit_op(c, IOP_MEM_GROW);
        emit_ab(c, (int32_t)home(c, c->sp), n);
        push_result(c, VM_I32, at);
        break;
    }
    case OP_MEMORY_INIT: compile_ternary(c, IOP_MEM_INIT, (int32_t)x, NULL); break;
    case OP_MEMORY_COPY: compile_copy_fill(c, false); break;
    case OP_MEMORY_FILL: compile_copy_fill(c, true); break;
    default: /* OP_DATA_DROP */
        emit_op(c, IOP_DATA_DROP);
        emit_ab(c, (int32_t)x, 0);
        break;
    }
}

static void compile_select(compiler *c)
{
    int32_t a, b, cond;
    uint8_t type = c->stack[c->sp - 3].type;
    if (type == VM_V128) {
        compile_v128_select(c);
        return;
    }
    pop3(c, &a, &b, &cond);
    uint32_t at = emit_op(c, IOP_SELECT);
    emit_ab(c, (int32_t)home(c, c->sp), a);
    emit_ab(c, b, cond);
    push_result(c, type, at);
}

static void compile_global(compiler *c, int op, uint32_t g)
{
    if (c->m->globals[g].type.type == VM_V128) {
        compile_v128_global(c, op, g);
    } else if (op == OP_GLOBAL_GET) {
        uint32_t at = emit_op(c, IOP_GLOBAL_GET);
        emit_ab(c, (int32_t)home(c, c->sp), (int32_t)g);
        push_result(c, c->m->globals[g].type.type, at);
    } else {
        int32_t v = slot_of(c, c->sp - 1);
        c->sp--;
        emit_op(c, IOP_GLOBAL_SET);
        emit_ab(c, v, (int32_t)g);
    }
}

/* Compiles one live instruction; returns true at the function's end. */
static bool compile_insn(compiler *c, int op)
{
    uint64_t y, x = read_imm(c, op, &y);
    if (op >= OP_SIMD_FIRST_) {
        compile_simd(c, op, x, y);
        return false;
    }
    switch (op) {
    case OP_NOP: break;
    case OP_UNREACHABLE:
        emit_op(c, IOP_TRAP);
        emit_ab(c, VM_TRAP_UNREACHABLE, 0);
        mark_unreachable(c);
        break;
    case OP_BLOCK: case OP_LOOP: case OP_IF: begin_block(c, (uint8_t)op); break;
    case OP_ELSE: compile_else(c); break;
    case OP_END: return compile_end(c);
    case OP_BR: emit_branch(c, (uint32_t)x); mark_unreachable(c); break;
    case OP_BR_IF: compile_br_if(c, (uint32_t)x); break;
    case OP_BR_TABLE: compile_br_table(c); mark_unreachable(c); break;
    case OP_RETURN: emit_return(c); mark_unreachable(c); break;
    case OP_CALL: compile_call(c, (uint32_t)x); break;
    case OP_CALL_INDIRECT: compile_call_indirect(c, (uint32_t)x, (uint32_t)y); break;
    case OP_DROP: pop(c); break;
    case OP_SELECT: case OP_SELECT_T: compile_select(c); break;
    case OP_LOCAL_GET:
        push_slot(c, x < c->f->type->nparams ? c->f->type->params[x]
                                             : c->f->local_types[x - c->f->type->nparams],
                  local_slot(c, (uint32_t)x));
        break;
    case OP_LOCAL_SET: compile_local_set(c, (uint32_t)x, false); break;
    case OP_LOCAL_TEE: compile_local_set(c, (uint32_t)x, true); break;
    case OP_GLOBAL_GET: case OP_GLOBAL_SET: compile_global(c, op, (uint32_t)x); break;
    case OP_I32_CONST: push_const(c, VM_I32, x); break;
    case OP_I64_CONST: push_const(c, VM_I64, x); break;
    case OP_F32_CONST: push_const(c, VM_F32, x); break;
    case OP_F64_CONST: push_const(c, VM_F64, x); break;
    case OP_REF_NULL: push_const(c, (uint8_t)x, 0); break;
    case OP_REF_IS_NULL: {
        int32_t a = slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = emit_op(c, IOP_REF_IS_NULL);
        emit_ab(c, (int32_t)home(c, c->sp), a);
        push_result(c, VM_I32, at);
        break;
    }
    case OP_REF_FUNC: {
        uint32_t at = emit_op(c, IOP_REF_FUNC);
        emit_ab(c, (int32_t)home(c, c->sp), (int32_t)x);
        push_result(c, VM_FUNCREF, at);
        break;
    }
    case OP_TABLE_GET: case OP_TABLE_SET: case OP_TABLE_SIZE: case OP_TABLE_GROW:
    case OP_TABLE_FILL: case OP_TABLE_COPY: case OP_TABLE_INIT: case OP_ELEM_DROP:
        compile_table_op(c, op, (uint32_t)x, (uint32_t)y);
        break;
    case OP_MEMORY_SIZE: case OP_MEMORY_GROW: case OP_MEMORY_INIT:
    case OP_DATA_DROP: case OP_MEMORY_COPY: case OP_MEMORY_FILL:
        compile_memory_op(c, op, (uint32_t)x);
        break;
    default:
        if (vm__opinfo[op].imm == IMM_MEMARG) {
            if (vm__opinfo[op].sig[1] == ':') compile_load(c, op, x);
            else compile_store(c, op, x);
        } else {
            compile_numeric(c, op);
        }
        break;
    }
    return false;
}

/* In unreachable code only the block structure matters. */
static bool skip_insn(compiler *c, int op)
{
    uint64_t y;
    switch (op) {
    case OP_BLOCK: case OP_LOOP: case OP_IF: begin_block(c, (uint8_t)op); return false;
    case OP_ELSE: compile_else(c); return false;
    case OP_END: return compile_end(c);
    case OP_BR_TABLE: {
        uint32_t n = read_u32(c);
        for (uint32_t i = 0; i <= n && !c->oom; i++) read_u32(c);
        return false;
    }
    default: read_imm(c, op, &y); return false;
    }
}

static bool compile_body(compiler *c)
{
    cframe *f = push_frame(c, OP_END);
    if (!f) return false;
    f->nresults = c->f->type->nresults;
    f->results = c->f->type->results;
    while (!c->oom) {
        c->insn_off = (uint32_t)(c->r.p - c->m->bytes);
        int op = read_opcode(c);
        if (op < 0) return false; /* cannot happen after validation */
        bool done = in_dead_code(c) && op != OP_ELSE && op != OP_END
                        ? skip_insn(c, op)
                        : (op == OP_ELSE || op == OP_END) && c->ctrl[c->depth - 1].dead
                              ? skip_insn(c, op)
                              : compile_insn(c, op);
        if (done) return !c->oom;
    }
    return false;
}

/* }===== */
/* {===== entry points */

/* With v128 params or locals, local x no longer sits in slot x: map
 * each to its slot and set L to their total. */
static bool layout_locals(compiler *c)
{
    const vm_functype *t = c->f->type;
    uint32_t n = t->nparams + c->f->nlocals, wide = 0;
    for (uint32_t x = 0; x < n; x++)
        wide += (x < t->nparams ? t->params[x] : c->f->local_types[x - t->nparams]) == VM_V128;
    if (!wide) return true;
    c->lslot = malloc(n * sizeof *c->lslot);
    if (!c->lslot) return false;
    uint32_t s = 0;
    for (uint32_t x = 0; x < n; x++) {
        c->lslot[x] = s;
        s += vm__slots_of(x < t->nparams ? t->params[x] : c->f->local_types[x - t->nparams]);
    }
    c->L = s;
    return true;
}

static vm_code *finish(compiler *c)
{
    vm_code *code = calloc(1, sizeof *code);
    if (!code) return NULL;
    for (uint32_t i = 0; i < c->ntargets; i++) {
        uint32_t w = c->targets[i];
        c->ops[w].target = c->ops + c->ops[w].u64;
    }
    code->ops = c->ops;
    code->nops = c->nops;
    code->nparams = vm__slots_of_seq(c->f->type->params, c->f->type->nparams);
    code->nlocals = c->L - code->nparams;
    code->nresults = vm__slots_of_seq(c->f->type->results, c->f->type->nresults);
    code->frame_slots = c->L + c->max_height + 1;
    /* room for the four unconditional zero stores of a call (exec_control.inc) */
    if (code->frame_slots < code->nparams + 4) code->frame_slots = code->nparams + 4;
    code->func = c->f;
    code->func_idx = (uint32_t)(c->f - c->m->funcs);
    code->pos = c->pos;
    code->npos = c->npos;
    c->ops = NULL;
    c->pos = NULL;
    return code;
}

vm_code *vm__compile(vm_module_t *m, vm_func *f)
{
    compiler c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.f = f;
    c.handlers = vm__exec_handlers();
    c.r = (vm_reader){f->body, f->body + f->body_len, m->bytes};
    uint32_t nvars = f->type->nparams + f->nlocals;
    c.L = nvars;
    if (!layout_locals(&c)) c.oom = true;
    c.last.start = -1;
    c.prev_start = c.cur_start = -1;
    c.gen = 1;
    c.kval = calloc(nvars + 1, sizeof *c.kval);
    c.kgen = calloc(nvars + 1, sizeof *c.kgen);
    if (!c.kval || !c.kgen) c.oom = true;
    for (uint32_t x = f->type->nparams; c.kgen && x < nvars; x++) c.kgen[x] = c.gen;
    vm_code *code = NULL;
    if (compile_body(&c)) code = finish(&c);
    free(c.ops);
    free(c.pos);
    free(c.targets);
    free(c.stack);
    free(c.ctrl);
    free(c.kval);
    free(c.kgen);
    free(c.lslot);
    if (!code) return NULL;
    vm_code *expected = NULL;
    if (!VM_CAS_RELEASE(f->code, expected, code)) {
        vm__code_free(code); /* another thread published first */
        return expected;
    }
    return code;
}

void vm__code_free(vm_code *c)
{
    if (!c) return;
    free(c->ops);
    free(c->pos);
    free(c);
}

/* }===== */
