"""What each host function's parameters mean, for choosing hostile values.

One entry per binding, keyed "module.name": the parameter roles, left to
right, separated by spaces. A role takes one wasm parameter, except the
pair roles (marked *2 in ROLE_ARITY), which take a (pointer, length) pair.
An i64 or i32 result that is a new resource id is stored by "=> kind";
an out-pointer role "out:kind" stores what the host wrote there when the
call returned 0 (and the error id when it returned 1).
A binding the runtime has and this table lacks stops the generator
(specs.check): every new host function must get an entry.
"""

# Roles spanning two parameters (pointer, length) or (pointer, count).
PAIR_ROLES = {"str", "buf", "obuf", "iov", "oiov", "params", "tags",
              "bind", "wasm", "certs", "nodes"}

P = "lunatic::process."
M = "lunatic::message."
N = "lunatic::networking."
S = "lunatic::sqlite."
D = "lunatic::distributed."
W = "wasi_snapshot_preview1."

SPECS = {
    # lunatic::error
    "lunatic::error.string_size": "id:error",
    "lunatic::error.to_string": "id:error ptr",
    "lunatic::error.drop": "id:error",
    # lunatic::process
    P + "compile_module": "wasm out:module",
    P + "drop_module": "id:module",
    P + "create_config": "=> config",
    P + "drop_config": "id:config",
    P + "config_set_max_memory": "id:config mem",
    P + "config_get_max_memory": "id:config",
    P + "config_set_max_fuel": "id:config fuel",
    P + "config_get_max_fuel": "id:config",
    P + "config_can_compile_modules": "id:config",
    P + "config_set_can_compile_modules": "id:config flag",
    P + "config_can_create_configs": "id:config",
    P + "config_set_can_create_configs": "id:config flag",
    P + "config_can_spawn_processes": "id:config",
    P + "config_set_can_spawn_processes": "id:config flag",
    P + "spawn": "tag id:config id:module str:fn params out:pid",
    P + "get_or_spawn": "str:name tag id:config id:module str:fn params "
                        "out8 out:pid",
    P + "sleep_ms": "ms",
    P + "die_when_link_dies": "flag",
    P + "process_id": "",
    P + "environment_id": "",
    P + "link": "tag pid",
    P + "unlink": "pid",
    P + "monitor": "pid",
    P + "stop_monitoring": "pid",
    P + "kill": "pid",
    P + "exists": "pid",
    P + "upgrade_point": "",
    P + "upgrade_module": "id:module out8",
    # lunatic::message
    M + "create_data": "tag cap",
    M + "write_data": "buf",
    M + "read_data": "obuf",
    M + "seek_data": "i64",
    M + "get_tag": "",
    M + "get_process_id": "",
    M + "get_node_id": "",
    M + "get_death_reason": "",
    M + "data_size": "",
    M + "push_module": "id:module",
    M + "take_module": "msgidx => module",
    M + "push_tcp_stream": "id:tcps",
    M + "take_tcp_stream": "msgidx => tcps",
    M + "push_tls_stream": "id:tlss",
    M + "take_tls_stream": "msgidx => tlss",
    M + "push_udp_socket": "id:udp",
    M + "take_udp_socket": "msgidx => udp",
    M + "send": "pid",
    M + "send_receive_skip_search": "pid tag ms",
    M + "receive": "tags ms",
    # lunatic::timer
    "lunatic::timer.send_after": "pid ms => timer",
    "lunatic::timer.cancel_timer": "id:timer",
    # lunatic::registry
    "lunatic::registry.put": "str:name i64 pid",
    "lunatic::registry.get": "str:name out8 out8",
    "lunatic::registry.remove": "str:name",
    "lunatic::registry.get_or_put_later": "str:name out8 out8",
    # lunatic::version, trap, wasi, metrics
    "lunatic::version.major": "",
    "lunatic::version.minor": "",
    "lunatic::version.patch": "",
    "lunatic::trap.catch": "catchfn i32",
    "lunatic::wasi.config_add_environment_variable":
        "id:config str:env str:env",
    "lunatic::wasi.config_add_command_line_argument": "id:config str:arg",
    "lunatic::wasi.config_preopen_dir": "id:config str:dir",
    "lunatic::metrics.counter": "str:metric i64",
    "lunatic::metrics.increment_counter": "str:metric",
    "lunatic::metrics.gauge": "str:metric f64",
    "lunatic::metrics.increment_gauge": "str:metric f64",
    "lunatic::metrics.decrement_gauge": "str:metric f64",
    "lunatic::metrics.histogram": "str:metric f64",
    # lunatic::networking: DNS
    N + "resolve": "str:addr ms out:dns",
    N + "drop_dns_iterator": "id:dns",
    N + "resolve_next": "id:dns out4 ptr out4 out4 out4",
    # TCP
    N + "tcp_bind": "addrtype ipptr port i32 i32 out:tcpl",
    N + "drop_tcp_listener": "id:tcpl",
    N + "tcp_local_addr": "id:tcpl out:dns",
    N + "tcp_accept": "id:tcpl out:tcps out8",
    N + "tcp_connect": "addrtype ipptr port i32 i32 ms out:tcps",
    N + "tcp_peer_addr": "id:tcps out:dns",
    N + "drop_tcp_stream": "id:tcps",
    N + "clone_tcp_stream": "id:tcps => tcps",
    N + "tcp_write_vectored": "id:tcps iov out8",
    N + "tcp_peek": "id:tcps obuf out8",
    N + "tcp_read": "id:tcps obuf out8",
    N + "set_read_timeout": "id:tcps ms",
    N + "set_write_timeout": "id:tcps ms",
    N + "set_peek_timeout": "id:tcps ms",
    N + "get_read_timeout": "id:tcps",
    N + "get_write_timeout": "id:tcps",
    N + "get_peek_timeout": "id:tcps",
    N + "tcp_flush": "id:tcps out8",
    # TLS
    N + "tls_bind": "addrtype ipptr port i32 i32 out:tlsl certs certs",
    N + "drop_tls_listener": "id:tlsl",
    N + "tls_local_addr": "id:tlsl out:dns",
    N + "tls_accept": "id:tlsl out:tlss out8",
    N + "tls_connect": "str:host port ms out:tlss certs",
    N + "drop_tls_stream": "id:tlss",
    N + "clone_tls_stream": "id:tlss => tlss",
    N + "tls_write_vectored": "id:tlss iov out8",
    N + "tls_read": "id:tlss obuf out8",
    N + "set_tls_read_timeout": "id:tlss ms",
    N + "set_tls_write_timeout": "id:tlss ms",
    N + "get_tls_read_timeout": "id:tlss",
    N + "get_tls_write_timeout": "id:tlss",
    N + "tls_flush": "id:tlss out8",
    # UDP
    N + "udp_bind": "addrtype ipptr port i32 i32 out:udp",
    N + "udp_local_addr": "id:udp out:dns",
    N + "udp_peer_addr": "id:udp out:dns",
    N + "drop_udp_socket": "id:udp",
    N + "udp_receive": "id:udp obuf out8",
    N + "udp_receive_from": "id:udp obuf out8 out:dns",
    N + "udp_connect": "id:udp addrtype ipptr port i32 i32 ms out8",
    N + "clone_udp_socket": "id:udp => udp",
    N + "set_udp_socket_broadcast": "id:udp flag",
    N + "get_udp_socket_broadcast": "id:udp",
    N + "set_udp_socket_ttl": "id:udp i32",
    N + "get_udp_socket_ttl": "id:udp",
    N + "udp_send_to": "id:udp buf addrtype ipptr port i32 i32 out8",
    N + "udp_send": "id:udp buf out8",
    # lunatic::sqlite
    S + "open": "str:db out:conn",
    S + "execute": "id:conn str:sql",
    S + "query_prepare": "id:conn str:sql => stmt",
    S + "bind_value": "id:stmt bind",
    S + "column_count": "id:stmt",
    S + "column_name": "id:stmt i32 out4",
    S + "column_names": "id:stmt out4",
    S + "last_error": "id:conn out4",
    S + "read_column": "id:stmt i32 out4",
    S + "read_row": "id:stmt out4",
    S + "sqlite3_changes": "id:conn",
    S + "sqlite3_finalize": "id:stmt",
    S + "sqlite3_step": "id:stmt",
    S + "statement_reset": "id:stmt",
    # lunatic::distributed (no cluster here: most of these fail or trap)
    D + "nodes_count": "",
    D + "get_nodes": "nodes",
    D + "node_id": "",
    D + "module_id": "",
    D + "send": "i64 pid",
    D + "send_receive_skip_search": "i64 pid tag ms",
    D + "spawn": "i64 id:config id:module str:fn params out:pid",
    D + "exec_lookup_nodes": "str:query out8 out4 out8",
    D + "copy_lookup_nodes_results": "i64 nodes out8",
    D + "test_root_cert": "out4",
    D + "default_server_certificates": "str:pem str:pem out4",
    D + "sign_node": "str:pem str:pem str:pem out4",
    D + "link": "tag i64 pid",
    D + "unlink": "i64 pid",
    D + "monitor": "i64 pid",
    D + "stop_monitoring": "i64 pid",
    D + "monitor_nodes": "tag",
    D + "stop_monitoring_nodes": "",
    # wasi_snapshot_preview1
    W + "args_get": "ptr ptr",
    W + "args_sizes_get": "out4 out4",
    W + "environ_get": "ptr ptr",
    W + "environ_sizes_get": "out4 out4",
    W + "clock_res_get": "i32 out8",
    W + "clock_time_get": "i32 i64 out8",
    W + "fd_advise": "fd off off i32",
    W + "fd_allocate": "fd off off",
    W + "fd_close": "fd",
    W + "fd_datasync": "fd",
    W + "fd_fdstat_get": "fd ptr",
    W + "fd_fdstat_set_flags": "fd i32",
    W + "fd_fdstat_set_rights": "fd i64 i64",
    W + "fd_filestat_get": "fd ptr",
    W + "fd_filestat_set_size": "fd off",
    W + "fd_filestat_set_times": "fd i64 i64 i32",
    W + "fd_pread": "fd oiov off out4",
    W + "fd_prestat_get": "fd ptr",
    W + "fd_prestat_dir_name": "fd obuf",
    W + "fd_pwrite": "fd iov off out4",
    W + "fd_read": "fd oiov out4",
    W + "fd_readdir": "fd obuf i64 out4",
    W + "fd_renumber": "fd fd",
    W + "fd_seek": "fd i64 i32 out8",
    W + "fd_sync": "fd",
    W + "fd_tell": "fd out8",
    W + "fd_write": "fd iov out4",
    W + "path_create_directory": "fd str:path",
    W + "path_filestat_get": "fd i32 str:path ptr",
    W + "path_filestat_set_times": "fd i32 str:path i64 i64 i32",
    W + "path_link": "fd i32 str:path fd str:path",
    W + "path_open": "fd i32 str:path i32 i64 i64 i32 out:fd",
    W + "path_readlink": "fd str:path obuf out4",
    W + "path_remove_directory": "fd str:path",
    W + "path_rename": "fd str:path fd str:path",
    W + "path_symlink": "str:path fd str:path",
    W + "path_unlink_file": "fd str:path",
    W + "poll_oneoff": "subs ptr cnt out4",
    W + "proc_exit": "i32",
    W + "proc_raise": "i32",
    W + "sched_yield": "",
    W + "random_get": "obuf",
    W + "sock_accept": "fd i32 out:fd",
    W + "sock_recv": "fd oiov i32 out4 out4",
    W + "sock_send": "fd iov i32 out4",
    W + "sock_shutdown": "fd i32",
}

