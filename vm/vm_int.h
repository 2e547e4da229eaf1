/* vm_int.h: the interpreter's internal structures and cross-file calls.
 * Shared by opcodes.c, decode.c, module.c, validate.c, instance.c,
 * memory.c, table.c, compile.c and exec.c; never included outside vm/ (and
 * its tests). */
#ifndef LUN_VM_INT_H
#define LUN_VM_INT_H

#include "vm.h"
#include "vm_endian.h"

#include <stdint.h>
#include <string.h>

/* GNU C is used where it helps (computed goto, bit-count builtins, branch
 * hints, noinline) with an ISO C fallback for other compilers; build with
 * -DVM_STRICT_C to get every fallback from GCC too (make VARIANT=portable). */
#if defined(__GNUC__) && !defined(VM_STRICT_C)
#define VM_NOINLINE __attribute__((noinline))
#else
#define VM_NOINLINE
#endif

/* {===== limits (DESIGN.md: everything the input controls is bounded) */

#define VM_MAX_PAGES 65536u          /* 4 GiB of 64 KiB pages */
#define VM_PAGE_SIZE 65536u
#define VM_MAX_FUNCS 1000000u        /* functions in a module */
#define VM_MAX_LOCALS 50000u         /* params + locals of one function */
#define VM_MAX_TABLE_SIZE 10000000u  /* elements in one table */
#define VM_MAX_NESTING 10000u        /* block nesting depth in one body */
#define VM_MAX_BR_TABLE 65520u       /* targets of one br_table */
#define VM_DEFAULT_STACK_SLOTS (1u << 20)
#define VM_DEFAULT_CALL_DEPTH 10000u

/* }===== */
/* {===== memory (alloc.c): every allocation of vm/ goes through these, and
 * they through the embedder's vm_allocator */

/* Like malloc, calloc, realloc and free; the block keeps its size so the
 * allocator can be told it. vm__realloc leaves p valid when it fails. */
void *vm__malloc(size_t n);
void *vm__calloc(size_t count, size_t elem);
void *vm__realloc(void *p, size_t n);
void vm__free(void *p);
/* What the block p (from vm__malloc; NULL: 0) takes from the allocator:
 * its header, and the pool's rounding (the footprint metrics). */
size_t vm__held(const void *p);
/* Blocks whose owner knows their size (linear memories): no header. Grow
 * zeroes the bytes past old_size. */
void *vm__block_alloc_zeroed(size_t n);
void *vm__block_grow_zeroed(void *p, size_t old_size, size_t new_size);
void vm__block_free(void *p, size_t size);

/* }===== */
/* {===== opcodes */

/* Immediate formats of the wasm opcodes (the IMM column of op_list.h). */
enum vm_imm {
    IMM_NONE,
    IMM_BLOCKTYPE,     /* s33: -64 empty, -1..-17 a valtype, >=0 a type index */
    IMM_LABEL,         /* u32 relative depth */
    IMM_BRTABLE,       /* vec(u32) then u32 default */
    IMM_FUNC,          /* u32 funcidx */
    IMM_CALL_INDIRECT, /* u32 typeidx, u32 tableidx */
    IMM_SELECT_T,      /* vec(valtype) */
    IMM_LOCAL,         /* u32 localidx */
    IMM_GLOBAL,        /* u32 globalidx */
    IMM_TABLE,         /* u32 tableidx */
    IMM_MEMARG,        /* u32 align, u32 offset */
    IMM_MEMIDX,        /* one byte, must be 0x00 */
    IMM_I32,           /* s32 */
    IMM_I64,           /* s64 */
    IMM_F32,           /* 4 bytes little-endian */
    IMM_F64,           /* 8 bytes little-endian */
    IMM_REFTYPE,       /* one byte: 0x70 funcref or 0x6f externref */
    IMM_DATA_MEM,      /* u32 dataidx, byte 0x00 */
    IMM_DATA,          /* u32 dataidx */
    IMM_MEM_MEM,       /* bytes 0x00 0x00 */
    IMM_ELEM_TABLE,    /* u32 elemidx, u32 tableidx */
    IMM_ELEM,          /* u32 elemidx */
    IMM_TABLE_TABLE,   /* u32 dst tableidx, u32 src tableidx */
    IMM_V128,          /* 16 bytes: v128.const */
    IMM_SHUFFLE,       /* 16 lane indices (bytes) < 32: i8x16.shuffle */
    IMM_LANE,          /* one byte, a lane index */
    IMM_MEMARG_LANE    /* a memarg, then a lane index byte */
};

