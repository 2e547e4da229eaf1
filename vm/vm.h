/* vm.h: the embedding API of the WebAssembly interpreter.
 *
 * Load bytes into a module (decoded and validated up front), link imports,
 * instantiate, then run exported functions in an execution context with a
 * reduction budget. vm/ needs only libc: no threads, no mmap, no OS calls.
 *
 *     vm_module_t *m;  vm_instance_t *in;  vm_exec_t *ex;
 *     vm_module_load(bytes, len, NULL, &m, err, sizeof err);
 *     vm_instance_new(m, imports, nimports, NULL, &in, err, sizeof err);
 *     ex = vm_exec_new(NULL);
 *     vm_exec_call(ex, vm_instance_export_func(in, "fib"), args, 1);
 *     while ((st = vm_run(ex, 10000)) == VM_YIELD) {}   // preemptible
 */
#ifndef LUN_VM_H
#define LUN_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/lun_err.h"

#if defined(__GNUC__)
#define LUN_API __attribute__((visibility("default")))
#else
#define LUN_API
#endif

typedef struct vm_module vm_module_t;     /* decoded, validated, immutable */
typedef struct vm_instance vm_instance_t; /* a module's state: memory, tables.. */
typedef struct vm_exec vm_exec_t;         /* a thread of execution: stacks */
typedef struct vm_funcinst vm_func_t;     /* a function of an instance or host */
typedef struct vm_memory vm_memory_t;
typedef struct vm_table vm_table_t;
typedef struct vm_global vm_global_t;

/* What vm_run() returns, and what a host function returns to the VM. */
typedef enum vm_status {
    VM_OK = 0,    /* host function only: call finished, continue */
    VM_DONE = 1,  /* the called function returned (or a host fn ended it) */
    VM_YIELD = 2, /* budget spent; vm_run() again continues exactly here */
    VM_BLOCK = 3, /* a host fn would block; vm_run() again re-invokes it */
    VM_TRAP = 4,  /* execution ended with a trap: see vm_exec_trap() */
    VM_CALL = 5   /* host function only: after vm_exec_host_call() */
} vm_status;

typedef enum vm_valtype {
    VM_I32 = 0x7f,
    VM_I64 = 0x7e,
    VM_F32 = 0x7d,
    VM_F64 = 0x7c,
    VM_V128 = 0x7b,
    VM_FUNCREF = 0x70,
    VM_EXTERNREF = 0x6f
} vm_valtype;

/* The kinds of trap. VM_TRAP_HOST carries a message set by a host fn. */
#define VM_TRAP_MAP(XX)                                                   \
    XX(NONE, "no trap")                                                   \
    XX(UNREACHABLE, "unreachable")                                        \
    XX(MEM_OOB, "out of bounds memory access")                            \
    XX(TABLE_OOB, "out of bounds table access")                           \
    XX(UNDEF_ELEM, "undefined element")                                   \
    XX(UNINIT_ELEM, "uninitialized element")                              \
    XX(SIG_MISMATCH, "indirect call type mismatch")                       \
    XX(DIV_ZERO, "integer divide by zero")                                \
    XX(INT_OVERFLOW, "integer overflow")                                  \
    XX(BAD_CONVERSION, "invalid conversion to integer")                   \
    XX(STACK_EXHAUSTED, "call stack exhausted")                           \
    XX(OUT_OF_FUEL, "out of fuel")                                        \
    XX(OUT_OF_MEMORY, "out of memory")                                    \
    XX(HOST, "host error")

typedef enum vm_trap_kind {
#define VM_TRAP_ENUM(name, text) VM_TRAP_##name,
    VM_TRAP_MAP(VM_TRAP_ENUM)
#undef VM_TRAP_ENUM
    VM_TRAP_COUNT_
} vm_trap_kind;

/* One value as the API passes it. References are opaque: a funcref holds
 * a vm_func_t pointer, an externref any non-zero host value; 0 is null.
 * A v128 is its 16 bytes in wasm's (little-endian) lane order. */
typedef union vm_value {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    uint64_t ref;
    uint8_t v128[16];
} vm_value;

