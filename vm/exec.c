/* exec.c: the interpreter loop, dispatch by computed goto over threaded code.
 *
 * Without GNU C's labels as values (another compiler, or -DVM_NO_COMPUTED_GOTO
 * to test this path with GCC) the same handlers are reached through one
 * switch: a handler word then points into dispatch_ids[], its offset there
 * is the instruction's number, and DISPATCH jumps to the switch, whose cases
 * jump to the handlers' labels. Only the dispatch macros and the handler
 * table differ between the two forms.
 *
 * The handlers live in exec_*.inc, included into the body of interp():
 * labels-as-values only work inside one function. A wasm opcode's handler
 * is labelled L_NAME, an internal instruction's (iop_list.h) I_NAME. The hot state (pc, fp,
 * memory base and size, reductions) is kept in locals so the compiler keeps
 * it in registers. Wasm calls push a vm_frame on the execution's own
 * control stack, never the C stack, so a run can stop at any reduction
 * point and resume later, on any thread.
 */
#include "common/lun_prefix.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "exec_num.h"
#include "simd.h"

#if (!defined(__GNUC__) || defined(VM_STRICT_C)) && !defined(VM_NO_COMPUTED_GOTO)
#define VM_NO_COMPUTED_GOTO 1
#endif

/* {===== dispatch macros: the only place that knows the technique */

#ifdef VM_NO_COMPUTED_GOTO
/* One byte per instruction: a handler word is the address of its byte. */
static const char dispatch_ids[IOP_COUNT_];
#define HANDLER_OF(label, iop) (&dispatch_ids[iop])
#define JUMP() goto dispatch
#else
#define HANDLER_OF(label, iop) (&&label)
#define JUMP() goto *pc->h
#endif

#ifdef VM_PROFILE
/* -DVM_PROFILE counts executed instruction pairs (see vm__profile_dump)
 * to choose superinstructions by measurement. Never in normal builds. */
static void profile_hit(const void *h);
#define DISPATCH() do { profile_hit(pc->h); JUMP(); } while (0)
#else
#define DISPATCH() JUMP()
#endif

#define NEXT(n)                                                              \
    do {                                                                     \
        pc += (n);                                                           \
        DISPATCH();                                                          \
    } while (0)

/* A taken branch costs one reduction; once the budget is spent the run
 * yields, resuming at the branch target. A budget of N allows exactly N
 * reductions, so every vm_run makes progress. */
#define BRANCH(t)                                                            \
    do {                                                                     \
        pc = (t);                                                            \
        if (--reds < 0) goto yield;                                         \
        DISPATCH();                                                         \
    } while (0)

/* The control stack's top lives in a register (`frame`, the next free
 * vm_frame); ex->depth is brought up to date before anything outside the
 * loop can look at it, and `frame` reloaded after anything that moves it. */
#define SYNC_DEPTH() (ex->depth = (uint32_t)(frame - ex->frames))
#define LOAD_FRAMES()                                                        \
    do {                                                                     \
        frame = ex->frames + ex->depth;                                      \
        frames_end = ex->frames + ex->frames_cap;                            \
    } while (0)

/* Every exit from interp() records the unspent budget (fuel accounting). */
#define LEAVE(status)                                                        \
    do {                                                                     \
        SYNC_DEPTH();                                                        \
        ex->reds_left = reds;                                                \
        return (status);                                                     \
    } while (0)

#define TRAP(kind)                                                           \
    do {                                                                     \
        trap_kind = VM_TRAP_##kind;                                          \
        goto trap;                                                           \
    } while (0)

#define RELOAD_MEM()                                                         \
    do {                                                                     \
        mem = inst->mem0->data;                                              \
        msize = inst->mem0->size;                                            \
    } while (0)

/* For the layout of the hot paths. */
#if defined(__GNUC__) && !defined(VM_STRICT_C)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define UNLIKELY(x) (x)
#endif

/* Operand fields: word 1 {a, b}, word 2 {a, b} or an immediate. */
#define A1 (pc[1].s.a)
#define B1 (pc[1].s.b)
#define A2 (pc[2].s.a)
#define B2 (pc[2].s.b)

