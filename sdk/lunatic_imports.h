/* lunatic_imports.h: every lunatic::* host import, generated from
 * ../shared/fixtures/lunatic_all_imports.wat: C name
 * lunatic_<namespace>_<function>, wasm types exactly as the host links
 * them. Included by lunatic.h. */
#ifndef LUN_SDK_LUNATIC_IMPORTS_H
#define LUN_SDK_LUNATIC_IMPORTS_H

#include <stdint.h>

#define LUN_IMPORT(ns, n) __attribute__((import_module(ns), import_name(n)))

/* {===== host imports (generated from ../shared/fixtures/lunatic_all_imports.wat) */

/* lunatic::distributed */
LUN_IMPORT("lunatic::distributed", "copy_lookup_nodes_results")
int32_t lunatic_distributed_copy_lookup_nodes_results(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "default_server_certificates")
int32_t lunatic_distributed_default_server_certificates(int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "exec_lookup_nodes")
int32_t lunatic_distributed_exec_lookup_nodes(int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "get_nodes")
int32_t lunatic_distributed_get_nodes(int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "module_id")
int64_t lunatic_distributed_module_id(void);
LUN_IMPORT("lunatic::distributed", "node_id")
int64_t lunatic_distributed_node_id(void);
LUN_IMPORT("lunatic::distributed", "nodes_count")
int32_t lunatic_distributed_nodes_count(void);
LUN_IMPORT("lunatic::distributed", "send")
int32_t lunatic_distributed_send(int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "send_receive_skip_search")
int32_t lunatic_distributed_send_receive_skip_search(int64_t, int64_t, int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "sign_node")
int32_t lunatic_distributed_sign_node(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "spawn")
int32_t lunatic_distributed_spawn(int64_t, int64_t, int64_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::distributed", "test_root_cert")
int32_t lunatic_distributed_test_root_cert(int32_t);

/* lunatic::error */
LUN_IMPORT("lunatic::error", "drop")
void lunatic_error_drop(int64_t);
LUN_IMPORT("lunatic::error", "string_size")
int32_t lunatic_error_string_size(int64_t);
LUN_IMPORT("lunatic::error", "to_string")
void lunatic_error_to_string(int64_t, int32_t);

/* lunatic::message */
LUN_IMPORT("lunatic::message", "create_data")
void lunatic_message_create_data(int64_t, int64_t);
LUN_IMPORT("lunatic::message", "data_size")
int64_t lunatic_message_data_size(void);
LUN_IMPORT("lunatic::message", "get_process_id")
int64_t lunatic_message_get_process_id(void);
LUN_IMPORT("lunatic::message", "get_tag")
int64_t lunatic_message_get_tag(void);
LUN_IMPORT("lunatic::message", "push_module")
int64_t lunatic_message_push_module(int64_t);
LUN_IMPORT("lunatic::message", "push_tcp_stream")
int64_t lunatic_message_push_tcp_stream(int64_t);
LUN_IMPORT("lunatic::message", "push_tls_stream")
int64_t lunatic_message_push_tls_stream(int64_t);
LUN_IMPORT("lunatic::message", "push_udp_socket")
int64_t lunatic_message_push_udp_socket(int64_t);
LUN_IMPORT("lunatic::message", "read_data")
int32_t lunatic_message_read_data(int32_t, int32_t);
LUN_IMPORT("lunatic::message", "receive")
int32_t lunatic_message_receive(int32_t, int32_t, int64_t);
LUN_IMPORT("lunatic::message", "seek_data")
void lunatic_message_seek_data(int64_t);
LUN_IMPORT("lunatic::message", "send")
int32_t lunatic_message_send(int64_t);
LUN_IMPORT("lunatic::message", "send_receive_skip_search")
int32_t lunatic_message_send_receive_skip_search(int64_t, int64_t, int64_t);
LUN_IMPORT("lunatic::message", "take_module")
int64_t lunatic_message_take_module(int64_t);
LUN_IMPORT("lunatic::message", "take_tcp_stream")
int64_t lunatic_message_take_tcp_stream(int64_t);
LUN_IMPORT("lunatic::message", "take_tls_stream")
int64_t lunatic_message_take_tls_stream(int64_t);
LUN_IMPORT("lunatic::message", "take_udp_socket")
int64_t lunatic_message_take_udp_socket(int64_t);
LUN_IMPORT("lunatic::message", "write_data")
int32_t lunatic_message_write_data(int32_t, int32_t);

/* lunatic::metrics */
LUN_IMPORT("lunatic::metrics", "counter")
void lunatic_metrics_counter(int32_t, int32_t, int64_t);
LUN_IMPORT("lunatic::metrics", "decrement_gauge")
void lunatic_metrics_decrement_gauge(int32_t, int32_t, double);
LUN_IMPORT("lunatic::metrics", "gauge")
void lunatic_metrics_gauge(int32_t, int32_t, double);
LUN_IMPORT("lunatic::metrics", "histogram")
void lunatic_metrics_histogram(int32_t, int32_t, double);
LUN_IMPORT("lunatic::metrics", "increment_counter")
void lunatic_metrics_increment_counter(int32_t, int32_t);
LUN_IMPORT("lunatic::metrics", "increment_gauge")
void lunatic_metrics_increment_gauge(int32_t, int32_t, double);

/* lunatic::networking */
LUN_IMPORT("lunatic::networking", "clone_tcp_stream")
int64_t lunatic_networking_clone_tcp_stream(int64_t);
LUN_IMPORT("lunatic::networking", "clone_tls_stream")
int64_t lunatic_networking_clone_tls_stream(int64_t);
LUN_IMPORT("lunatic::networking", "clone_udp_socket")
int64_t lunatic_networking_clone_udp_socket(int64_t);
LUN_IMPORT("lunatic::networking", "drop_dns_iterator")
void lunatic_networking_drop_dns_iterator(int64_t);
LUN_IMPORT("lunatic::networking", "drop_tcp_listener")
void lunatic_networking_drop_tcp_listener(int64_t);
LUN_IMPORT("lunatic::networking", "drop_tcp_stream")
void lunatic_networking_drop_tcp_stream(int64_t);
LUN_IMPORT("lunatic::networking", "drop_tls_listener")
void lunatic_networking_drop_tls_listener(int64_t);
LUN_IMPORT("lunatic::networking", "drop_tls_stream")
void lunatic_networking_drop_tls_stream(int64_t);
LUN_IMPORT("lunatic::networking", "drop_udp_socket")
void lunatic_networking_drop_udp_socket(int64_t);
LUN_IMPORT("lunatic::networking", "get_peek_timeout")
int64_t lunatic_networking_get_peek_timeout(int64_t);
LUN_IMPORT("lunatic::networking", "get_read_timeout")
int64_t lunatic_networking_get_read_timeout(int64_t);
LUN_IMPORT("lunatic::networking", "get_tls_read_timeout")
int64_t lunatic_networking_get_tls_read_timeout(int64_t);
LUN_IMPORT("lunatic::networking", "get_tls_write_timeout")
int64_t lunatic_networking_get_tls_write_timeout(int64_t);
LUN_IMPORT("lunatic::networking", "get_udp_socket_broadcast")
int32_t lunatic_networking_get_udp_socket_broadcast(int64_t);
LUN_IMPORT("lunatic::networking", "get_udp_socket_ttl")
int32_t lunatic_networking_get_udp_socket_ttl(int64_t);
LUN_IMPORT("lunatic::networking", "get_write_timeout")
int64_t lunatic_networking_get_write_timeout(int64_t);
LUN_IMPORT("lunatic::networking", "resolve")
int32_t lunatic_networking_resolve(int32_t, int32_t, int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "resolve_next")
int32_t lunatic_networking_resolve_next(int64_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "set_peek_timeout")
void lunatic_networking_set_peek_timeout(int64_t, int64_t);
LUN_IMPORT("lunatic::networking", "set_read_timeout")
void lunatic_networking_set_read_timeout(int64_t, int64_t);
LUN_IMPORT("lunatic::networking", "set_tls_read_timeout")
void lunatic_networking_set_tls_read_timeout(int64_t, int64_t);
LUN_IMPORT("lunatic::networking", "set_tls_write_timeout")
void lunatic_networking_set_tls_write_timeout(int64_t, int64_t);
LUN_IMPORT("lunatic::networking", "set_udp_socket_broadcast")
void lunatic_networking_set_udp_socket_broadcast(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "set_udp_socket_ttl")
void lunatic_networking_set_udp_socket_ttl(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "set_write_timeout")
void lunatic_networking_set_write_timeout(int64_t, int64_t);
LUN_IMPORT("lunatic::networking", "tcp_accept")
int32_t lunatic_networking_tcp_accept(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_bind")
int32_t lunatic_networking_tcp_bind(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_connect")
int32_t lunatic_networking_tcp_connect(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_flush")
int32_t lunatic_networking_tcp_flush(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_local_addr")
int32_t lunatic_networking_tcp_local_addr(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_peek")
int32_t lunatic_networking_tcp_peek(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_peer_addr")
int32_t lunatic_networking_tcp_peer_addr(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_read")
int32_t lunatic_networking_tcp_read(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tcp_write_vectored")
int32_t lunatic_networking_tcp_write_vectored(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_accept")
int32_t lunatic_networking_tls_accept(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_bind")
int32_t lunatic_networking_tls_bind(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_connect")
int32_t lunatic_networking_tls_connect(int32_t, int32_t, int32_t, int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_flush")
int32_t lunatic_networking_tls_flush(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_local_addr")
int32_t lunatic_networking_tls_local_addr(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_read")
int32_t lunatic_networking_tls_read(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "tls_write_vectored")
int32_t lunatic_networking_tls_write_vectored(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_bind")
int32_t lunatic_networking_udp_bind(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_connect")
int32_t lunatic_networking_udp_connect(int64_t, int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_local_addr")
int32_t lunatic_networking_udp_local_addr(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_peer_addr")
int32_t lunatic_networking_udp_peer_addr(int64_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_receive")
int32_t lunatic_networking_udp_receive(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_receive_from")
int32_t lunatic_networking_udp_receive_from(int64_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_send")
int32_t lunatic_networking_udp_send(int64_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::networking", "udp_send_to")
int32_t lunatic_networking_udp_send_to(int64_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);

/* lunatic::process */
LUN_IMPORT("lunatic::process", "compile_module")
int32_t lunatic_process_compile_module(int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::process", "config_can_compile_modules")
int32_t lunatic_process_config_can_compile_modules(int64_t);
LUN_IMPORT("lunatic::process", "config_can_create_configs")
int32_t lunatic_process_config_can_create_configs(int64_t);
LUN_IMPORT("lunatic::process", "config_can_spawn_processes")
int32_t lunatic_process_config_can_spawn_processes(int64_t);
LUN_IMPORT("lunatic::process", "config_get_max_fuel")
int64_t lunatic_process_config_get_max_fuel(int64_t);
LUN_IMPORT("lunatic::process", "config_get_max_memory")
int64_t lunatic_process_config_get_max_memory(int64_t);
LUN_IMPORT("lunatic::process", "config_set_can_compile_modules")
void lunatic_process_config_set_can_compile_modules(int64_t, int32_t);
LUN_IMPORT("lunatic::process", "config_set_can_create_configs")
void lunatic_process_config_set_can_create_configs(int64_t, int32_t);
LUN_IMPORT("lunatic::process", "config_set_can_spawn_processes")
void lunatic_process_config_set_can_spawn_processes(int64_t, int32_t);
LUN_IMPORT("lunatic::process", "config_set_max_fuel")
void lunatic_process_config_set_max_fuel(int64_t, int64_t);
LUN_IMPORT("lunatic::process", "config_set_max_memory")
void lunatic_process_config_set_max_memory(int64_t, int64_t);
LUN_IMPORT("lunatic::process", "create_config")
int64_t lunatic_process_create_config(void);
LUN_IMPORT("lunatic::process", "die_when_link_dies")
void lunatic_process_die_when_link_dies(int32_t);
LUN_IMPORT("lunatic::process", "drop_config")
void lunatic_process_drop_config(int64_t);
LUN_IMPORT("lunatic::process", "drop_module")
void lunatic_process_drop_module(int64_t);
LUN_IMPORT("lunatic::process", "environment_id")
int64_t lunatic_process_environment_id(void);
LUN_IMPORT("lunatic::process", "exists")
int32_t lunatic_process_exists(int64_t);
LUN_IMPORT("lunatic::process", "get_or_spawn")
int32_t lunatic_process_get_or_spawn(int32_t, int32_t, int64_t, int64_t, int64_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::process", "kill")
void lunatic_process_kill(int64_t);
LUN_IMPORT("lunatic::process", "link")
void lunatic_process_link(int64_t, int64_t);
LUN_IMPORT("lunatic::process", "monitor")
void lunatic_process_monitor(int64_t);
LUN_IMPORT("lunatic::process", "process_id")
int64_t lunatic_process_process_id(void);
LUN_IMPORT("lunatic::process", "sleep_ms")
void lunatic_process_sleep_ms(int64_t);
LUN_IMPORT("lunatic::process", "spawn")
int32_t lunatic_process_spawn(int64_t, int64_t, int64_t, int32_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::process", "stop_monitoring")
void lunatic_process_stop_monitoring(int64_t);
LUN_IMPORT("lunatic::process", "unlink")
void lunatic_process_unlink(int64_t);

/* lunatic::registry */
LUN_IMPORT("lunatic::registry", "get")
int32_t lunatic_registry_get(int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::registry", "put")
void lunatic_registry_put(int32_t, int32_t, int64_t, int64_t);
LUN_IMPORT("lunatic::registry", "remove")
void lunatic_registry_remove(int32_t, int32_t);

/* lunatic::sqlite */
LUN_IMPORT("lunatic::sqlite", "bind_value")
void lunatic_sqlite_bind_value(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "column_count")
int32_t lunatic_sqlite_column_count(int64_t);
LUN_IMPORT("lunatic::sqlite", "column_name")
int32_t lunatic_sqlite_column_name(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "column_names")
int32_t lunatic_sqlite_column_names(int64_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "execute")
int32_t lunatic_sqlite_execute(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "last_error")
int32_t lunatic_sqlite_last_error(int64_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "open")
int64_t lunatic_sqlite_open(int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "query_prepare")
int64_t lunatic_sqlite_query_prepare(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "read_column")
int32_t lunatic_sqlite_read_column(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "read_row")
int32_t lunatic_sqlite_read_row(int64_t, int32_t);
LUN_IMPORT("lunatic::sqlite", "sqlite3_changes")
int32_t lunatic_sqlite_sqlite3_changes(int64_t);
LUN_IMPORT("lunatic::sqlite", "sqlite3_finalize")
void lunatic_sqlite_sqlite3_finalize(int64_t);
LUN_IMPORT("lunatic::sqlite", "sqlite3_step")
int32_t lunatic_sqlite_sqlite3_step(int64_t);
LUN_IMPORT("lunatic::sqlite", "statement_reset")
void lunatic_sqlite_statement_reset(int64_t);

/* lunatic::timer */
LUN_IMPORT("lunatic::timer", "cancel_timer")
int32_t lunatic_timer_cancel_timer(int64_t);
LUN_IMPORT("lunatic::timer", "send_after")
int64_t lunatic_timer_send_after(int64_t, int64_t);

/* lunatic::trap */
LUN_IMPORT("lunatic::trap", "catch")
int32_t lunatic_trap_catch(int32_t, int32_t);

/* lunatic::version */
LUN_IMPORT("lunatic::version", "major")
int32_t lunatic_version_major(void);
LUN_IMPORT("lunatic::version", "minor")
int32_t lunatic_version_minor(void);
LUN_IMPORT("lunatic::version", "patch")
int32_t lunatic_version_patch(void);

/* lunatic::wasi */
LUN_IMPORT("lunatic::wasi", "config_add_command_line_argument")
void lunatic_wasi_config_add_command_line_argument(int64_t, int32_t, int32_t);
LUN_IMPORT("lunatic::wasi", "config_add_environment_variable")
void lunatic_wasi_config_add_environment_variable(int64_t, int32_t, int32_t, int32_t, int32_t);
LUN_IMPORT("lunatic::wasi", "config_preopen_dir")
void lunatic_wasi_config_preopen_dir(int64_t, int32_t, int32_t);
/* Lunatic's later registry call (this runtime links it too). */
LUN_IMPORT("lunatic::registry", "get_or_put_later")
int32_t lunatic_registry_get_or_put_later(int32_t, int32_t, int32_t, int32_t);

/* }===== */
/* {===== beyond Lunatic: links and monitors across nodes, node events,
 * and who sent a message (docs/nodes.md; not in Lunatic) */

LUN_IMPORT("lunatic::distributed", "link")
void lunatic_distributed_link(int64_t, int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "unlink")
void lunatic_distributed_unlink(int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "monitor")
void lunatic_distributed_monitor(int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "stop_monitoring")
void lunatic_distributed_stop_monitoring(int64_t, int64_t);
LUN_IMPORT("lunatic::distributed", "monitor_nodes")
void lunatic_distributed_monitor_nodes(int64_t);
LUN_IMPORT("lunatic::distributed", "stop_monitoring_nodes")
void lunatic_distributed_stop_monitoring_nodes(void);
LUN_IMPORT("lunatic::message", "get_node_id")
int64_t lunatic_message_get_node_id(void);
LUN_IMPORT("lunatic::message", "get_death_reason")
int32_t lunatic_message_get_death_reason(void);

/* }===== */
/* {===== beyond Lunatic: hot code reloading (docs/reload.md) */

LUN_IMPORT("lunatic::process", "upgrade_point")
int32_t lunatic_process_upgrade_point(void);
LUN_IMPORT("lunatic::process", "upgrade_module")
int32_t lunatic_process_upgrade_module(int64_t, int32_t);

/* }===== */

#endif