/* A value as host functions see it: one 8-byte slot of the frame (a v128
 * takes two consecutive slots, its 16 bytes as one number in host order:
 * wasm's order on a little-endian host, see vm_endian.h). Host functions are
 * handed the caller's frame itself, so calling them copies nothing. */
typedef union vm_slot {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    uint64_t ref;
} vm_slot;

/* A host function. `args` holds the parameters on entry, one slot each
 * (two for a v128); write the results the same way from args[0] (there is
 * room for the larger of the two).
 * Return VM_OK, VM_BLOCK (nothing written; will be called again with the
 * same args), VM_YIELD (results written; the VM yields after the call),
 * VM_DONE (end the whole execution, e.g. proc_exit) or VM_TRAP (after
 * vm_exec_set_trap). */
typedef vm_status (*vm_host_fn)(vm_exec_t *ex, vm_slot *args, void *ud);

typedef enum vm_extern_kind {
    VM_EXTERN_FUNC = 0,
    VM_EXTERN_TABLE = 1,
    VM_EXTERN_MEMORY = 2,
    VM_EXTERN_GLOBAL = 3
} vm_extern_kind;

/* An import's value, given to vm_instance_new() in import order. */
typedef struct vm_extern {
    vm_extern_kind kind;
    union {
        vm_func_t *func;
        vm_table_t *table;
        vm_memory_t *memory;
        vm_global_t *global;
    } u;
} vm_extern;

/* {===== memory allocation */

/* Where vm/ gets every byte it allocates (modules, compiled code,
 * instances, host objects, stacks, and linear memories unless a
 * vm_mem_provider supplies them), like Lua's lua_Alloc: one function that
 *   realloc(ud, NULL, 0, n)       allocates n bytes (contents undefined),
 *   realloc(ud, p, old, n)        resizes p from old to n bytes, keeping the
 *                                 first min(old, n); NULL on failure leaves
 *                                 p as it was,
 *   realloc(ud, p, old, 0)        frees p (the result is ignored).
 * old is always the size the block was allocated or last resized with, so
 * an arena or pool allocator needs no bookkeeping of its own. */
typedef struct vm_allocator {
    void *(*realloc)(void *ud, void *ptr, size_t old_size, size_t new_size);
    void *ud;
} vm_allocator;

/* Sets the allocator of the whole library (NULL: libc's malloc, realloc
 * and free); a is copied. Call it before making any vm/ object, and free
 * every object before setting another: host objects (vm_host_func_new...)
 * take no config, and objects own blocks made by other calls (an instance,
 * its module's compiled code), so one allocator serves them all. It is
 * called from whichever thread uses the vm, so it must be thread-safe if
 * the embedder runs the vm on several threads. */
LUN_API void vm_set_allocator(const vm_allocator *a);

/* }===== */

/* Where an instance's linear memories come from (default: the
 * vm_allocator, zeroing what it hands out; libc's calloc when that is the
 * default, for its lazily zeroed pages). A runtime with many processes
 * supplies a provider that recycles blocks and lets the OS zero their
 * pages lazily.
 *   alloc:   `bytes` zeroed bytes; *out_cap gets the block's capacity
 *   grow:    a block of new_bytes keeping the first old_bytes, the rest
 *            zeroed; may return the same block when it fits its capacity
 *   release: gives a block back
 * Bytes between a memory's size and its block's capacity are never
 * written by the VM, so a block zeroed when handed out stays zero there. */
typedef struct vm_mem_provider {
    void *(*alloc)(void *ud, size_t bytes, size_t *out_cap);
    void *(*grow)(void *ud, void *data, size_t old_bytes, size_t cap,
                  size_t new_bytes, size_t *out_cap);
    void (*release)(void *ud, void *data, size_t cap);
    void *ud;
} vm_mem_provider;