/* }===== */

struct vm_memory vm__no_memory; /* see vm_int.h */

static vm_status interp(vm_exec_t *ex, int64_t budget,
                        const void *const **out_table);

const void *const *vm__exec_handlers(void)
{
    const void *const *table = NULL;
    interp(NULL, 0, &table);
    return table;
}

/* Binary search for the wasm offset of the instruction at op index i. */
uint32_t vm__code_offset_of(const vm_code *c, size_t i)
{
    uint32_t lo = 0, hi = c->npos;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (c->pos[mid].op <= i) lo = mid;
        else hi = mid;
    }
    return c->npos ? c->pos[lo].offset : 0;
}

/* The trap message buffer, made on first use (NULL: out of memory). */
static char *trap_msg_buf(vm_exec_t *ex)
{
    if (!ex->trap_msg && (ex->trap_msg = vm__malloc(VM_TRAP_MSG_BYTES)))
        ex->trap_msg[0] = '\0';
    return ex->trap_msg;
}

static void clear_trap_msg(vm_exec_t *ex)
{
    if (ex->trap_msg) ex->trap_msg[0] = '\0';
}

static void set_trap(vm_exec_t *ex, vm_trap_kind kind, const vm_code *c,
                     const vm_op *pc)
{
    ex->trap = kind;
    ex->state = VM_EXEC_TRAPPED;
    if (kind == VM_TRAP_HOST && ex->trap_msg && ex->trap_msg[0])
        return; /* host's words */
    char *msg = trap_msg_buf(ex);
    if (!msg) return; /* out of memory: the kind's text stands for it */
    if (!c) {
        snprintf(msg, VM_TRAP_MSG_BYTES, "%s", vm_trap_text(kind));
        return;
    }
    uint32_t off = vm__code_offset_of(c, (size_t)(pc - c->ops));
    if (c->func->name)
        snprintf(msg, VM_TRAP_MSG_BYTES, "%s in function %s at offset 0x%x",
                 vm_trap_text(kind), c->func->name, off);
    else
        snprintf(msg, VM_TRAP_MSG_BYTES,
                 "%s in function func[%u] at offset 0x%x", vm_trap_text(kind),
                 c->func_idx, off);
}

/* The compiled function of inst's module holding pc: only traps need it
 * (for the message), so calls and returns do not carry it around. */
const vm_code *vm__code_at(const vm_instance_t *inst, const vm_op *pc)
{
    const vm_module_t *m = inst->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        const vm_code *c = VM_LOAD_ACQUIRE(m->funcs[i].code);
        if (c && pc >= c->ops && pc < c->ops + c->nops) return c;
    }
    return NULL;
}

/* The code of a module function, compiling it on first use. */
static const vm_code *code_of(vm_module_t *m, vm_func *f)
{
    vm_code *c = VM_LOAD_ACQUIRE(f->code);
    return c ? c : vm__compile(m, f);
}

#ifdef VM_LAYOUT_PAD
/* bench/layout.sh builds with -DVM_LAYOUT_PAD=N: N bytes of code placed
 * before interp() move every handler by N, to show how much a benchmark
 * depends on where the handlers happen to land. Never in normal builds. */
#define VM_STR_(x) #x
#define VM_STR(x) VM_STR_(x)
void vm__layout_pad(void);
__attribute__((used, noinline)) void vm__layout_pad(void)
{
    __asm__ volatile(".skip " VM_STR(VM_LAYOUT_PAD) ", 0x90");
}
#endif