enum vm_opcode {
#define OP(name, pfx, code, text, imm, sig, align) OP_##name,
#include "op_list.h"
    OP_COUNT_
};

/* The SIMD opcodes (simd_list.h) come last in enum vm_opcode. */
#define OP_SIMD_FIRST_ OP_V128_LOAD

/* Per-opcode facts expanded from op_list.h (defined in opcodes.c). */
typedef struct vm_opinfo {
    const char *text;
    uint8_t prefix, code, imm, align;
    const char *sig; /* "ii:i" or "" */
} vm_opinfo;
extern const vm_opinfo vm__opinfo[OP_COUNT_];
extern const uint8_t vm__simd_lanes[OP_COUNT_]; /* lane immediates' limit */

/* Maps an opcode byte (prefix 0) or a 0xfc or 0xfd sub-opcode to enum
 * vm_opcode; returns -1 for bytes that are no opcode. */
int vm__opcode_of(uint8_t prefix, uint32_t code);

/* }===== */
/* {===== the bounds-checked byte reader (decode, validate and compile) */

typedef struct vm_reader {
    const uint8_t *p, *end;
    const uint8_t *base; /* start of the module: offsets in errors */
} vm_reader;

static inline size_t vm__reader_offset(const vm_reader *r)
{
    return (size_t)(r->p - r->base);
}

/* Each returns 0, or LUN_EMALFORMED on truncation or a bad encoding
 * (too long, or unused bits of the last byte not zero/sign bits). */
static inline int vm__read_u8(vm_reader *r, uint8_t *out)
{
    if (r->p >= r->end) return LUN_EMALFORMED;
    *out = *r->p++;
    return 0;
}

static inline int vm__read_uleb(vm_reader *r, unsigned bits, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) return LUN_EMALFORMED;
        uint8_t b = *r->p++;
        if (shift + 7 > bits && (b & 0x7f) >> (bits - shift)) return LUN_EMALFORMED;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
        if (shift >= bits) return LUN_EMALFORMED;
    }
    *out = v;
    return 0;
}

static inline int vm__read_sleb(vm_reader *r, unsigned bits, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        if (r->p >= r->end) return LUN_EMALFORMED;
        b = *r->p++;
        if (shift + 7 > bits) {
            /* Last byte: bits beyond `bits` must all equal the sign bit. */
            unsigned used = bits - shift; /* 1..7 value bits in this byte */
            uint8_t top = (uint8_t)((b & 0x7f) >> (used - 1)); /* sign and up */
            uint8_t ones = (uint8_t)(0x7f >> (used - 1));
            if ((b & 0x80) || (top != 0 && top != ones)) return LUN_EMALFORMED;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
        if (shift >= bits) return LUN_EMALFORMED;
    }
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return 0;
}

static inline int vm__read_u32(vm_reader *r, uint32_t *out)
{
    uint64_t v = 0; /* gcc -O1 cannot see vm__read_uleb sets it on success */
    int rc = vm__read_uleb(r, 32, &v);
    *out = (uint32_t)v;
    return rc;
}

/* }===== */
/* {===== modules (decode.c fills these; immutable after vm_module_load) */

typedef struct vm_functype {
    uint32_t nparams, nresults;
    uint8_t *params, *results; /* vm_valtype bytes */
} vm_functype;

typedef struct vm_limits {
    uint64_t min, max;
    bool has_max;
} vm_limits;

typedef struct vm_tabletype {
    uint8_t elemtype; /* VM_FUNCREF or VM_EXTERNREF */
    vm_limits lim;
} vm_tabletype;

typedef struct vm_globaltype {
    uint8_t type;
    bool mut;
} vm_globaltype;

