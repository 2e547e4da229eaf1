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

#include <string.h>

#include "compile_int.h"
#include "simd.h"

/* {===== compiler state (compile_int.h) */

bool vm__grow_array(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return true;
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    void *np = vm__realloc(*p, (size_t)ncap * elem);
    if (!np) return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* }===== */
/* {===== emitting threaded code */

/* Starts an instruction: its handler word, and its source position. */
uint32_t vm__emit_op(compiler *c, int iop)
{
    uint32_t at = c->nops;
    c->fresh_start = -1;
    if (c->nrecent == RECENT_MAX) {
        memmove(c->recent, c->recent + 1, (RECENT_MAX - 1) * sizeof *c->recent);
        c->nrecent--;
    }
    c->recent[c->nrecent++] = (emitted){at, iop};
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
uint32_t vm__emit_target(compiler *c, uint64_t index)
{
    uint32_t at = c->nops;
    emit_u64(c, index);
    if (GROW(c, targets, tcap, c->ntargets + 1)) c->targets[c->ntargets++] = at;
    return at;
}

/* Removes the newest instruction (it is being fused into the next one). */
void vm__unemit_newest(compiler *c)
{
    if (!c->nrecent) { /* cannot happen: the fuser checks first */
        c->oom = true;
        return;
    }
    uint32_t start = c->recent[--c->nrecent].start;
    c->nops = start;
    while (c->npos && c->pos[c->npos - 1].op >= start) c->npos--;
    c->fresh_start = -1;
}

/* }===== */
/* {===== the compile-time operand stack */

/* The home slot of the entry at `height`: after the entries below it,
 * each taking one slot, or two for a v128. */
uint32_t vm__home(const compiler *c, uint32_t height)
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
VM_NOINLINE static void push_entry_wide(compiler *c, centry e)
{
    if (!c->wide) {
        for (uint32_t i = 0; i < c->sp; i++) c->stack[i].hslot = (int32_t)(c->L + i);
        c->wide = true;
    }
    e.hslot = (int32_t)vm__home(c, c->sp);
    uint32_t top = (uint32_t)e.hslot + vm__slots_of(e.type) - c->L;
    if (!GROW(c, stack, scap, c->sp + 1)) return;
    c->stack[c->sp++] = e;
    if (top > c->max_height) c->max_height = top;
}

void vm__push_entry(compiler *c, centry e)
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
    vm__push_entry(c, (centry){E_SLOT, type, slot, 0, 0});
}

static void push_const(compiler *c, uint8_t type, uint64_t k)
{
    vm__push_entry(c, (centry){E_CONST, type, 0, k, 0});
}

/* Pushes a value the newest instruction computed into its home slot. */
void vm__push_result(compiler *c, uint8_t type, uint32_t start)
{
    push_slot(c, type, (int32_t)vm__home(c, c->sp));
    c->fresh_start = start;
    c->fresh_height = c->sp - 1;
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
            vm__emit_op(c, IOP_CONST32);
            emit_ab(c, dst, (int32_t)(uint32_t)e->k);
        } else {
            vm__emit_op(c, IOP_CONST64);
            emit_ab(c, dst, 0);
            emit_u64(c, e->k);
        }
    } else if (e->slot != dst && !(c->fuse && vm__fuse_copy(c, dst, e->slot))) {
        vm__emit_op(c, IOP_COPY);
        emit_ab(c, dst, e->slot);
    }
}

/* Puts the entry at height i into its home slot. */
static void materialize(compiler *c, uint32_t i)
{
    centry *e = &c->stack[i];
    int32_t h = (int32_t)vm__home(c, i);
    if (e->kind == E_SLOT && e->slot == h) return;
    emit_move(c, h, e);
    e = &c->stack[i]; /* emit may not move the stack, but stay safe */
    e->kind = E_SLOT;
    e->slot = h;
}

/* The slot holding the entry at height i (constants get materialized). */
int32_t vm__slot_of(compiler *c, uint32_t i)
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
        if (e->kind == E_SLOT && e->slot != (int32_t)vm__home(c, i)) materialize(c, i);
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
    return (int32_t)(vm__home(c, f->height) + vm__slots_of_seq(types, j));
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
    if (top && fresh_at(c, base)) {
        if (c->fuse && vm__fuse_return(c)) return;
        c->ops[c->fresh_start + 1].s.a = 0;
        c->fresh_start = -1;
    } else {
        for (uint32_t j = 0, r = 0; j < n; r += vm__slots_of(rt[j]), j++)
            emit_move(c, (int32_t)r, &c->stack[base + j]);
    }
    vm__emit_op(c, IOP_RETURN);
}

