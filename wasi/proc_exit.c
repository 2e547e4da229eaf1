/* proc_exit.c: proc_exit, proc_raise and sched_yield, the calls that end
 * or pause the guest's execution rather than do I/O. Interface: wasi/wasi_int.h; the
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

/* WASI signal numbers (witx `signal`) whose default action is not to
 * terminate: chld, cont, urg, winch, and the stop signals (stop, tstp,
 * ttin, ttou), which cannot stop a guest and so do nothing. */
static bool ignored_by_default(uint32_t sig)
{
    return sig == 16 || sig == 17 || (sig >= 18 && sig <= 21) || sig == 22 ||
           sig == 27;
}

const char *wasi__signal_name(uint32_t sig)
{
    /* witx `signal`, in order; the host's numbers differ */
    static const char *const names[] = {
        "none", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
        "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGPOLL", "SIGPWR",
        "SIGSYS"};
    return sig < sizeof names / sizeof names[0] ? names[sig] : "?";
}

uint32_t wasi__proc_raise(uint32_t sig)
{
    if (sig > 30) /* sys is the last one */
        return WASI_EINVAL;
    if (sig == 0 || ignored_by_default(sig))
        return WASI_ESUCCESS;
    return WASI__RAISE_TRAP;
}