/* Limits of a module or an execution; zero fields take the defaults. */
typedef struct vm_config {
    uint32_t max_memory_pages; /* cap on any memory's pages (default 65536) */
    uint32_t stack_slots;      /* max value stack, 8-byte slots (1M); the
                                  stack starts small and grows on demand */
    uint32_t max_call_depth;   /* nested calls before "stack exhausted" */
    const vm_mem_provider *mem_provider; /* instances' memories; NULL:
                                            the vm_allocator */
    bool no_fusion;            /* module loads: compile to the plain
                                  register-threaded code, without the
                                  superinstructions (for checking them) */
    bool no_image;             /* instantiation: apply the data segments
                                  one by one instead of copying the image
                                  made at load (for checking it) */
    bool lazy_memory;          /* instantiation: a memory that starts as
                                  the image gets its block at its first
                                  access (vm_memory_data counts), so an
                                  instance that never touches it costs
                                  none; then vm_memory_data may fail
                                  (NULL) when out of memory */
} vm_config;

/* What this build of the library has; options chosen when compiling it.
 * Without SIMD, vm_module_load() refuses a module that uses v128 with
 * LUN_ELIMIT and "SIMD (v128) is not supported by this build". */
#define VM_FEATURE_SIMD 0x1u   /* v128 and its opcodes (off: -DVM_NO_SIMD) */
#define VM_FEATURE_FUSION 0x2u /* superinstructions (off: -DVM_NO_FUSION) */
LUN_API unsigned vm_features(void);

/* {===== modules */

/* Decode and validate a module. The bytes are copied. On failure returns
 * LUN_EMALFORMED or LUN_EINVALID (LUN_ELIMIT when a body passes one of the
 * interpreter's limits: nesting, br_table size, operand stack depth, or
 * uses what this build left out: see vm_features()) and writes
 * "code section (offset 0x1f): reason" into err (may be NULL; "offset
 * 0x1f: reason" outside any section). cfg may be NULL. Every *_free
 * function of this header accepts NULL. */
LUN_API int vm_module_load(const uint8_t *bytes, size_t len,
                           const vm_config *cfg, vm_module_t **out_module,
                           char *err, size_t errlen);
LUN_API void vm_module_free(vm_module_t *m);

/* Describes import or export i: its names, kind and type as text
 * ("func (i32 i32) -> (i32)", "memory 1..2", "global mut i32"...). */
typedef struct vm_import_info {
    const char *module, *name; /* NUL-terminated copies owned by the module */
    uint32_t module_len, name_len; /* names may hold NUL bytes */
    vm_extern_kind kind;
    const char *type_text;
} vm_import_info;

LUN_API uint32_t vm_module_import_count(const vm_module_t *m);
LUN_API int vm_module_import(const vm_module_t *m, uint32_t i,
                             vm_import_info *out);
LUN_API uint32_t vm_module_export_count(const vm_module_t *m);
LUN_API int vm_module_export(const vm_module_t *m, uint32_t i,
                             vm_import_info *out); /* .module is NULL */

/* }===== */
/* {===== host objects (imports made by the embedder) */

/* A host function with signature "params:results", one letter a type:
 * i=i32 I=i64 f=f32 F=f64 v=v128 r=funcref e=externref; "ii:i", ":" (none). */
LUN_API vm_func_t *vm_host_func_new(const char *sig, vm_host_fn fn, void *ud,
                                    const char *name);
LUN_API void vm_host_func_free(vm_func_t *f);
LUN_API vm_memory_t *vm_memory_new(uint32_t min_pages, uint32_t max_pages,
                                   bool has_max);
LUN_API void vm_memory_free(vm_memory_t *mem);
LUN_API vm_table_t *vm_table_new(vm_valtype elem, uint32_t min, uint32_t max,
                                 bool has_max);
LUN_API void vm_table_free(vm_table_t *t);
LUN_API vm_global_t *vm_global_new(vm_valtype type, bool mut, vm_value v);
LUN_API void vm_global_free(vm_global_t *g);
LUN_API vm_value vm_global_get(const vm_global_t *g);

/* }===== */
/* {===== instances */