/* A constant expression: instructions up to and including the final end,
 * pointing into the module's bytes. Validated by validate.c, evaluated at
 * instantiation by vm__constexpr_eval(). */
typedef struct vm_constexpr {
    const uint8_t *code;
    uint32_t len;
    uint32_t offset; /* file offset, for error messages */
    /* A lone numeric constant (what toolchains emit for data offsets and
     * most globals) is decoded once, at load: instantiation then reads
     * `value` instead of the bytes. */
    bool is_const;
    vm_value value;
} vm_constexpr;

typedef struct vm_import {
    char *module, *name; /* NUL-terminated copies (may also hold NULs) */
    uint32_t module_len, name_len;
    uint8_t kind; /* vm_extern_kind */
    union {
        uint32_t type_idx; /* func */
        vm_tabletype table;
        vm_limits mem;
        vm_globaltype global;
    } u;
} vm_import;

struct vm_code; /* compiled threaded code: compile.c */

/* A function of the module; the first nfunc_imports are imports and have
 * no body. */
typedef struct vm_func {
    uint32_t type_idx;
    const vm_functype *type;
    uint32_t nlocals;         /* declared locals, not counting params */
    uint8_t *local_types;     /* nlocals valtypes */
    const uint8_t *body;      /* first instruction, inside module bytes */
    uint32_t body_len;        /* through the final end */
    uint32_t body_offset;     /* file offset of body[0] */
    const char *name;         /* from the name section, or NULL */
    struct vm_code *code;     /* compiled lazily; atomic publish, see below */
} vm_func;

typedef struct vm_global_def {
    vm_globaltype type;
    vm_constexpr init; /* len 0 for imported globals */
} vm_global_def;

typedef struct vm_export {
    char *name;
    uint32_t name_len;
    uint8_t kind; /* vm_extern_kind */
    uint32_t index;
} vm_export;

enum vm_segmode { VM_SEG_ACTIVE, VM_SEG_PASSIVE, VM_SEG_DECLARATIVE };

/* An element item: both encodings (function indices or expressions)
 * decode to these three forms. */
enum vm_item_kind { VM_ITEM_FUNC, VM_ITEM_NULL, VM_ITEM_GLOBAL };
typedef struct vm_elem_item {
    uint8_t kind;
    uint32_t index; /* funcidx or globalidx */
} vm_elem_item;

typedef struct vm_elem {
    uint8_t mode;    /* enum vm_segmode */
    uint8_t reftype; /* VM_FUNCREF or VM_EXTERNREF */
    uint32_t table;
    vm_constexpr offset; /* active only */
    uint32_t count;
    vm_elem_item *items;
} vm_elem;

typedef struct vm_data {
    uint8_t mode; /* VM_SEG_ACTIVE or VM_SEG_PASSIVE */
    uint32_t memory;
    vm_constexpr offset;
    const uint8_t *bytes;
    uint32_t len;
} vm_data;

struct vm_module {
    uint8_t *bytes; /* owned copy of the binary; everything points here */
    size_t len;
    vm_config cfg;

    vm_functype *types;
    uint32_t ntypes;
    vm_import *imports;
    uint32_t nimports;

    vm_func *funcs; /* imports first */
    uint32_t nfuncs, nfunc_imports;
    vm_tabletype *tables;
    uint32_t ntables, ntable_imports;
    vm_limits *mems;
    uint32_t nmems, nmem_imports;
    vm_global_def *globals;
    uint32_t nglobals, nglobal_imports;

    vm_export *exports;
    uint32_t nexports;
    bool has_start;
    uint32_t start;
    vm_elem *elems;
    uint32_t nelems;
    vm_data *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;

    /* Functions that ref.func may name in a body: those referenced outside
     * function bodies (elements, exports, global initialisers). One bit per
     * function; set by validate.c. */
    uint8_t *func_refs;

    char **type_texts; /* per import/export, for vm_import_info.type_text */

    /* Per defined table (ntables - ntable_imports), the entries the active
     * segments give it (function index + 1, or 0), or NULL when planning
     * does not apply (see vm__table_plans_make). */
    uint32_t **table_plans;