# The wasm type each single role stands for (pair roles are i32 i32).
I64_ROLES = {"id", "tag", "pid", "ms", "i64", "cap", "mem", "fuel", "msgidx",
             "off"}
F64_ROLES = {"f64"}


class Spec:
    """A binding's parsed entry: roles [(role, arg)] and what it makes."""

    def __init__(self, binding, text):
        self.b = binding
        self.makes = None
        if "=>" in text:
            text, self.makes = [t.strip() for t in text.split("=>")]
        self.roles = []
        for tok in text.split():
            role, _, arg = tok.partition(":")
            self.roles.append((role, arg))

    def wasm_types(self):
        out = []
        for role, _ in self.roles:
            if role in PAIR_ROLES:
                out += ["i32", "i32"]
            elif role in I64_ROLES:
                out.append("i64")
            elif role in F64_ROLES:
                out.append("f64")
            else:
                out.append("i32")
        return out


def check(bindings):
    """Spec per binding, keyed like SPECS; stops on a missing or
    mistyped entry, so that a new host function cannot go unfuzzed."""
    out, bad = {}, []
    for b in bindings:
        if b.key not in SPECS:
            bad.append(f"{b.key}: no generator entry in tests/abifuzz/"
                       f"specs.py (params {b.params})")
            continue
        s = Spec(b, SPECS[b.key])
        if s.wasm_types() != b.params:
            bad.append(f"{b.key}: specs.py says {s.wasm_types()}, the "
                       f"runtime binds {b.params}")
        out[b.key] = s
    if bad:
        raise SystemExit("abifuzz: " + "\n  ".join(["bindings without a "
                         "usable generator entry:"] + bad))
    return out