/* Unconditional branch to `label`, with its values moved into place. */
static void emit_branch(compiler *c, uint32_t label)
{
    if (label == c->depth - 1) {
        /* emit_return may rewrite entries to homes; keep the stack intact */
        uint32_t n = c->ctrl[0].nresults;
        if (n == 0) {
            vm__emit_op(c, IOP_RETURN);
            return;
        }
        centry saved[8];
        centry *keep = n <= 8 ? saved : vm__malloc(n * sizeof *keep);
        if (!keep) { c->oom = true; return; }
        memcpy(keep, c->stack + c->sp - n, n * sizeof *keep);
        emit_return(c);
        memcpy(c->stack + c->sp - n, keep, n * sizeof *keep);
        if (keep != saved) vm__free(keep);
        return;
    }
    cframe *f = frame_at(c, label);
    uint32_t n = label_arity(f);
    for (uint32_t j = 0; j < n; j++)
        emit_move(c, label_home(c, f, j), &c->stack[c->sp - n + j]);
    vm__emit_op(c, IOP_BR);
    link_target(c, vm__emit_target(c, 0), frame_at(c, label));
}

/* Emits a jump taken when `cond` is true (or false, with when == false);
 * the fuser may fold the compare that computed it into the jump. Returns
 * the target word to link. */
static uint32_t emit_cond_jump(compiler *c, centry cond, bool when)
{
    int64_t fused = c->fuse ? vm__fuse_cond_jump(c, cond, when) : -1;
    if (fused >= 0) return (uint32_t)fused;
    int32_t s;
    if (cond.kind == E_CONST) {
        vm__push_entry(c, cond);
        s = vm__slot_of(c, c->sp - 1);
        c->sp--;
    } else {
        s = cond.slot;
    }
    vm__emit_op(c, when ? IOP_BR_IF : IOP_BR_UNLESS);
    emit_ab(c, s, 0);
    return vm__emit_target(c, 0);
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
    c->fresh_start = -1; /* a label: nothing fuses across it */
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
        push_slot(c, types[i], (int32_t)vm__home(c, c->sp));
    c->fresh_start = -1;
}

static void compile_else(compiler *c)
{
    cframe *f = &c->ctrl[c->depth - 1];
    if (f->dead) return;
    if (!f->unreachable) {
        materialize_results(c, f);
        vm__emit_op(c, IOP_BR);
        link_target(c, vm__emit_target(c, 0), f);
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
    c->fresh_start = -1;
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
    c->fresh_start = -1;
}

static void compile_br_table(compiler *c)
{
    uint32_t n = 0;
    if (vm__read_u32(&c->r, &n)) { c->oom = true; return; }
    uint32_t *labels = vm__malloc(((size_t)n + 1) * sizeof *labels);
    if (!labels) { c->oom = true; return; }
    for (uint32_t i = 0; i <= n; i++)
        if (vm__read_u32(&c->r, &labels[i])) c->oom = true;
    int32_t idx = vm__slot_of(c, c->sp - 1);
    c->sp--;
    vm__emit_op(c, IOP_BR_TABLE);
    emit_ab(c, idx, (int32_t)(n + 1));
    uint32_t first = c->nops;
    for (uint32_t i = 0; i <= n; i++) vm__emit_target(c, 0);
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
    vm__free(labels);
}

/* }===== */
/* {===== calls */

static void compile_call_common(compiler *c, const vm_functype *t, int iop,
                                int32_t b, const vm_op *extra)
{
    uint32_t base = c->sp - t->nparams;
    for (uint32_t i = base; i < c->sp; i++) materialize(c, i);
    vm__emit_op(c, iop);
    emit_ab(c, (int32_t)vm__home(c, base), b);
    if (extra) emit_word(c, *extra);
    c->sp = base;
    for (uint32_t i = 0; i < t->nresults; i++)
        push_slot(c, t->results[i], (int32_t)vm__home(c, c->sp));
    c->fresh_start = -1;
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
    int32_t idx = vm__slot_of(c, c->sp - 1);
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
    if (!others && fresh_at(c, c->sp - 1)) {
        c->ops[c->fresh_start + 1].s.a = (int32_t)sx;
        c->sp--;
        c->fresh_start = -1;
        if (tee) push_slot(c, top.type, (int32_t)sx);
        return;
    }
    /* Entries still reading the old value of x get their own copy. */
    for (uint32_t i = 0; i + 1 < c->sp; i++)
        if (refers_to(&c->stack[i], sx)) materialize(c, i);
    top = pop(c);
    emit_move(c, (int32_t)sx, &top);
    if (tee) vm__push_entry(c, top);
}

/* }===== */
/* {===== numeric instructions */

bool vm__commutes(int op)
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
    int32_t a = vm__slot_of(c, c->sp - 1);
    c->sp--;
    uint32_t at = vm__emit_op(c, op);
    emit_ab(c, (int32_t)vm__home(c, c->sp), a);
    vm__push_result(c, rtype, at);
}

