/* setjmp.h for wasm32-wasi, which has none: WebAssembly cannot unwind the
 * stack without the exception-handling proposal, which the runtime under
 * test does not implement. Lua needs setjmp/longjmp for every error and every
 * coroutine yield, mujs for every exception, so this is a real one, built on
 * Binaryen's Asyncify (wasm-opt --asyncify), in sjlj.c:
 *   setjmp   unwinds the whole stack to the driver (sjlj.c's main), which
 *            keeps a copy of the unwound frames (wasm locals and call sites)
 *            and rewinds them at once: setjmp returns 0;
 *   longjmp  unwinds the stack again, and the driver rewinds the copy made
 *            by the matching setjmp, which now returns the value.
 * Memory (the C stack in linear memory included) is not restored, as with a
 * native longjmp. Programs using it are built with -Dmain=real_sjlj_main and
 * linked with sjlj.o and sp.o, then instrumented by wasm-opt (build.sh).
 * Native builds use the C library's setjmp. */
#ifndef REAL_SHIM_SETJMP_H
#define REAL_SHIM_SETJMP_H

typedef struct {
    unsigned long id; /* names the saved copy of the stack (sjlj.c) */
} jmp_buf[1];
typedef jmp_buf sigjmp_buf;

__attribute__((returns_twice)) int real_shim_setjmp(jmp_buf env);
void real_shim_longjmp(jmp_buf env, int val);

#define setjmp(env) real_shim_setjmp(env)
#define _setjmp(env) real_shim_setjmp(env)
#define sigsetjmp(env, save) real_shim_setjmp(env)
#define longjmp(env, val) real_shim_longjmp(env, val)
#define _longjmp(env, val) real_shim_longjmp(env, val)
#define siglongjmp(env, val) real_shim_longjmp(env, val)

#endif