/* Instantiate: link imports (type-checked: LUN_EUNLINKABLE and, in err,
 * 'import "env" "f": module expects func (i32) -> (i32), host provides
 * func (i64) -> (i32)'), allocate memories/tables/globals, apply
 * element and data segments (LUN_ETRAP if one is out of bounds). Does not
 * run the start function: see vm_instance_start_func().
 * On LUN_ETRAP *out_inst is still set: segments before the failing one
 * stay written (2.0), so imported tables may hold its functions; keep it
 * (and m) alive while they can be called, then vm_instance_free() it.
 * On any other error *out_inst is NULL. */
LUN_API int vm_instance_new(vm_module_t *m, const vm_extern *imports,
                            uint32_t nimports, const vm_config *cfg,
                            vm_instance_t **out_inst, char *err,
                            size_t errlen);
LUN_API void vm_instance_free(vm_instance_t *inst);

/* For making many instances of one module with the same imports (one per
 * process): vm_link_new() checks the imports once, as vm_instance_new()
 * would, and keeps a copy of the array; vm_link_instantiate() then makes an
 * instance without checking them again, and all its instances share the
 * array of imported functions. Free the link after its instances. */
typedef struct vm_link vm_link_t;
LUN_API int vm_link_new(vm_module_t *m, const vm_extern *imports,
                        uint32_t nimports, vm_link_t **out, char *err,
                        size_t errlen);
LUN_API int vm_link_instantiate(const vm_link_t *l, const vm_config *cfg,
                                vm_instance_t **out_inst, char *err,
                                size_t errlen);
LUN_API void vm_link_free(vm_link_t *l);
LUN_API vm_module_t *vm_instance_module(const vm_instance_t *inst);

/* The start function, or NULL if the module has none. */
LUN_API vm_func_t *vm_instance_start_func(vm_instance_t *inst);

/* Look up an export by name (len bytes; names may hold NUL bytes);
 * returns 0 or LUN_ENOTFOUND. */
LUN_API int vm_instance_export(vm_instance_t *inst, const char *name,
                               size_t len, vm_extern *out);
/* Shorthand: the exported function `name`, or NULL. */
LUN_API vm_func_t *vm_instance_export_func(vm_instance_t *inst,
                                           const char *name);
/* The instance's memory 0 (NULL if none), its bytes and size. */
LUN_API vm_memory_t *vm_instance_memory(vm_instance_t *inst);
/* Host bytes the instance holds besides its linear memories: its block,
 * its tables' entries, its function objects (allocator headers included). */
LUN_API size_t vm_instance_footprint(const vm_instance_t *inst);
LUN_API uint8_t *vm_memory_data(const vm_memory_t *mem, uint64_t *out_size);
/* The size in bytes, without making a lazy memory (vm_config.lazy_memory). */
LUN_API uint64_t vm_memory_size(const vm_memory_t *mem);
/* Where the bytes are now, without making a lazy memory: NULL while it
 * has no block (for measuring what a memory holds, not for access). */
LUN_API const uint8_t *vm_memory_peek(const vm_memory_t *mem);

/* A function's signature: counts and types (pointers stay valid as long
 * as the function's module or host object). */
LUN_API void vm_func_type(const vm_func_t *f, uint32_t *out_nparams,
                          const uint8_t **out_params, uint32_t *out_nresults,
                          const uint8_t **out_results);

/* }===== */
/* {===== execution */

LUN_API vm_exec_t *vm_exec_new(const vm_config *cfg);
LUN_API void vm_exec_free(vm_exec_t *ex);
/* Makes ex as new (no call, no trap, no userdata), keeping its stacks at
 * their current size, so an embedder can reuse executions. */
LUN_API void vm_exec_reset(vm_exec_t *ex);

/* Prepare a call of f with nargs arguments (must match its type); the
 * call happens in vm_run(). The exec must be idle (new, done or trapped).
 * Returns 0, LUN_EINVAL, LUN_ENOMEM (compiling f failed) or LUN_ELIMIT
 * (its frame does not fit the stack, or growing the stack failed). */
LUN_API int vm_exec_call(vm_exec_t *ex, vm_func_t *f, const vm_value *args,
                         uint32_t nargs);

/* Run for at most `budget` reductions (calls and taken branches).
 * Returns VM_DONE, VM_YIELD, VM_BLOCK or VM_TRAP. */
