/* api_stubs.c: the lunatic::distributed and lunatic::sqlite functions
 * with their exact names and types, so that any Lunatic guest links; each
 * traps with "lunatic::<ns>::<name> is not implemented yet" until its issue
 * lands. Interface: sched_int.h (sched__api_stubs). */
#include "common/lun_prefix.h"

#include <stdio.h>

#include "sched/sched_int.h"

vm_status sched__not_implemented(vm_exec_t *ex, vm_value *a, void *ud)
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
#define SQL "lunatic::sqlite"

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
    STUB(SQL, "bind_value", "Iii:"),
    STUB(SQL, "column_count", "I:i"),
    STUB(SQL, "column_name", "Iii:i"),
    STUB(SQL, "column_names", "Ii:i"),
    STUB(SQL, "execute", "Iii:i"),
    STUB(SQL, "last_error", "Ii:i"),
    STUB(SQL, "open", "iii:I"),
    STUB(SQL, "query_prepare", "Iii:I"),
    STUB(SQL, "read_column", "Iii:i"),
    STUB(SQL, "read_row", "Ii:i"),
    STUB(SQL, "sqlite3_changes", "I:i"),
    STUB(SQL, "sqlite3_finalize", "I:"),
    STUB(SQL, "sqlite3_step", "I:i"),
    STUB(SQL, "statement_reset", "I:"),
};
const size_t sched__api_stubs_n =
    sizeof sched__api_stubs / sizeof sched__api_stubs[0];