static vm_status interp(vm_exec_t *ex, int64_t budget,
                        const void *const **out_table)
{
    static const void *const handlers[IOP_COUNT_] = {
#define OP_LIST_NO_SIMD
#define OP(name, pfx, code, text, imm, sig, align) HANDLER_OF(L_##name, OP_##name),
#include "op_list.h"
#undef OP_LIST_NO_SIMD
#define IOP(name, words) HANDLER_OF(I_##name, IOP_##name),
#include "iop_list.h"
#define SI(name, ...) HANDLER_OF(L_##name, IOP_##name),
#include "super_list.h"
    };
    if (out_table) {
        *out_table = handlers;
        return VM_DONE;
    }

    const vm_op *pc = ex->pc;
    vm_slot *fp = ex->fp;
    vm_instance_t *inst = ex->inst;
    int64_t reds = budget;
    uint8_t *mem;
    uint64_t msize;
    vm_trap_kind trap_kind = VM_TRAP_NONE;
    vm_slot *stack_end = ex->stack_end; /* reloaded when the stack grows */
    struct vm_funcinst *fi; /* the callee of call_funcinst */
    int call_len;           /* the length of that call instruction */
    vm_frame *frame, *frames_end;
    LOAD_FRAMES();
    RELOAD_MEM();
    DISPATCH();

#ifdef VM_NO_COMPUTED_GOTO
dispatch:
    switch ((const char *)pc->h - dispatch_ids) {
#define OP_LIST_NO_SIMD
#define OP(name, pfx, code, text, imm, sig, align) case OP_##name: goto L_##name;
#include "op_list.h"
#undef OP_LIST_NO_SIMD
#define IOP(name, words) case IOP_##name: goto I_##name;
#include "iop_list.h"
#define SI(name, ...) case IOP_##name: goto L_##name;
#include "super_list.h"
    default: abort(); /* not a handler word: a compiler bug */
    }
#endif

#include "exec_control.inc"
#include "exec_variable.inc"
#include "exec_memory.inc"
#include "exec_table.inc"
#include "exec_numeric.inc"

    /* The superinstructions: each row of super_list.h expands its family's
     * template (H_FAMILY, defined in the files above). */
#define SI(name, family, base, words, wasm, ...) H_##family(name, words, __VA_ARGS__)
#include "super_list.h"

    /* Wasm opcodes that never appear in threaded code: the compiler turns
     * them into the internal instructions above. */
L_UNREACHABLE: L_NOP: L_BLOCK: L_LOOP: L_IF: L_ELSE: L_END: L_BR: L_BR_IF:
L_BR_TABLE: L_RETURN: L_CALL: L_CALL_INDIRECT: L_DROP: L_SELECT: L_SELECT_T:
L_LOCAL_GET: L_LOCAL_SET: L_LOCAL_TEE: L_GLOBAL_GET: L_GLOBAL_SET:
L_TABLE_GET: L_TABLE_SET: L_MEMORY_SIZE: L_MEMORY_GROW: L_I32_CONST:
L_I64_CONST: L_F32_CONST: L_F64_CONST: L_REF_NULL: L_REF_IS_NULL: L_REF_FUNC:
L_MEMORY_INIT: L_DATA_DROP: L_MEMORY_COPY: L_MEMORY_FILL: L_TABLE_INIT:
L_ELEM_DROP: L_TABLE_COPY: L_TABLE_GROW: L_TABLE_SIZE: L_TABLE_FILL:
    abort(); /* a compiler bug, never guest input */

yield:
    ex->pc = pc;
    ex->fp = fp;
    ex->inst = inst;
    LEAVE(VM_YIELD);

trap: {
    /* The first access to a lazy memory (image.c): make it, then run the
     * same instruction again; it checked its bounds before any effect.
     * A host's trap (ex->trap set) is never run again. */
    if (trap_kind == VM_TRAP_MEM_OOB && UNLIKELY(inst->mem0->lazy) &&
        ex->trap == VM_TRAP_NONE) {
        if (vm__memory_materialize(inst->mem0)) {
            RELOAD_MEM();
            DISPATCH();
        }
        trap_kind = VM_TRAP_OUT_OF_MEMORY;
    }
    /* A call made by vm_exec_host_call(catch_traps) catches the trap: the
     * run continues after that host call, with zeroed results. */
    SYNC_DEPTH();
    uint32_t k = ex->depth;
    while (k > 0 && ex->frames[k - 1].catch_results == 0) k--;
    if (k == 0) {
        ex->pc = pc;
        ex->inst = inst; /* with pc and the frames: vm_exec_backtrace() */
        set_trap(ex, trap_kind, vm__code_at(inst, pc), pc);
        LEAVE(VM_TRAP);
    }
    const vm_frame *fr = &ex->frames[k - 1];
    vm_slot *callee_fp = k < ex->depth ? ex->frames[k].fp : fp;
    memset(callee_fp, 0, (size_t)(fr->catch_results - 1) * sizeof *callee_fp);
    ex->caught = trap_kind;
    ex->trap = VM_TRAP_NONE;
    clear_trap_msg(ex);
    ex->depth = k - 1;
    LOAD_FRAMES();
    pc = fr->ret_pc;
    fp = fr->fp;
    inst = fr->inst;
    RELOAD_MEM();
    DISPATCH();
}
}

