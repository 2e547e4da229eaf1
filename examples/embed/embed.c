/* embed.c: embedding the interpreter through vm/vm.h alone: load a module,
 * call its export "fib" with a reduction budget and resume it after every
 * VM_YIELD. Usage: embed_example FIB.wasm [N] */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>

#include "vm/vm.h"

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, n;
    if (!f)
        return NULL;
    do { /* grow by 64 KiB; modules here are small */
        uint8_t *nb = realloc(buf, len + 65536);
        if (!nb) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = nb;
        len += n = fread(buf + len, 1, 65536, f);
    } while (n == 65536);
    fclose(f);
    *out_len = len;
    return buf;
}

int main(int argc, char **argv)
{
    char err[256] = "";
    size_t len;
    vm_module_t *m = NULL;
    vm_instance_t *in = NULL;
    vm_value arg = {.i32 = argc > 2 ? atoi(argv[2]) : 25}, result = {0};
    uint8_t *bytes = argc > 1 ? read_all(argv[1], &len) : NULL;
    unsigned long yields = 0;
    vm_status st = VM_TRAP;
    if (!bytes) {
        fprintf(stderr, "usage: embed_example FIB.wasm [N]\n");
        return 2;
    }
    if (vm_module_load(bytes, len, NULL, &m, err, sizeof err) == 0 &&
        vm_instance_new(m, NULL, 0, NULL, &in, err, sizeof err) == 0) {
        vm_exec_t *ex = vm_exec_new(NULL);
        vm_func_t *fib = vm_instance_export_func(in, "fib");
        if (ex && fib && vm_exec_call(ex, fib, &arg, 1) == 0) {
            /* A small budget makes the VM hand control back often: here is
             * where a scheduler would run other work before resuming. */
            while ((st = vm_run(ex, 10000)) == VM_YIELD)
                yields++;
            if (st == VM_DONE && vm_exec_results(ex, &result, 1) == 1)
                printf("fib(%d) = %d (resumed after %lu yields)\n", arg.i32,
                       result.i32, yields);
            else if (st == VM_TRAP)
                fprintf(stderr, "trap: %s\n", vm_exec_trap_message(ex));
        }
        vm_exec_free(ex);
    } else {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], err);
    }
    vm_instance_free(in);
    vm_module_free(m);
    free(bytes);
    return st == VM_DONE ? 0 : 1;
}