    /* The initial memory the active data segments make (image.c): when
     * has_image, memory 0 starts as zeros with image_len bytes of image
     * at image_at (image NULL when they are all zero). */
    bool has_image;
    uint8_t *image;
    uint32_t image_at, image_len;
};

/* decode.c: parse the whole binary into a module (no body validation). */
int vm__decode(const uint8_t *bytes, size_t len, const vm_config *cfg,
               vm_module_t **out, char *err, size_t errlen);
/* validate.c: validate every body and constant expression; fills
 * func_refs. Returns 0 or LUN_EINVALID/LUN_EMALFORMED with err set. */
int vm__validate(vm_module_t *m, char *err, size_t errlen);
/* module.c: frees what vm__decode allocated (also on its failure paths). */
void vm__module_free(vm_module_t *m);
/* module.c: the type text of every import then export (vm_import_info);
 * false when out of memory (what was made is freed with the module). */
bool vm__module_type_texts(vm_module_t *m);

/* Value types as text ("i32", "funcref"; "?" if none), and from the
 * letters of signature strings (i I f F r e; 0 for any other). */
const char *vm__valtype_name(uint8_t t);
uint8_t vm__valtype_of_letter(char c);

/* Formats into err (may be NULL): "type section (offset 0x1f): reason"
 * for the decoder and validator; returns rc. */
int vm__errorf(int rc, char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* }===== */
/* {===== instances (instance.c, memory.c, table.c) */

/* A function as seen at run time: a module function of an instance, or a
 * host function. funcref values are pointers to these. */
struct vm_funcinst {
    const vm_functype *type;
    vm_instance_t *inst; /* NULL for host functions */
    vm_func *func;       /* the module's function; NULL for host */
    vm_host_fn host;
    void *host_ud;
    const char *name;
    vm_functype host_type; /* storage for host functions' type */
};

struct vm_memory {
    uint8_t *data;
    uint64_t size; /* bytes = pages * 64 KiB */
    uint32_t pages, max_pages;
    bool has_max;
    const vm_mem_provider *provider; /* NULL: vm__block_* (alloc.c) */
    size_t cap;                      /* the provider's block capacity */
    /* Lazy (image.c): no block yet, size 0 so that the first access traps
     * into vm__memory_materialize; pages holds the real size, image_of
     * the module whose image it starts as. */
    bool lazy;
    const struct vm_module *image_of;
};

struct vm_table {
    uint8_t elemtype;
    uint32_t size, max;
    bool has_max;
    uint64_t *elems; /* ref values: vm_funcinst pointer or externref; 0 null */
    /* A table an instance owns may start "planned": its active element
     * segments are not written at instantiation, and a null entry i < size
     * with plan[i] != 0 stands for function plan[i] - 1 of owner. Only
     * call_indirect reads through the plan; every other access first
     * materializes the whole table (vm__table_materialize), so spawning a
     * process makes no function objects for tables it never calls through. */
    const uint32_t *plan; /* NULL once materialized */
    vm_instance_t *owner;
};

struct vm_global {
    uint8_t type;
    bool mut;
    vm_value val;
};

struct vm_instance {
    vm_module_t *module;
    struct vm_funcinst *const *imports; /* nfunc_imports: the exporters' */
    /* Defined functions' runtime objects, made lazily (vm__funcinst): an
     * open-addressed map keyed by function, because a process uses a few
     * of a module's thousands of functions as values. */
    struct vm_funcinst **fmap; /* fmap_small until it outgrows it */
    uint32_t fmap_cap, fmap_n;
    struct vm_funcinst *fmap_small[8];
    /* The first function objects made (a process's entry point and the
     * first function it calls through a table) live here, not in blocks
     * of their own. */
    uint32_t fi_small_used;
    struct vm_funcinst fi_small[2];
    struct vm_table **tables;
    struct vm_memory **mems;
    struct vm_global **globals;
    struct vm_memory *mem0; /* mems[0], or &vm__no_memory: never NULL, so
                               the interpreter reloads it without a test */
    uint8_t *elem_dropped, *data_dropped; /* one byte per segment */
    /* objects this instance created (freed with it) */
    struct vm_table *own_tables;
    struct vm_memory *own_mems;
    struct vm_global *own_globals;
    uint32_t max_pages; /* from vm_config */
    const vm_mem_provider *mem_provider; /* from vm_config, or NULL */
};

