/* embed.c: the interpreter in a host without malloc: every byte it needs
 * comes from a static arena (vm_set_allocator), the module's "main" runs
 * under a reduction budget and reports through one host function.
 * Usage: embed_example FIB.wasm [N]   (FIB.wasm: examples/embed/fib.wat)
 * Prints the arena's peak use: what the interpreter needed beyond the
 * module's linear memory (fib.wasm has none). */
#include "common/lun_prefix.h"

#include <fcntl.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/vm.h"

/* {===== the arena: a bump allocator; the newest block resizes and frees
 * in place, a freed older block stays used until the arena is reset */

static alignas(max_align_t) uint8_t arena[128 * 1024];
static size_t top, peak;

#define ROUND(n) (((n) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

static void *arena_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    uint8_t *p = ptr, *fresh;
    (void)ud;
    if (p != NULL && p + ROUND(old_size) == arena + top) { /* the newest */
        if (ROUND(new_size) > sizeof arena - (size_t)(p - arena)) return NULL;
        top = (size_t)(p - arena) + ROUND(new_size);
        if (top > peak) peak = top;
        return new_size ? p : NULL;
    }
    if (new_size <= old_size) return new_size ? p : NULL;
    if (ROUND(new_size) > sizeof arena - top) return NULL;
    fresh = arena + top;
    top += ROUND(new_size);
    if (top > peak) peak = top;
    if (p != NULL) memcpy(fresh, p, old_size);
    return fresh;
}

/* }===== */

/* stdio's FILE and buffers come from malloc: output goes through write(). */
static void say(int fd, const char *text)
{
    if (write(fd, text, strlen(text)) < 0) _exit(3);
}

static vm_status host_report(vm_exec_t *ex, vm_slot *args, void *ud)
{
    char line[64];
    (void)ex, (void)ud;
    snprintf(line, sizeof line, "fib(%d) = %d\n", args[0].i32, args[1].i32);
    say(1, line);
    return VM_OK;
}

static uint8_t module_bytes[16 * 1024];

int main(int argc, char **argv)
{
    char err[256] = "", line[320];
    int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
    ssize_t len = fd >= 0 ? read(fd, module_bytes, sizeof module_bytes) : -1;
    vm_value n = {.i32 = argc > 2 ? atoi(argv[2]) : 25};
    vm_module_t *m = NULL;
    vm_instance_t *in = NULL;
    vm_exec_t *ex = NULL;
    vm_func_t *report = NULL;
    vm_status st = VM_TRAP;
    unsigned long yields = 0;
    if (fd >= 0) close(fd);
    if (len <= 0) {
        say(2, "usage: embed_example FIB.wasm [N]\n");
        return 2;
    }
    vm_set_allocator(&(vm_allocator){arena_realloc, NULL});
    vm_config cfg = {.stack_slots = 8192, .max_call_depth = 1000};
    report = vm_host_func_new("ii:", host_report, NULL, "report");
    vm_extern imports[1] = {{VM_EXTERN_FUNC, {.func = report}}};
    if (report && vm_module_load(module_bytes, (size_t)len, &cfg, &m, err, sizeof err) == 0 &&
        vm_instance_new(m, imports, 1, &cfg, &in, err, sizeof err) == 0 &&
        (ex = vm_exec_new(&cfg)) != NULL &&
        vm_exec_call(ex, vm_instance_export_func(in, "main"), &n, 1) == 0) {
        /* A budget of 10,000 reductions per run: between runs, a host
         * would do other work (here it only counts). */
        while ((st = vm_run(ex, 10000)) == VM_YIELD) yields++;
        if (st == VM_TRAP) snprintf(err, sizeof err, "trap: %s", vm_exec_trap_message(ex));
    }
    if (st == VM_DONE)
        snprintf(line, sizeof line, "resumed after %lu yields; interpreter peak: "
                 "%zu bytes of the %zu-byte arena\n", yields, peak, sizeof arena);
    else
        snprintf(line, sizeof line, "embed_example: %s\n", err[0] ? err : "out of arena");
    say(st == VM_DONE ? 1 : 2, line);
    vm_exec_free(ex);
    vm_instance_free(in);
    vm_module_free(m);
    vm_host_func_free(report);
    return st == VM_DONE ? 0 : 1;
}
