/* compile_int.h: the compiler's state, shared by the register compiler
 * (compile.c) and the peephole fuser (fuse.c).
 *
 * The fuser looks back at code already emitted. What it knows of that code
 * it reads from the code itself: the instruction (its handler's index,
 * kept beside its position in `recent`) and its operand words, laid out as
 * iop_list.h and super_list.h say. No copy of an instruction's operands is
 * kept anywhere else, so no record can disagree with the code it
 * describes: a fusion that rewrites an instruction rewrites all there is.
 */
#ifndef LUN_VM_COMPILE_INT_H
#define LUN_VM_COMPILE_INT_H

#include "exec.h"

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

/* An instruction emitted: where it starts and what it is. */
typedef struct emitted {
    uint32_t start;
    int iop;
} emitted;

enum { RECENT_MAX = 4 };

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
    bool fuse;         /* select superinstructions (else plain code only) */

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
    /* The last few instructions emitted, the newest last; removing code
     * removes its entries, so they always describe the code as it is. */
    emitted recent[RECENT_MAX];
    uint32_t nrecent;
    /* The newest instruction computed the value of the stack entry at
     * `fresh_height` into that entry's home slot (fresh_start: where the
     * instruction starts), or fresh_start is -1. Nothing but the entry
     * reads that slot yet, so the instruction may still be rewritten. */
    int64_t fresh_start;
    uint32_t fresh_height;
    uint32_t label_op; /* the last op index made a branch target */
    /* Locals whose value is a known constant: valid while kgen[x] == gen.
     * Locals start at zero; knowledge is dropped wherever control flow
     * merges (loop heads, else, block ends) by bumping gen. */
    uint64_t *kval;
    uint32_t *kgen;
    uint32_t gen;
    bool oom;
} compiler;

/* {===== emitting (compile.c) */

bool vm__grow_array(void **p, uint32_t *cap, uint32_t need, size_t elem);
#define GROW(c, arr, cap, need)                                              \
    (vm__grow_array((void **)&(c)->arr, &(c)->cap, (need), sizeof *(c)->arr) || \
     ((c)->oom = true, false))

static inline void emit_word(compiler *c, vm_op w)
{
    if (!GROW(c, ops, cap, c->nops + 1)) return;
    c->ops[c->nops++] = w;
}

static inline void emit_ab(compiler *c, int32_t a, int32_t b)
{
    vm_op w;
    w.u64 = 0;
    w.s.a = a;
    w.s.b = b;
    emit_word(c, w);
}

static inline void emit_u64(compiler *c, uint64_t v)
{
    vm_op w;
    w.u64 = v;
    emit_word(c, w);
}

uint32_t vm__emit_op(compiler *c, int iop);
uint32_t vm__emit_target(compiler *c, uint64_t index);
void vm__unemit_newest(compiler *c);

/* }===== */
/* {===== the compile-time operand stack (compile.c) */

uint32_t vm__home(const compiler *c, uint32_t height);
int32_t vm__slot_of(compiler *c, uint32_t i);
void vm__push_entry(compiler *c, centry e);
void vm__push_result(compiler *c, uint8_t type, uint32_t start);
bool vm__commutes(int op);

/* Is the entry at height h the value the newest instruction just computed
 * into h's home slot? */
static inline bool fresh_at(const compiler *c, uint32_t h)
{
    const centry *e = &c->stack[h];
    return c->fresh_start >= 0 && c->fresh_height == h && e->kind == E_SLOT &&
           e->slot == (int32_t)vm__home(c, h);
}

/* }===== */
/* {===== the peephole fuser (fuse.c); each returns false, having emitted
 * nothing, when no superinstruction applies */

/* A binary op whose operands are the top two entries. */
bool vm__fuse_binop(compiler *c, int op, uint8_t rtype);
/* A load or store of wasm opcode op whose operands are on the stack. */
bool vm__fuse_load(compiler *c, int op, uint64_t offset);
bool vm__fuse_store(compiler *c, int op, uint64_t offset);
/* A jump when cond is true (or false, when == false): emits it but its
 * target word, which it returns, or returns -1. */
int64_t vm__fuse_cond_jump(compiler *c, centry cond, bool when);
/* A return of the single value the newest instruction just computed. */
bool vm__fuse_return(compiler *c);
/* memory.copy or memory.fill. */
bool vm__fuse_copy_fill(compiler *c, bool fill);
/* A move of slot src to dst (emitting it, as part of a COPY2). */
bool vm__fuse_copy(compiler *c, int32_t dst, int32_t src);
/* A select (not of v128) whose operands are the top three entries. */
bool vm__fuse_select(compiler *c, uint8_t type);

/* }===== */

#endif