/* The memory of instances that have none: size 0, so every access traps. */
extern struct vm_memory vm__no_memory;

/* The runtime object of function idx of inst, made on first use (NULL
 * only when out of memory). An instance is used by one thread at a time. */
struct vm_funcinst *vm__funcinst(vm_instance_t *inst, uint32_t idx);

/* Writes every planned entry of t (see struct vm_table); false when out
 * of memory. Cheap once done. */
bool vm__table_materialize_slow(struct vm_table *t);
static inline bool vm__table_materialize(struct vm_table *t)
{
    return t->plan == NULL || vm__table_materialize_slow(t);
}
/* call_indirect's slow path: entry i (< size) of t is null; resolves it
 * through the plan (NULL: it is really null, or out of memory). */
struct vm_funcinst *vm__table_planned(struct vm_table *t, uint32_t i);
/* At module load (module.c, after vm__constexprs_precompute): when every
 * active element segment has a constant offset, only function or null
 * items, and fits a table the module defines, records m->table_plans;
 * otherwise instances apply the segments one by one. False only when out
 * of memory. */
bool vm__table_plans_make(vm_module_t *m);

/* image.c. At load, after vm__constexprs_precompute: sets has_image and
 * builds the image; false only when out of memory. */
bool vm__image_make(vm_module_t *m);
/* Copies m's image into a zeroed memory block of at least its size. */
void vm__image_apply(const vm_module_t *m, uint8_t *data);
/* Marks inst's active data segments dropped (what applying them does). */
void vm__image_drop_segments(vm_instance_t *inst);
/* memory.c: gives a lazy memory its block and image; true if it has one
 * now. */
bool vm__memory_materialize(struct vm_memory *mem);

/* Gives a memory's block back (to its provider, or the allocator). */
void vm__memory_release(struct vm_memory *mem);

/* After validation: marks the module's lone-constant expressions
 * (vm_constexpr.is_const). */
void vm__constexprs_precompute(vm_module_t *m);

/* Evaluate a validated constant expression in inst (globals and functions
 * already set up). */
void vm__constexpr_eval(vm_instance_t *inst, const vm_constexpr *e,
                        vm_value *out);

/* memory.copy's memmove and memory.fill's memset, n > 0 (bulk.c): moves of
 * up to VM_WIDE_BULK_MAX bytes avoid the C library where the CPU allows. */
#define VM_WIDE_BULK_MAX 256
void vm__copy_bytes(uint8_t *dst, const uint8_t *src, size_t n);
void vm__fill_bytes(uint8_t *dst, uint8_t value, size_t n);

/* What bulk memory work costs in reductions (a reduction is ~5 ns of
 * interpreted code; copying 64 bytes takes about that), and the chunk in
 * which a long memory.copy or memory.fill checks its budget. memory.grow
 * costs a reduction per 4 KiB page it maps. */
#define VM_BULK_BYTES_PER_RED 64
#define VM_BULK_CHUNK (64 * 1024)
#define VM_GROW_REDS_PER_PAGE (VM_PAGE_SIZE / 4096)
enum vm_bulk_kind { VM_BULK_COPY, VM_BULK_FILL };
union vm_op;
/* A bounds-checked memory.copy (arg: the source address) or memory.fill
 * (arg: the byte) longer than VM_BULK_CHUNK, done a chunk at a time while
 * *reds lasts. True when finished; false when the budget ran out first:
 * the progress is kept in ex, and the same instruction (pc) run again
 * resumes where it stopped. */
bool vm__bulk_chunks(vm_exec_t *ex, const union vm_op *pc, enum vm_bulk_kind kind,
                     uint8_t *mem, uint64_t dst, uint64_t arg, uint64_t n,
                     int64_t *reds);