LUN_API vm_status vm_run(vm_exec_t *ex, uint64_t budget);

/* Reductions the last vm_run() spent: for fuel. At most its budget, plus
 * what host functions charged (vm_exec_charge). */
LUN_API uint64_t vm_exec_reductions_used(const vm_exec_t *ex);

/* For host functions: count n more reductions against the running
 * vm_run(), for work done outside the interpreter (copying, nested guest
 * runs). When that spends the budget, the run yields right after the host
 * call returns. */
LUN_API void vm_exec_charge(vm_exec_t *ex, uint64_t n);

/* For host functions: instead of returning results, call wasm function f
 * with args and return VM_CALL. f's results become this host call's
 * results (its result types must match the host function's). With
 * catch_traps, a trap inside f (or anything it calls) is caught here: the
 * execution continues after the host call with its results set to 0, and
 * vm_exec_caught_trap() tells what was caught. Used by
 * lunatic::trap::catch. Returns 0 or LUN_EINVAL (type mismatch). */
LUN_API int vm_exec_host_call(vm_exec_t *ex, vm_func_t *f,
                              const vm_value *args, uint32_t nargs,
                              bool catch_traps);
/* After a caught trap: its kind (VM_TRAP_NONE if the last host call
 * finished normally). Cleared by the next vm_exec_host_call(). */
LUN_API vm_trap_kind vm_exec_caught_trap(const vm_exec_t *ex);

/* Bytes the execution holds: its struct and stacks (they grow on
 * demand), allocator headers included. */
LUN_API size_t vm_exec_footprint(const vm_exec_t *ex);

/* After VM_DONE: copy up to max results; returns how many there are. */
LUN_API uint32_t vm_exec_results(const vm_exec_t *ex, vm_value *out,
                                 uint32_t max);

/* After VM_TRAP: the kind and a message naming function and offset. */
LUN_API vm_trap_kind vm_exec_trap(const vm_exec_t *ex);
LUN_API const char *vm_exec_trap_message(const vm_exec_t *ex);
LUN_API const char *vm_trap_text(vm_trap_kind k);

/* The wasm call stack of a trapped or paused (yielded, blocked) execution,
 * innermost frame first (backtrace.c). Frame 0 is where it stopped, each
 * next one the call into the frame before. */
typedef struct vm_frame_info {
    uint32_t func_idx; /* in the module's function index space */
    const char *name;  /* from the name section, or NULL */
    uint32_t offset;   /* file offset of the instruction: the trap, the call */
} vm_frame_info;
/* Called once per frame, in order; returning false stops the walk. */
typedef bool (*vm_frame_fn)(void *ud, uint32_t index, const vm_frame_info *f);
/* Walks the frames; returns how many there are (0 when the execution is
 * idle, done, or a host function). Cost: a lookup per visited frame, so a
 * walk stopped early is cheap even on a stack 100,000 frames deep. */
LUN_API uint32_t vm_exec_backtrace(const vm_exec_t *ex, vm_frame_fn fn,
                                   void *ud);
/* The first max_frames frames as lines "  at #0 NAME (func N, offset
 * 0xOFF)\n" ("func[N]" without a name), then "  ... K more frames\n" if
 * there are more, into buf (always NUL-terminated, cut at a line end when
 * too small). Returns the number of frames. */
LUN_API uint32_t vm_exec_backtrace_format(const vm_exec_t *ex, char *buf,
                                          size_t len, uint32_t max_frames);

/* For host functions: set the trap a VM_TRAP return raises. */
LUN_API void vm_exec_set_trap(vm_exec_t *ex, vm_trap_kind kind,
                              const char *msg);
/* For host functions: the instance whose code made the current call (its
 * memory 0 is what guest pointers refer to), and an embedder pointer. */
LUN_API vm_instance_t *vm_exec_caller(const vm_exec_t *ex);
LUN_API void vm_exec_set_userdata(vm_exec_t *ex, void *ud);
LUN_API void *vm_exec_userdata(const vm_exec_t *ex);

/* }===== */

#endif