/* {===== the entry points of vm.h */

static vm_status run_host_entry(vm_exec_t *ex)
{
    struct vm_funcinst *fi = ex->entry;
    ex->caller = NULL;
    ex->charge = 0;
    vm_status st = fi->host(ex, ex->stack, fi->host_ud);
    ex->reds_used = ex->charge;
    ex->charge = 0;
    switch (st) {
    case VM_OK:
    case VM_YIELD:
        ex->state = VM_EXEC_DONE;
        return VM_DONE;
    case VM_DONE:
        ex->exited = true;
        ex->state = VM_EXEC_DONE;
        return VM_DONE;
    case VM_BLOCK:
        return VM_BLOCK;
    default:
        set_trap(ex, VM_TRAP_HOST, NULL, NULL);
        return VM_TRAP;
    }
}

vm_status vm_run(vm_exec_t *ex, uint64_t budget)
{
    if (ex->state == VM_EXEC_DONE) return VM_DONE;
    if (ex->state == VM_EXEC_TRAPPED) return VM_TRAP;
    if (ex->state != VM_EXEC_READY) {
        vm_exec_set_trap(ex, VM_TRAP_HOST, "vm_run: no call prepared");
        ex->state = VM_EXEC_TRAPPED;
        return VM_TRAP;
    }
    if (ex->entry->host) return run_host_entry(ex);
    int64_t reds = budget == 0 ? 1 : budget > INT64_MAX ? INT64_MAX : (int64_t)budget;
    vm_status st = interp(ex, reds, NULL);
    /* A yield at a branch or call leaves -1 (that reduction is spent on
     * resuming); charges may take the count further below. */
    ex->reds_used = (uint64_t)(reds - (ex->reds_left > 0 ? ex->reds_left : 0));
    if (ex->reds_left < -1)
        ex->reds_used += (uint64_t)(-1 - ex->reds_left);
    if (st == VM_DONE && !ex->exited) ex->state = VM_EXEC_DONE;
    return st;
}

/* Stacks start this small and double on demand: an idle process holds
 * little more than its frames in use. The first ones share the
 * execution's block (one allocation per process, no headers for them);
 * a stack that outgrows them moves to a block of its own. */
#define INITIAL_STACK_SLOTS 16u
#define INITIAL_FRAMES 4u

static vm_frame *inline_frames(const vm_exec_t *ex)
{
    return (vm_frame *)(void *)((char *)(uintptr_t)ex + sizeof *ex);
}

static vm_slot *inline_stack(const vm_exec_t *ex)
{
    return (vm_slot *)(void *)(inline_frames(ex) + INITIAL_FRAMES);
}

/* Equality only: comparing pointers into different objects for order is
 * undefined in C. */
static bool stack_is_inline(const vm_exec_t *ex) { return ex->stack == inline_stack(ex); }
static bool frames_are_inline(const vm_exec_t *ex) { return ex->frames == inline_frames(ex); }

