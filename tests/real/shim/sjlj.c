/* sjlj.c: setjmp and longjmp for wasm32-wasi on Binaryen's Asyncify (see
 * setjmp.h). After `wasm-opt --asyncify`, every function that may reach
 * asyncify.start_unwind (directly, or through calls and indirect calls) can
 * save its wasm locals and where it stopped into a buffer and return
 * ("unwind"), and later be called again to restore them and carry on from
 * there ("rewind").
 *
 * main() here calls the program's main (renamed real_sjlj_main) in a loop,
 * real_sjlj_driver, which Asyncify leaves alone (asyncify-removelist):
 *  - setjmp(env) starts an unwind. The driver copies the unwound stack into
 *    a snapshot, tags env with its id and rewinds it. Asyncify calls setjmp
 *    again at the end of the rewind; this time it returns 0.
 *  - longjmp(env, v) starts an unwind; the stack it leaves is dropped. The
 *    driver rewinds env's snapshot, and setjmp, called again, returns v.
 * The stack pointer (the global __stack_pointer, which Asyncify does not
 * save) is set back to its value at the setjmp (sp.S reads and writes it).
 *
 * A snapshot lives until a later setjmp finds its frame gone: taken deeper
 * in the stack (a lower stack pointer) than the new setjmp, or for the same
 * jmp_buf. Nothing here is thread-safe; WASI programs have one thread. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "setjmp.h"

#define ASYNCIFY(name) __attribute__((import_module("asyncify"), import_name(name)))
ASYNCIFY("start_unwind") void asyncify_start_unwind(void *buf);
ASYNCIFY("stop_unwind") void asyncify_stop_unwind(void);
ASYNCIFY("start_rewind") void asyncify_start_rewind(void *buf);
ASYNCIFY("stop_rewind") void asyncify_stop_rewind(void);

uintptr_t real_sjlj_get_sp(void);     /* sp.S */
void real_sjlj_set_sp(uintptr_t sp);  /* sp.S */
int real_sjlj_main(int argc, char **argv);
int real_sjlj_driver(int argc, char **argv);

#define STACK_DATA (1u << 20) /* the unwound stack: locals of every frame */
#define MAX_SNAPSHOTS 4096

/* The buffer Asyncify reads: where the data goes next, and where it ends. */
static struct {
    char *cur;
    char *end;
} abuf;
static char adata[STACK_DATA];

static enum { IDLE, UNWIND_SETJMP, UNWIND_LONGJMP, REWIND_SETJMP, REWIND_LONGJMP } phase;

struct snapshot {
    void *env;
    unsigned long id;
    uintptr_t sp;
    size_t len;
    char *data;
};
static struct snapshot snaps[MAX_SNAPSHOTS];
static int nsnaps;
static unsigned long next_id = 1;

/* What the unwind under way is for. */
static jmp_buf *pend_env;
static uintptr_t pend_sp;
static int pend_val;
static struct snapshot *pend_snap;

static _Noreturn void fail(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "sjlj (tests/real/shim/sjlj.c): %s\n", msg);
    abort();
}

static void start_unwind(void)
{
    abuf.cur = adata;
    abuf.end = adata + sizeof adata;
    asyncify_start_unwind(&abuf);
}

/* No frame of its own in linear memory, so the stack pointer read here is
 * the caller's. */
__attribute__((noinline)) int real_shim_setjmp(jmp_buf env)
{
    if (phase == IDLE) {
        env[0].id = next_id++;
        pend_env = (jmp_buf *)env;
        pend_sp = real_sjlj_get_sp();
        phase = UNWIND_SETJMP;
        start_unwind();
        return 0; /* the caller unwinds now */
    }
    /* called again at the end of a rewind */
    asyncify_stop_rewind();
    int v = phase == REWIND_LONGJMP ? pend_val : 0;
    phase = IDLE;
    return v;
}

__attribute__((noinline)) void real_shim_longjmp(jmp_buf env, int val)
{
    if (phase != IDLE)
        fail("longjmp during an unwind");
    pend_snap = NULL;
    for (int i = nsnaps - 1; i >= 0; i--) {
        if (snaps[i].id == env[0].id) {
            pend_snap = &snaps[i];
            break;
        }
    }
    if (pend_snap == NULL)
        fail("longjmp to a jmp_buf whose setjmp has returned");
    pend_val = val != 0 ? val : 1;
    phase = UNWIND_LONGJMP;
    start_unwind(); /* the caller unwinds when this returns */
}

static void save_snapshot(void)
{
    int k = 0;
    for (int i = 0; i < nsnaps; i++) {
        if (snaps[i].sp < pend_sp || snaps[i].env == (void *)pend_env)
            free(snaps[i].data);
        else
            snaps[k++] = snaps[i];
    }
    nsnaps = k;
    if (nsnaps == MAX_SNAPSHOTS)
        fail("too many live setjmp");
    size_t len = (size_t)(abuf.cur - adata);
    char *data = malloc(len > 0 ? len : 1);
    if (data == NULL)
        fail("out of memory for a setjmp snapshot");
    memcpy(data, adata, len);
    snaps[nsnaps++] = (struct snapshot){ pend_env, (*pend_env)[0].id, pend_sp, len, data };
}

__attribute__((noinline)) int real_sjlj_driver(int argc, char **argv)
{
    for (;;) {
        int status = real_sjlj_main(argc, argv);
        if (phase == IDLE)
            return status; /* main returned */
        asyncify_stop_unwind();
        if (phase == UNWIND_SETJMP) {
            save_snapshot(); /* the data stays in adata for the rewind */
            phase = REWIND_SETJMP;
            real_sjlj_set_sp(pend_sp);
        } else {
            memcpy(adata, pend_snap->data, pend_snap->len);
            abuf.cur = adata + pend_snap->len;
            phase = REWIND_LONGJMP;
            real_sjlj_set_sp(pend_snap->sp);
        }
        asyncify_start_rewind(&abuf);
    }
}

int main(int argc, char **argv)
{
    return real_sjlj_driver(argc, argv);
}