static void compile_binop(compiler *c, int op, uint8_t rtype)
{
    if (c->fuse && vm__fuse_binop(c, op, rtype)) return;
    int32_t a = vm__slot_of(c, c->sp - 2), b = vm__slot_of(c, c->sp - 1);
    c->sp -= 2;
    uint32_t at = vm__emit_op(c, op);
    emit_ab(c, (int32_t)vm__home(c, c->sp), a);
    emit_ab(c, b, 0);
    vm__push_result(c, rtype, at);
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

static void compile_load(compiler *c, int op, uint64_t offset)
{
    if (c->fuse && vm__fuse_load(c, op, offset)) return;
    int32_t addr = vm__slot_of(c, c->sp - 1);
    c->sp--;
    uint32_t at = vm__emit_op(c, op);
    emit_ab(c, (int32_t)vm__home(c, c->sp), addr);
    emit_u64(c, offset);
    vm__push_result(c, vm__valtype_of_letter(vm__opinfo[op].sig[2]), at);
}

static void compile_store(compiler *c, int op, uint64_t offset)
{
    if (c->fuse && vm__fuse_store(c, op, offset)) return;
    int32_t val = vm__slot_of(c, c->sp - 1);
    int32_t addr = vm__slot_of(c, c->sp - 2);
    c->sp -= 2;
    vm__emit_op(c, op);
    emit_ab(c, addr, val);
    emit_u64(c, offset);
}

/* Pops three operands (x y z, z on top) into slots. */
static void pop3(compiler *c, int32_t *x, int32_t *y, int32_t *z)
{
    *x = vm__slot_of(c, c->sp - 3);
    *y = vm__slot_of(c, c->sp - 2);
    *z = vm__slot_of(c, c->sp - 1);
    c->sp -= 3;
}

/* memory.init, memory.copy, memory.fill, table.fill/copy/init:
 * [h][x, y][z, w2b] and an optional fourth word. */
static void compile_ternary(compiler *c, int iop, int32_t w2b, const vm_op *w3)
{
    int32_t x, y, z;
    pop3(c, &x, &y, &z);
    vm__emit_op(c, iop);
    emit_ab(c, x, y);
    emit_ab(c, z, w2b);
    if (w3) emit_word(c, *w3);
}

/* memory.copy or memory.fill. */
static void compile_copy_fill(compiler *c, bool fill)
{
    if (c->fuse && vm__fuse_copy_fill(c, fill)) return;
    compile_ternary(c, fill ? IOP_MEM_FILL : IOP_MEM_COPY, 0, NULL);
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
    case IMM_F32: skip_bytes(c, 4); return vm_load_le32(c->r.p - 4);
    case IMM_F64: skip_bytes(c, 8); return vm_load_le64(c->r.p - 8);
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
        int32_t i = vm__slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = vm__emit_op(c, IOP_TBL_GET);
        emit_ab(c, (int32_t)vm__home(c, c->sp), i);
        emit_ab(c, (int32_t)x, 0);
        vm__push_result(c, c->m->tables[x].elemtype, at);
        break;
    }
    case OP_TABLE_SET: {
        int32_t v = vm__slot_of(c, c->sp - 1), i = vm__slot_of(c, c->sp - 2);
        c->sp -= 2;
        vm__emit_op(c, IOP_TBL_SET);
        emit_ab(c, i, v);
        emit_ab(c, (int32_t)x, 0);
        break;
    }
    case OP_TABLE_SIZE: {
        uint32_t at = vm__emit_op(c, IOP_TBL_SIZE);
        emit_ab(c, (int32_t)vm__home(c, c->sp), (int32_t)x);
        vm__push_result(c, VM_I32, at);
        break;
    }
    case OP_TABLE_GROW: {
        int32_t n = vm__slot_of(c, c->sp - 1), init = vm__slot_of(c, c->sp - 2);
        c->sp -= 2;
        uint32_t at = vm__emit_op(c, IOP_TBL_GROW);
        emit_ab(c, (int32_t)vm__home(c, c->sp), init);
        emit_ab(c, n, (int32_t)x);
        vm__push_result(c, VM_I32, at);
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
        vm__emit_op(c, IOP_ELEM_DROP);
        emit_ab(c, (int32_t)x, 0);
        break;
    }
}

