/* proc_exit.c: proc_exit and sched_yield, the calls that end or pause the
 * guest's execution rather than do I/O. Interface: wasi/wasi_int.h; the
 * vm_status each one returns is chosen in wasi/link.c. */
#include "common/lun_prefix.h"

#include "wasi/wasi_int.h"

void wasi__proc_exit(wasi_ctx_t *ctx, uint32_t code)
{
    ctx->exited = true;
    ctx->exit_code = code;
}

uint32_t wasi__sched_yield(wasi_ctx_t *ctx)
{
    (void)ctx; /* the yield itself is the VM_YIELD link.c returns */
    return WASI_ESUCCESS;
}