/* Slow paths the interpreter calls. Each returns VM_TRAP_NONE or the trap. */
int32_t vm__memory_grow(struct vm_memory *mem, uint32_t delta,
                        uint32_t max_pages); /* old pages or -1 */
vm_trap_kind vm__memory_init(vm_instance_t *inst, uint32_t dataidx,
                             uint32_t dst, uint32_t src, uint32_t n);
void vm__data_drop(vm_instance_t *inst, uint32_t dataidx);
vm_trap_kind vm__memory_copy(struct vm_memory *mem, uint32_t dst, uint32_t src,
                             uint32_t n);
vm_trap_kind vm__memory_fill(struct vm_memory *mem, uint32_t dst, uint8_t val,
                             uint32_t n);
int32_t vm__table_grow(struct vm_table *t, uint64_t init, uint32_t delta);
vm_trap_kind vm__table_init(vm_instance_t *inst, uint32_t tableidx,
                            uint32_t elemidx, uint32_t dst, uint32_t src,
                            uint32_t n);
void vm__elem_drop(vm_instance_t *inst, uint32_t elemidx);
vm_trap_kind vm__table_copy(struct vm_table *dst_t, struct vm_table *src_t,
                            uint32_t dst, uint32_t src, uint32_t n);
vm_trap_kind vm__table_fill(struct vm_table *t, uint32_t dst, uint64_t val,
                            uint32_t n);

/* Structural equality of function types (call_indirect, linking). */
bool vm__functype_eq(const vm_functype *a, const vm_functype *b);

/* Fill in a memory/table struct with zeroed storage (NULL when empty);
 * shared by the vm_*_new() host constructors and instantiation. A memory
 * with lazy_of gets no storage yet: it starts as that module's image
 * (image.c). Return 0 or LUN_ENOMEM; the caller frees ->data / ->elems. */
int vm__memory_setup(struct vm_memory *mem, uint32_t pages,
                     uint32_t max_pages, bool has_max,
                     const struct vm_module *lazy_of);
int vm__table_setup(struct vm_table *t, uint8_t elemtype, uint32_t size,
                    uint32_t max, bool has_max);

/* }===== */
/* {===== compiled code and execution (compile.c, exec.c) */

/* A frame slot: what one instruction operand names. Values of every type
 * but v128 fit one slot; a v128 takes two consecutive slots. */

/* How many slots a value of type t takes, and a sequence of them. */
static inline uint32_t vm__slots_of(uint8_t t) { return t == VM_V128 ? 2u : 1u; }
uint32_t vm__slots_of_seq(const uint8_t *types, uint32_t n);

union vm_op;
/* A SIMD instruction's implementation (simd.h); false: out of bounds. */
typedef bool (*vm_simd_fn)(vm_slot *fp, const union vm_op *pc,
                           vm_instance_t *inst);

/* One word of threaded code: a handler address or an immediate. */
typedef union vm_op {
    const void *h;
    const union vm_op *target;
    const void *p;
    int64_t i64;
    uint64_t u64;
    double f64;
    vm_slot v; /* an immediate operand */
    vm_simd_fn simd;
    struct {
        int32_t a, b;
    } s; /* two 32-bit operands: frame slots or small immediates */
} vm_op;

/* Where each compiled instruction came from: for trap messages. */
typedef struct vm_code_pos {
    uint32_t op;     /* index of the instruction's first word */
    uint32_t offset; /* file offset of the wasm instruction */
} vm_code_pos;

typedef struct vm_code {
    vm_op *ops;
    uint32_t nops;
    uint32_t nparams, nlocals, nresults; /* in slots (v128 counts 2) */
    uint32_t frame_slots; /* params + locals + operand temporaries */
    const vm_func *func;  /* for trap messages */
    uint32_t func_idx;
    vm_code_pos *pos;     /* sorted by op */
    uint32_t npos;
} vm_code;

/* Compile f (a validated module function) to threaded code. Returns the
 * code, published with release semantics; NULL on out of memory. Several
 * threads may race: the first to publish wins, the others free theirs. */
