/* dispatch.c: a prototype to compare two dispatch techniques for the
 * interpreter on the same threaded code: computed goto (what vm/exec.c
 * does) and tail calls that clang guarantees (`musttail`: one function per
 * handler, the hot state passed in argument registers).
 *
 * Only the handlers that recursive fib runs are written, with the same
 * operand layout and the same work per handler as vm/exec.c (reduction
 * counting, frame push of ret_pc/fp/inst/catch, four zeroed locals, the
 * frame-limit and stack-limit tests), and the code is what vm/compile.c
 * emits for the anchor fib (see `vmdump fib.wasm 8`). Build and run with
 * bench/dispatch/run.sh; it prints fib(N) and the seconds it took.
 *
 *   -DTAIL   tail-call dispatch (clang only: needs musttail)
 *   default  computed goto
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef union value {
    uint32_t u32;
    uint64_t u64;
} value;

typedef union op {
    const void *h;
    const union op *target;
    struct {
        int32_t a, b;
    } s;
} op;

typedef struct frame {
    const op *ret_pc;
    value *fp;
    void *inst;
    uint32_t catch_results;
} frame;

typedef struct state {
    frame *frames_end;
    value *stack_end;
    const op *fib_code;
    uint32_t fib_slots;
} state;

enum { H_BR_LT_U_I, H_ADD_I, H_CALL, H_ADD, H_BR_ADDI_GT_U_I, H_ADD_RET, H_COUNT };

/* fib(n) as vm/compile.c emits it: operands as in `vmdump` */
static void build_fib(op *code, const void *const *h)
{
    op c[18];
    memset(c, 0, sizeof c);
    c[0].h = h[H_BR_LT_U_I]; c[1].s.a = 0; c[1].s.b = 2; c[2].target = code + 16;
    c[3].h = h[H_ADD_I]; c[4].s.a = 2; c[4].s.b = 0; c[5].s.a = -1;
    c[6].h = h[H_CALL]; c[7].s.a = 2;
    c[9].h = h[H_ADD]; c[10].s.a = 1; c[10].s.b = 2; c[11].s.a = 1;
    c[12].h = h[H_BR_ADDI_GT_U_I]; c[13].s.a = 0; c[13].s.b = 0; c[14].s.a = -2;
    c[14].s.b = 1; c[15].target = code + 3;
    c[16].h = h[H_ADD_RET]; c[17].s.a = 0; c[17].s.b = 1;
    memcpy(code, c, sizeof c);
}

#define A1 (pc[1].s.a)
#define B1 (pc[1].s.b)
#define A2 (pc[2].s.a)
#define B2 (pc[2].s.b)

static frame frames[4096];
static value stack[1 << 16];
static op fib_code[18];

#ifdef TAIL
/* {===== tail calls: each handler a function; pc, fp, frame and the
 * reduction budget stay in argument registers across handlers */
#if !defined(__clang__)
#error "-DTAIL needs clang's musttail"
#endif
#define ARGS const op *pc, value *fp, frame *fr, int64_t reds, state *st
#define PASS pc, fp, fr, reds, st
typedef uint64_t handler(ARGS);
#define NEXT(n) do { pc += (n); __attribute__((musttail)) return ((handler *)pc->h)(PASS); } while (0)
#define BRANCH(t)                                                            \
    do {                                                                     \
        pc = (t);                                                            \
        if (--reds < 0) return 0;                                            \
        __attribute__((musttail)) return ((handler *)pc->h)(PASS);           \
    } while (0)

static uint64_t h_br_lt_u_i(ARGS)
{
    if (fp[A1].u32 < (uint32_t)B1) BRANCH(pc[2].target);
    NEXT(3);
}
static uint64_t h_add_i(ARGS)
{
    fp[A1].u32 = fp[B1].u32 + (uint32_t)A2;
    NEXT(3);
}
static uint64_t h_add(ARGS)
{
    fp[A1].u32 = fp[B1].u32 + fp[A2].u32;
    NEXT(3);
}
static uint64_t h_br_addi_gt_u_i(ARGS)
{
    value a = fp[B1];
    a.u32 += (uint32_t)A2;
    fp[A1].u32 = a.u32;
    if (a.u32 > (uint32_t)B2) BRANCH(pc[3].target);
    NEXT(4);
}
static uint64_t h_call(ARGS)
{
    value *nfp = fp + A1;
    if (--reds < 0) return 0;
    if (nfp + st->fib_slots > st->stack_end) return 0;
    if (fr == st->frames_end) return 0;
    fr->ret_pc = pc + 3;
    fr->fp = fp;
    fr->inst = st;
    fr->catch_results = 0;
    fr++;
    nfp[1].u64 = nfp[2].u64 = nfp[3].u64 = nfp[4].u64 = 0;
    fp = nfp;
    pc = st->fib_code;
    __attribute__((musttail)) return ((handler *)pc->h)(PASS);
}
static uint64_t h_add_ret(ARGS)
{
    fp[0].u32 = fp[A1].u32 + fp[B1].u32;
    if (fr == frames) return fp[0].u32 | (1ull << 32); /* done */
    fr--;
    if (fr->inst != st) return 0; /* as RETURN's test for another instance */
    pc = fr->ret_pc;
    fp = fr->fp;
    __attribute__((musttail)) return ((handler *)pc->h)(PASS);
}

