/* raise.c: proc_raise(argv[1]). A signal whose default action ends a
 * native process traps (the driver checks the status and message); one
 * that is ignored returns 0, and an unknown one EINVAL. */
#include <stdint.h>

#include "check.h"

/* wasi-libc no longer declares proc_raise; the import is still there. */
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    int sig = atoi(argv[1]), want = atoi(argv[2]);
    int32_t rc = raw_proc_raise(sig);
    printf("proc_raise(%d) returned %d\n", sig, (int)rc);
    CHECK(rc == want);
    return 0;
}
