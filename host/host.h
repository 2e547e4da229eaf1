/* host.h: the lunatic::* guest ABI (LUNATIC_ABI.md): the host functions
 * a Lunatic guest imports, one file per namespace, over the scheduler's
 * interface for ABI implementers (sched/sched_host.h). A runtime offers
 * them to its guests through its options:
 *
 *     sched_options_t o = {.threads = 0, .abi = host_abi()};
 *     sched_runtime_new(&o, &rt);
 *     sched_module_check(host_abi(), module, err, sizeof err);
 *
 * Dependencies: sched/ (processes, messages, resources), net/ (sockets,
 * DNS, TLS), fs/ (preopens), vm/, common/, and the system SQLite. */
#ifndef LUN_HOST_H
#define LUN_HOST_H

#include "../sched/sched.h"

/* Every lunatic::* function; static, valid for the program's life. */
const sched_abi_t *host_abi(void);

#endif
