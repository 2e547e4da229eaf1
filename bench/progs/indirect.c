/* indirect: indirect-call heavy work: objects dispatching through per-class vtables
 * (virtual calls) and an operator table of function pointers chosen by data. */
#define BENCH_NAME "indirect"
#include "bench.h"

#define NOBJ 512
#define PASSES BENCH_SIZE(15000, 40)

typedef struct obj obj;
typedef struct {
    uint32_t (*step)(obj *, uint32_t);
    uint32_t (*score)(const obj *);
} vtable;
struct obj {
    const vtable *vt;
    uint32_t a, b;
};

static uint32_t step_add(obj *o, uint32_t x) { o->a += x; return o->a; }
static uint32_t step_mul(obj *o, uint32_t x) { o->a = o->a * 3u + x; return o->a >> 3; }
static uint32_t step_swap(obj *o, uint32_t x) { uint32_t t = o->a; o->a = o->b ^ x; o->b = t; return t; }
static uint32_t step_rot(obj *o, uint32_t x) { o->b = (o->b << 5 | o->b >> 27) + x; return o->b; }
static uint32_t score_a(const obj *o) { return o->a; }
static uint32_t score_b(const obj *o) { return o->b * 7u; }
static uint32_t score_ab(const obj *o) { return o->a ^ o->b; }

static const vtable classes[6] = {
    {step_add, score_a}, {step_mul, score_b}, {step_swap, score_ab},
    {step_rot, score_a}, {step_add, score_ab}, {step_mul, score_a},
};

typedef uint32_t (*binop)(uint32_t, uint32_t);
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
static uint32_t op_rol(uint32_t a, uint32_t b) {
    int r = (int)(b & 15) + 1; /* 1..16: never a shift by 32 */
    return a << r | a >> (32 - r);
}
static uint32_t op_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t op_max(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t op_avg(uint32_t a, uint32_t b) { return (a & b) + ((a ^ b) >> 1); }
static const binop ops[8] = {op_add, op_sub, op_xor, op_mul, op_rol, op_min, op_max, op_avg};

static obj objs[NOBJ];

uint32_t bench_run(void) {
    uint32_t seed = 77;
    for (int i = 0; i < NOBJ; i++) {
        objs[i].vt = &classes[bench_rng(&seed) % 6];
        objs[i].a = bench_rng(&seed);
        objs[i].b = bench_rng(&seed);
    }
    uint8_t opsel[NOBJ];
    for (int i = 0; i < NOBJ; i++) opsel[i] = (uint8_t)(bench_rng(&seed) & 7);
    uint32_t acc = 1;
    for (uint32_t p = 0; p < PASSES; p++) {
        for (int i = 0; i < NOBJ; i++) {
            obj *o = &objs[i];
            uint32_t v = o->vt->step(o, acc + p);
            acc = ops[opsel[i]](acc, v);
            acc = ops[(acc >> 29) & 7](acc, o->vt->score(o));
        }
        /* every pass, a few objects change class so call targets keep moving */
        objs[p % NOBJ].vt = &classes[acc % 6];
    }
    return acc;
}