static uint32_t run(uint32_t n)
{
    static const void *const h[H_COUNT] = {
        (const void *)h_br_lt_u_i, (const void *)h_add_i, (const void *)h_call,
        (const void *)h_add, (const void *)h_br_addi_gt_u_i, (const void *)h_add_ret};
    state st = {frames + 4096, stack + (1 << 16), fib_code, 5};
    build_fib(fib_code, h);
    stack[0].u32 = n;
    stack[1].u64 = 0;
    uint64_t r = ((handler *)fib_code[0].h)(fib_code, stack, frames, INT64_MAX, &st);
    if (!(r >> 32)) { fprintf(stderr, "stopped early\n"); exit(1); }
    return (uint32_t)r;
}
/* }===== */
#else
/* {===== computed goto, as vm/exec.c */
#define NEXT(n) do { pc += (n); goto *pc->h; } while (0)
#define BRANCH(t)                                                            \
    do {                                                                     \
        pc = (t);                                                            \
        if (--reds < 0) goto stop;                                           \
        goto *pc->h;                                                         \
    } while (0)

static uint32_t run(uint32_t n)
{
    static const void *const h[H_COUNT] = {&&L_BR_LT_U_I, &&L_ADD_I, &&L_CALL,
                                           &&L_ADD, &&L_BR_ADDI_GT_U_I, &&L_ADD_RET};
    state st = {frames + 4096, stack + (1 << 16), fib_code, 5};
    build_fib(fib_code, h);
    const op *pc = fib_code;
    value *fp = stack;
    frame *fr = frames;
    int64_t reds = INT64_MAX;
    fp[0].u32 = n;
    fp[1].u64 = 0;
    goto *pc->h;
L_BR_LT_U_I:
    if (fp[A1].u32 < (uint32_t)B1) BRANCH(pc[2].target);
    NEXT(3);
L_ADD_I:
    fp[A1].u32 = fp[B1].u32 + (uint32_t)A2;
    NEXT(3);
L_ADD:
    fp[A1].u32 = fp[B1].u32 + fp[A2].u32;
    NEXT(3);
L_BR_ADDI_GT_U_I: {
    value a = fp[B1];
    a.u32 += (uint32_t)A2;
    fp[A1].u32 = a.u32;
    if (a.u32 > (uint32_t)B2) BRANCH(pc[3].target);
    NEXT(4);
}
L_CALL: {
    value *nfp = fp + A1;
    if (--reds < 0) goto stop;
    if (nfp + st.fib_slots > st.stack_end) goto stop;
    if (fr == st.frames_end) goto stop;
    fr->ret_pc = pc + 3;
    fr->fp = fp;
    fr->inst = &st;
    fr->catch_results = 0;
    fr++;
    nfp[1].u64 = nfp[2].u64 = nfp[3].u64 = nfp[4].u64 = 0;
    fp = nfp;
    pc = st.fib_code;
    goto *pc->h;
}
L_ADD_RET:
    fp[0].u32 = fp[A1].u32 + fp[B1].u32;
    if (fr == frames) return fp[0].u32;
    fr--;
    if (fr->inst != &st) goto stop; /* as RETURN's test for another instance */
    pc = fr->ret_pc;
    fp = fr->fp;
    goto *pc->h;
stop:
    fprintf(stderr, "stopped early\n");
    exit(1);
}
/* }===== */
#endif

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 32, reps = argc > 2 ? (uint32_t)atoi(argv[2]) : 10;
    struct timespec t0, t1;
    uint32_t acc = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t r = 0; r < reps; r++) acc += run(n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("fib(%u) x%u = %u in %.3f s\n", n, reps, acc,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    return 0;
}