vm_code *vm__compile(vm_module_t *m, vm_func *f);
void vm__code_free(vm_code *c);

#if defined(__GNUC__)
#define VM_LOAD_ACQUIRE(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define VM_CAS_RELEASE(p, expected, desired)                                \
    __atomic_compare_exchange_n(&(p), &(expected), (desired), false,        \
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#else
#define VM_LOAD_ACQUIRE(p) (p)
#define VM_CAS_RELEASE(p, expected, desired) ((p) = (desired), true)
#endif

/* A call frame on the control stack. */
typedef struct vm_frame {
    const vm_op *ret_pc;     /* where the caller continues */
    vm_slot *fp;             /* the caller's frame */
    vm_instance_t *inst;     /* the caller's instance */
    uint32_t catch_results;  /* 0, or 1 + result count of a call made by
                                vm_exec_host_call(catch_traps): traps in
                                the callee unwind to here */
} vm_frame;

/* A guest call requested by a host function (vm_exec_host_call). */
typedef struct vm_pending_call {
    struct vm_funcinst *func;
    vm_value args[8];
    uint32_t nargs;
    bool catch_traps;
} vm_pending_call;

enum vm_exec_state { VM_EXEC_IDLE, VM_EXEC_READY, VM_EXEC_DONE, VM_EXEC_TRAPPED };

#define VM_TRAP_MSG_BYTES 256u
struct vm_exec {
    vm_slot *stack, *stack_end; /* grows up to max_slots */
    uint32_t max_slots;
    vm_frame *frames;            /* grows up to max_depth */
    uint32_t depth, frames_cap, max_depth;
    int64_t reds_left;  /* after a run: unspent budget (may be -1) */
    uint64_t reds_used; /* reductions the last vm_run spent */
    uint64_t charge;    /* vm_exec_charge: taken when the host call returns */
    const union vm_op *bulk_pc; /* a chunked bulk operation stopped here ... */
    uint64_t bulk_done;   /* ... with this many bytes done */
    vm_pending_call pending;
    vm_trap_kind caught;
    /* saved registers while not running */
    const vm_op *pc;
    vm_slot *fp;
    vm_instance_t *inst;
    uint8_t state;
    bool exited; /* a host function ended the run (VM_DONE) */
    struct vm_funcinst *entry;
    vm_trap_kind trap;
    /* VM_TRAP_MSG_BYTES, made at the first trap that has words (NULL until
     * then: most executions never trap, and an idle process should not
     * carry the buffer) */
    char *trap_msg;
    void *userdata;
    vm_instance_t *caller; /* for host functions: vm_exec_caller() */
};

/* Slow paths of calls: make room for a frame of `need` slots at *nfp, or
 * one more control frame. Growing the value stack may move it: *fp and
 * *nfp are rebased, and so is every saved frame. False when the limit is
 * reached ("call stack exhausted"). */
bool vm__exec_grow_stack(vm_exec_t *ex, vm_slot **fp, vm_slot **nfp,
                         uint32_t need);

/* Values (one vm_value each) to and from frame slots (v128: two). */
void vm__values_to_slots(vm_slot *dst, const vm_value *src,
                         const uint8_t *types, uint32_t n);
void vm__slots_to_values(vm_value *dst, const vm_slot *src,
                         const uint8_t *types, uint32_t n);

bool vm__exec_grow_frames(vm_exec_t *ex);

/* For trap messages and backtraces (backtrace.c): the compiled function of
 * inst's module holding pc (NULL if none), and the wasm file offset of the
 * instruction at op index i of c. */
const vm_code *vm__code_at(const vm_instance_t *inst, const vm_op *pc);
uint32_t vm__code_offset_of(const vm_code *c, size_t i);

/* Prints compiled code one instruction per line (operand words are shown
 * raw after the name; a word that happens to equal a handler address is
 * misread as an instruction: good enough for a developer tool). */
void vm__code_dump(const vm_code *c, void (*out)(void *ud, const char *line),
                   void *ud);

/* The interpreter's handler table: compile.c asks exec.c for addresses. */
const void *const *vm__exec_handlers(void);

/* }===== */

#endif