static void compile_memory_op(compiler *c, int op, uint32_t x)
{
    switch (op) {
    case OP_MEMORY_SIZE: {
        uint32_t at = vm__emit_op(c, IOP_MEM_SIZE);
        emit_ab(c, (int32_t)vm__home(c, c->sp), 0);
        vm__push_result(c, VM_I32, at);
        break;
    }
    case OP_MEMORY_GROW: {
        int32_t n = vm__slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = vm__emit_op(c, IOP_MEM_GROW);
        emit_ab(c, (int32_t)vm__home(c, c->sp), n);
        vm__push_result(c, VM_I32, at);
        break;
    }
    case OP_MEMORY_INIT: compile_ternary(c, IOP_MEM_INIT, (int32_t)x, NULL); break;
    case OP_MEMORY_COPY: compile_copy_fill(c, false); break;
    case OP_MEMORY_FILL: compile_copy_fill(c, true); break;
    default: /* OP_DATA_DROP */
        vm__emit_op(c, IOP_DATA_DROP);
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
    if (c->fuse && vm__fuse_select(c, type)) return;
    pop3(c, &a, &b, &cond);
    uint32_t at = vm__emit_op(c, IOP_SELECT);
    emit_ab(c, (int32_t)vm__home(c, c->sp), a);
    emit_ab(c, b, cond);
    vm__push_result(c, type, at);
}

static void compile_global(compiler *c, int op, uint32_t g)
{
    if (c->m->globals[g].type.type == VM_V128) {
        compile_v128_global(c, op, g);
    } else if (op == OP_GLOBAL_GET) {
        uint32_t at = vm__emit_op(c, IOP_GLOBAL_GET);
        emit_ab(c, (int32_t)vm__home(c, c->sp), (int32_t)g);
        vm__push_result(c, c->m->globals[g].type.type, at);
    } else {
        int32_t v = vm__slot_of(c, c->sp - 1);
        c->sp--;
        vm__emit_op(c, IOP_GLOBAL_SET);
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
        vm__emit_op(c, IOP_TRAP);
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
        int32_t a = vm__slot_of(c, c->sp - 1);
        c->sp--;
        uint32_t at = vm__emit_op(c, IOP_REF_IS_NULL);
        emit_ab(c, (int32_t)vm__home(c, c->sp), a);
        vm__push_result(c, VM_I32, at);
        break;
    }
    case OP_REF_FUNC: {
        uint32_t at = vm__emit_op(c, IOP_REF_FUNC);
        emit_ab(c, (int32_t)vm__home(c, c->sp), (int32_t)x);
        vm__push_result(c, VM_FUNCREF, at);
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
    c->lslot = vm__malloc(n * sizeof *c->lslot);
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
    vm_code *code = vm__calloc(1, sizeof *code);
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
    c.fresh_start = -1;
    c.fuse = !m->cfg.no_fusion;
    c.gen = 1;
    c.kval = vm__calloc(nvars + 1, sizeof *c.kval);
    c.kgen = vm__calloc(nvars + 1, sizeof *c.kgen);
    if (!c.kval || !c.kgen) c.oom = true;
    for (uint32_t x = f->type->nparams; c.kgen && x < nvars; x++) c.kgen[x] = c.gen;
    vm_code *code = NULL;
    if (compile_body(&c)) code = finish(&c);
    vm__free(c.ops);
    vm__free(c.pos);
    vm__free(c.targets);
    vm__free(c.stack);
    vm__free(c.ctrl);
    vm__free(c.kval);
    vm__free(c.kgen);
    vm__free(c.lslot);
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
    vm__free(c->ops);
    vm__free(c->pos);
    vm__free(c);
}

/* }===== */
