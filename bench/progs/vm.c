/* vm: a tiny stack-based bytecode interpreter with a switch dispatch loop, running a
 * hand-assembled program (nested loops, arithmetic, a call/return pair, a GCD loop). */
#define BENCH_NAME "vm"
#include "bench.h"

#define OUTER BENCH_SIZE(1000000, 10000)

enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_XOR, OP_SHR,
    OP_LT, OP_JMP, OP_JZ, OP_JNZ, OP_DUP, OP_DROP, OP_CALL, OP_RET, OP_MOD, OP_INC
};

/* locals */
enum { L_I, L_N, L_ACC, L_J, L_A, L_B, L_T, L_NLOCALS };

static int32_t code[256];
static int ncode;
static void emit(int32_t v) { code[ncode++] = v; }
static void op1(int32_t op, int32_t arg) { emit(op); emit(arg); }

/* acc = 0; for i in [0,n): { for j in [0,8): acc = acc*33 ^ (i+j);
 *                            acc += gcd(i^1, (acc & 1023)+1) via CALL } */
static void assemble(void) {
    op1(OP_PUSH, 0); op1(OP_STORE, L_ACC);
    op1(OP_PUSH, 0); op1(OP_STORE, L_I);
    int loop_i = ncode;
    op1(OP_LOAD, L_I); op1(OP_LOAD, L_N); emit(OP_LT);
    op1(OP_JZ, 0); int exit_patch = ncode - 1;
    op1(OP_PUSH, 0); op1(OP_STORE, L_J);
    int loop_j = ncode;
    op1(OP_LOAD, L_ACC); op1(OP_PUSH, 33); emit(OP_MUL);
    op1(OP_LOAD, L_I); op1(OP_LOAD, L_J); emit(OP_ADD); emit(OP_XOR); op1(OP_STORE, L_ACC);
    op1(OP_INC, L_J); op1(OP_LOAD, L_J); op1(OP_PUSH, 8); emit(OP_LT); op1(OP_JNZ, loop_j);
    /* gcd call: a = i|1, b = (acc & 1023) + 1 */
    op1(OP_LOAD, L_I); op1(OP_PUSH, 1); emit(OP_XOR); op1(OP_STORE, L_A);
    op1(OP_LOAD, L_ACC); op1(OP_PUSH, 1023); emit(OP_AND); op1(OP_PUSH, 1); emit(OP_ADD); op1(OP_STORE, L_B);
    op1(OP_CALL, 0); int call_patch = ncode - 1;
    op1(OP_LOAD, L_ACC); emit(OP_ADD); op1(OP_STORE, L_ACC);
    op1(OP_INC, L_I); op1(OP_JMP, loop_i);
    code[exit_patch] = ncode;
    op1(OP_LOAD, L_ACC); emit(OP_HALT);
    /* gcd(a, b) -> pushes result; uses locals A, B, T */
    code[call_patch] = ncode;
    int gcd_loop = ncode;
    op1(OP_LOAD, L_B); op1(OP_JZ, 0); int gcd_done = ncode - 1;
    op1(OP_LOAD, L_A); op1(OP_LOAD, L_B); emit(OP_MOD); op1(OP_STORE, L_T);
    op1(OP_LOAD, L_B); op1(OP_STORE, L_A); op1(OP_LOAD, L_T); op1(OP_STORE, L_B);
    op1(OP_JMP, gcd_loop);
    code[gcd_done] = ncode;
    op1(OP_LOAD, L_A); emit(OP_RET);
}

static uint32_t run(const int32_t *pc0, uint32_t n) {
    uint32_t stack[64], locals[L_NLOCALS] = {0};
    int rstack[8];
    int sp = 0, rsp = 0, pc = 0;
    locals[L_N] = n;
    for (;;) {
        int32_t op = pc0[pc++];
        switch (op) {
        case OP_HALT: return stack[sp - 1];
        case OP_PUSH: stack[sp++] = (uint32_t)pc0[pc++]; break;
        case OP_LOAD: stack[sp++] = locals[pc0[pc++]]; break;
        case OP_STORE: locals[pc0[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] >>= (stack[sp] & 31); break;
        case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_JMP: pc = pc0[pc]; break;
        case OP_JZ: pc = stack[--sp] ? pc + 1 : pc0[pc]; break;
        case OP_JNZ: pc = stack[--sp] ? pc0[pc] : pc + 1; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_DROP: sp--; break;
        case OP_CALL: rstack[rsp++] = pc + 1; pc = pc0[pc]; break;
        case OP_RET: pc = rstack[--rsp]; break;
        case OP_INC: locals[pc0[pc++]]++; break;
        default: return 0xdeadu;
        }
    }
}

static volatile uint32_t outer = OUTER;

uint32_t bench_run(void) {
    assemble();
    uint32_t r = run(code, outer);
    return r;
}