vm_exec_t *vm_exec_new(const vm_config *cfg)
{
    uint32_t slots = cfg && cfg->stack_slots ? cfg->stack_slots : VM_DEFAULT_STACK_SLOTS;
    uint32_t depth = cfg && cfg->max_call_depth ? cfg->max_call_depth : VM_DEFAULT_CALL_DEPTH;
    vm_exec_t *ex = vm__calloc(1, sizeof *ex + INITIAL_FRAMES * sizeof(vm_frame) +
                                      INITIAL_STACK_SLOTS * sizeof(vm_slot));
    if (!ex) return NULL;
    uint32_t nslots = slots < INITIAL_STACK_SLOTS ? slots : INITIAL_STACK_SLOTS;
    ex->frames_cap = depth < INITIAL_FRAMES ? depth : INITIAL_FRAMES;
    ex->stack = inline_stack(ex);
    ex->frames = inline_frames(ex);
    ex->stack_end = ex->stack + nslots;
    ex->max_slots = slots;
    ex->max_depth = depth;
    return ex;
}

void vm_exec_reset(vm_exec_t *ex)
{
    vm_exec_t keep = *ex;
    memset(ex, 0, sizeof *ex);
    ex->stack = keep.stack;
    ex->stack_end = keep.stack_end;
    ex->max_slots = keep.max_slots;
    ex->frames = keep.frames;
    ex->frames_cap = keep.frames_cap;
    ex->max_depth = keep.max_depth;
    ex->trap_msg = keep.trap_msg;
    clear_trap_msg(ex);
}

void vm_exec_free(vm_exec_t *ex)
{
    if (!ex) return;
    if (!stack_is_inline(ex)) vm__free(ex->stack);
    if (!frames_are_inline(ex)) vm__free(ex->frames);
    vm__free(ex->trap_msg);
    vm__free(ex);
}

/* p's contents moved to a new block of n bytes: from the execution's own
 * block (copied; it stays) or from a block of its own (realloc'd). */
static void *grow_block(void *p, bool in_exec, size_t old_n, size_t n)
{
    if (!in_exec) return vm__realloc(p, n);
    void *np = vm__malloc(n);
    if (np) memcpy(np, p, old_n);
    return np;
}

bool vm__exec_grow_stack(vm_exec_t *ex, vm_slot **fp, vm_slot **nfp,
                         uint32_t need)
{
    size_t used = (size_t)(*nfp - ex->stack) + need;
    size_t cap = (size_t)(ex->stack_end - ex->stack);
    if (used > ex->max_slots) return false;
    while (cap < used) cap *= 2;
    if (cap > ex->max_slots) cap = ex->max_slots;
    vm_slot *ns = grow_block(ex->stack, stack_is_inline(ex),
                             (size_t)(ex->stack_end - ex->stack) * sizeof *ns,
                             cap * sizeof *ns);
    if (!ns) return false;
    /* Rebase every pointer into the old stack. */
    for (uint32_t i = 0; i < ex->depth; i++) ex->frames[i].fp = ns + (ex->frames[i].fp - ex->stack);
    *fp = ns + (*fp - ex->stack);
    *nfp = ns + (*nfp - ex->stack);
    ex->stack = ns;
    ex->stack_end = ns + cap;
    return true;
}

bool vm__exec_grow_frames(vm_exec_t *ex)
{
    if (ex->frames_cap >= ex->max_depth) return false;
    uint32_t cap = ex->frames_cap * 2 < ex->max_depth ? ex->frames_cap * 2 : ex->max_depth;
    vm_frame *nf = grow_block(ex->frames, frames_are_inline(ex),
                              (size_t)ex->frames_cap * sizeof *nf,
                              (size_t)cap * sizeof *nf);
    if (!nf) return false;
    ex->frames = nf;
    ex->frames_cap = cap;
    return true;
}

