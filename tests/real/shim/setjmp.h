/* setjmp.h for wasm32-wasi, which has none: WebAssembly cannot unwind the
 * stack without the exception-handling proposal, which the runtime under test
 * does not implement. setjmp returns 0 (so the code it guards runs) and
 * longjmp stops the program with a message naming this shim, so a test
 * input that would longjmp (an error thrown by Lua, mujs or SQLite's shell)
 * fails loudly instead of going wrong quietly. The corpus only runs inputs
 * that never longjmp. Native builds use the C library's real setjmp. */
#ifndef REAL_SHIM_SETJMP_H
#define REAL_SHIM_SETJMP_H

typedef struct { int unused; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;

int real_shim_setjmp(jmp_buf env);
_Noreturn void real_shim_longjmp(jmp_buf env, int val);

#define setjmp(env) real_shim_setjmp(env)
#define _setjmp(env) real_shim_setjmp(env)
#define sigsetjmp(env, save) real_shim_setjmp(env)
#define longjmp(env, val) real_shim_longjmp(env, val)
#define _longjmp(env, val) real_shim_longjmp(env, val)
#define siglongjmp(env, val) real_shim_longjmp(env, val)

#endif
