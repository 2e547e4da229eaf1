/* api_stubs.c: the lunatic::distributed functions with their exact
 * names and types, so that any Lunatic guest links; each
 * traps with "lunatic::<ns>::<name> is not implemented yet" until its issue
 * lands. Interface: sched_int.h (sched__api_stubs). */
#include "common/lun_prefix.h"

#include <stdio.h>

#include "sched/sched_int.h"

vm_status sched__not_implemented(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_binding_t *b = ud;
    char msg[160];
    (void)a;
    snprintf(msg, sizeof msg, "%s::%s is not implemented yet", b->module,
             b->name);
    return sched__trap(ex, msg);
}

#define STUB(mod, name, sig) {mod, name, sig, sched__not_implemented}
#define DIST "lunatic::distributed"

/* Types from ../shared/fixtures/lunatic_all_imports.wat (LUNATIC_ABI.md
 * 1.2), in vm_host_func_new's notation. */
const sched_binding_t sched__api_stubs[] = {
    STUB(DIST, "copy_lookup_nodes_results", "Iiii:i"),
    STUB(DIST, "default_server_certificates", "iiiii:i"),
    STUB(DIST, "exec_lookup_nodes", "iiiii:i"),
    STUB(DIST, "get_nodes", "ii:i"),
    STUB(DIST, "module_id", ":I"),
    STUB(DIST, "node_id", ":I"),
    STUB(DIST, "nodes_count", ":i"),
    STUB(DIST, "send", "II:i"),
    STUB(DIST, "send_receive_skip_search", "IIII:i"),
    STUB(DIST, "sign_node", "iiiiiii:i"),
    STUB(DIST, "spawn", "IIIiiiii:i"),
    STUB(DIST, "test_root_cert", "i:i"),
};
const size_t sched__api_stubs_n =
    sizeof sched__api_stubs / sizeof sched__api_stubs[0];