int vm_exec_call(vm_exec_t *ex, vm_func_t *f, const vm_value *args,
                 uint32_t nargs)
{
    if (!f || nargs != f->type->nparams) return LUN_EINVAL;
    uint32_t pslots = vm__slots_of_seq(f->type->params, nargs);
    uint32_t rslots = vm__slots_of_seq(f->type->results, f->type->nresults);
    uint32_t need = pslots > rslots ? pslots : rslots;
    const vm_code *c = f->host ? NULL : code_of(f->inst->module, f->func);
    if (!f->host && !c) return LUN_ENOMEM;
    if (c && c->frame_slots > need) need = c->frame_slots;
    vm_slot *fp = ex->stack, *nfp = ex->stack;
    ex->depth = 0;
    ex->charge = 0;
    ex->bulk_pc = NULL;
    if (ex->stack + need > ex->stack_end && !vm__exec_grow_stack(ex, &fp, &nfp, need))
        return LUN_ELIMIT;
    vm__values_to_slots(ex->stack, args, f->type->params, nargs);
    ex->entry = f;
    ex->exited = false;
    ex->trap = VM_TRAP_NONE;
    clear_trap_msg(ex);
    ex->caught = VM_TRAP_NONE;
    ex->state = VM_EXEC_READY;
    if (f->host) return 0;
    memset(ex->stack + c->nparams, 0, (size_t)c->nlocals * sizeof(vm_slot));
    ex->pc = c->ops;
    ex->fp = ex->stack;
    ex->inst = f->inst;
    return 0;
}

int vm_exec_host_call(vm_exec_t *ex, vm_func_t *f, const vm_value *args,
                      uint32_t nargs, bool catch_traps)
{
    vm_pending_call *p = &ex->pending;
    if (!f || f->host || nargs != f->type->nparams || nargs > 8) return LUN_EINVAL;
    p->func = f;
    p->nargs = nargs;
    p->catch_traps = catch_traps;
    if (nargs) memcpy(p->args, args, (size_t)nargs * sizeof *args);
    ex->caught = VM_TRAP_NONE;
    return 0;
}

vm_trap_kind vm_exec_caught_trap(const vm_exec_t *ex) { return ex->caught; }
uint64_t vm_exec_reductions_used(const vm_exec_t *ex) { return ex->reds_used; }

void vm_exec_charge(vm_exec_t *ex, uint64_t n)
{
    ex->charge = ex->charge + n < ex->charge ? UINT64_MAX : ex->charge + n;
}

size_t vm_exec_footprint(const vm_exec_t *ex)
{
    return vm__held(ex) + (stack_is_inline(ex) ? 0 : vm__held(ex->stack)) +
           (frames_are_inline(ex) ? 0 : vm__held(ex->frames)) +
           vm__held(ex->trap_msg);
}

uint32_t vm_exec_results(const vm_exec_t *ex, vm_value *out, uint32_t max)
{
    if (ex->state != VM_EXEC_DONE || ex->exited) return 0;
    uint32_t n = ex->entry->type->nresults;
    vm__slots_to_values(out, ex->stack, ex->entry->type->results, n < max ? n : max);
    return n;
}

vm_trap_kind vm_exec_trap(const vm_exec_t *ex) { return ex->trap; }

const char *vm_exec_trap_message(const vm_exec_t *ex)
{
    return ex->trap_msg && ex->trap_msg[0] ? ex->trap_msg
                                           : vm_trap_text(ex->trap);
}

const char *vm_trap_text(vm_trap_kind k)
{
    static const char *const texts[] = {
#define VM_TRAP_TEXT(name, text) text,
        VM_TRAP_MAP(VM_TRAP_TEXT)
#undef VM_TRAP_TEXT
    };
    return (unsigned)k < VM_TRAP_COUNT_ ? texts[k] : "unknown trap";
}

void vm_exec_set_trap(vm_exec_t *ex, vm_trap_kind kind, const char *msg)
{
    ex->trap = kind;
    char *buf = msg && msg[0] ? trap_msg_buf(ex) : NULL;
    if (buf)
        snprintf(buf, VM_TRAP_MSG_BYTES, "%s", msg);
    else
        clear_trap_msg(ex); /* no words (or no memory for them) */
}

vm_instance_t *vm_exec_caller(const vm_exec_t *ex) { return ex->caller; }
void vm_exec_set_userdata(vm_exec_t *ex, void *ud) { ex->userdata = ud; }
void *vm_exec_userdata(const vm_exec_t *ex) { return ex->userdata; }

/* }===== */

/* {===== disassembly of threaded code (developer aid: tools/vmdump) */

static const char *iop_name(int i)
{
    static const char *const names[IOP_COUNT_] = {
#define OP_LIST_NO_SIMD
#define OP(name, pfx, code, text, imm, sig, align) #name,
#include "op_list.h"
#undef OP_LIST_NO_SIMD
#define IOP(name, words) #name,
#include "iop_list.h"
#define SI(name, ...) #name,
#include "super_list.h"
    };
    return names[i];
}

void vm__code_dump(const vm_code *c, void (*out)(void *ud, const char *line),
                   void *ud)
{
    const void *const *h = vm__exec_handlers();
    char line[160];
    for (uint32_t i = 0; i < c->nops; i++) {
        int op = -1;
        for (int k = 0; k < IOP_COUNT_ && op < 0; k++)
            if (h[k] == c->ops[i].h) op = k;
        if (op < 0) continue; /* an operand word */
        snprintf(line, sizeof line, "%5u  %-22s %d %d | %d %d", i, iop_name(op),
                 i + 1 < c->nops ? c->ops[i + 1].s.a : 0,
                 i + 1 < c->nops ? c->ops[i + 1].s.b : 0,
                 i + 2 < c->nops ? c->ops[i + 2].s.a : 0,
                 i + 2 < c->nops ? c->ops[i + 2].s.b : 0);
        out(ud, line);
    }
}

/* }===== */

#ifdef VM_PROFILE
/* {===== pair profile */
static int prof_prev = -1; /* index of the previous handler */
static uint64_t prof_pairs[IOP_COUNT_][IOP_COUNT_];

static int handler_index(const void *h)
{
    const void *const *t = vm__exec_handlers();
    for (int k = 0; k < IOP_COUNT_; k++)
        if (t[k] == h) return k;
    return 0;
}

/* Handler address -> index through an open-addressed table: a linear
 * search per executed instruction made profiled runs 50x slower. */
static void profile_hit(const void *h)
{
    enum { CAP = 4096 }; /* a power of two, > 2 * IOP_COUNT_ */
    static const void *keys[CAP];
    static int vals[CAP];
    size_t k = ((uintptr_t)h >> 3) & (CAP - 1);
    while (keys[k] && keys[k] != h) k = (k + 1) & (CAP - 1);
    if (!keys[k]) {
        keys[k] = h;
        vals[k] = handler_index(h);
    }
    prof_pairs[prof_prev < 0 ? 0 : prof_prev][vals[k]]++;
    prof_prev = vals[k];
}

/* Prints the most frequent pairs and single instructions. */
void vm__profile_dump(void (*out)(void *ud, const char *line), void *ud);
void vm__profile_dump(void (*out)(void *ud, const char *line), void *ud)
{
    char line[128];
    uint64_t single[IOP_COUNT_] = {0}, total = 0;
    for (int a = 0; a < IOP_COUNT_; a++)
        for (int b = 0; b < IOP_COUNT_; b++) single[b] += prof_pairs[a][b];
    for (int b = 0; b < IOP_COUNT_; b++) total += single[b];
    for (int round = 0; round < 25; round++) {
        int best = 0;
        for (int b = 0; b < IOP_COUNT_; b++) if (single[b] > single[best]) best = b;
        if (!single[best]) break;
        snprintf(line, sizeof line, "op   %5.1f%%  %s", 100.0 * (double)single[best] / (double)total, iop_name(best));
        out(ud, line);
        single[best] = 0;
    }
    for (int round = 0; round < 25; round++) {
        int ba = 0, bb = 0;
        for (int a = 0; a < IOP_COUNT_; a++)
            for (int b = 0; b < IOP_COUNT_; b++)
                if (prof_pairs[a][b] > prof_pairs[ba][bb]) { ba = a; bb = b; }
        if (!prof_pairs[ba][bb]) break;
        snprintf(line, sizeof line, "pair %5.1f%%  %s -> %s", 100.0 * (double)prof_pairs[ba][bb] / (double)total, iop_name(ba), iop_name(bb));
        out(ud, line);
        prof_pairs[ba][bb] = 0;
    }
}
static void print_to_stderr(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

__attribute__((destructor)) static void profile_at_exit(void)
{
    vm__profile_dump(print_to_stderr, NULL);
}
/* }===== */
#endif
