;; Guests of test_remote.c's links and monitors across nodes: node A's
;; root runs an export as its entry; B runs what A spawns there (the fake
;; cluster hands signals straight to the other runtime). Node ids: A
;; 0xA000000000000001, B 0xB000000000000002, C 0xC000000000000003 (a sink
;; that counts: a send there tells the test to act), D 0xD000000000000004
;; (not a member). A failed check is `unreachable` (the root traps).
;; Memory: 100.. function names, 200 params, 300 id out, 400 a message.
(module
  (import "lunatic::distributed" "node_id" (func $node_id (result i64)))
  (import "lunatic::distributed" "module_id" (func $module_id (result i64)))
  (import "lunatic::distributed" "send"
    (func $dsend (param i64 i64) (result i32)))
  (import "lunatic::distributed" "spawn"
    (func $dspawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::distributed" "link" (func $link (param i64 i64 i64)))
  (import "lunatic::distributed" "unlink" (func $unlink (param i64 i64)))
  (import "lunatic::distributed" "monitor" (func $monitor (param i64 i64)))
  (import "lunatic::distributed" "stop_monitoring"
    (func $stop_monitoring (param i64 i64)))
  (import "lunatic::distributed" "monitor_nodes" (func $monitor_nodes (param i64)))
  (import "lunatic::distributed" "stop_monitoring_nodes" (func $stop_monitoring_nodes))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "get_process_id" (func $get_process_id (result i64)))
  (import "lunatic::message" "get_node_id" (func $get_node_id (result i64)))
  (import "lunatic::message" "get_death_reason" (func $get_death_reason (result i32)))
  (import "lunatic::message" "read_data" (func $read_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive"
    (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::process" "die_when_link_dies" (func $die_when_link_dies (param i32)))
  (import "lunatic::process" "create_config" (func $create_config (result i64)))
  (import "lunatic::process" "config_set_max_memory"
    (func $config_set_max_memory (param i64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 100) "victim")   ;; 6
  (data (i32.const 110) "grow")     ;; 4

  (global $B i64 (i64.const 0xB000000000000002))
  (global $C i64 (i64.const 0xC000000000000003))
  (global $D i64 (i64.const 0xD000000000000004))

  (func $param_i64 (param $i i32) (param $v i64)
    (local $at i32)
    (local.set $at (i32.add (i32.const 200) (i32.mul (local.get $i) (i32.const 17))))
    (i32.store8 (local.get $at) (i32.const 0x7E))
    (i64.store (i32.add (local.get $at) (i32.const 1)) (local.get $v))
    (i64.store (i32.add (local.get $at) (i32.const 9)) (i64.const 0)))

  (func $check (param $ok i32)
    (if (i32.eqz (local.get $ok)) (then unreachable)))

  ;; receive anything within ms: its kind (9027 on timeout)
  (func $recv (param $ms i64) (result i32)
    (call $receive (i32.const 0) (i32.const 0) (local.get $ms)))

  ;; On B: wait for one message, tell (node, pid) with tag 66, then end
  ;; by mode: 0 return, 1 trap, 2 never (until killed or cut off).
  (func (export "victim") (param $mode i64) (param $node i64) (param $pid i64)
    (drop (call $recv (i64.const 20000)))
    (call $create_data (i64.const 66) (i64.const 0))
    (drop (call $dsend (local.get $node) (local.get $pid)))
    (if (i64.eq (local.get $mode) (i64.const 1)) (then unreachable))
    (if (i64.eq (local.get $mode) (i64.const 2))
      (then (drop (call $recv (i64.const 30000))))))

  ;; On B: tell (node, pid) tag 1 if its memory cannot grow by 4 pages
  ;; (its config's limit), 2 if it can.
  (func (export "grow") (param $node i64) (param $pid i64)
    (call $create_data
      (select (i64.const 1) (i64.const 2)
              (i32.eq (memory.grow (i32.const 4)) (i32.const -1)))
      (i64.const 0))
    (drop (call $dsend (local.get $node) (local.get $pid))))

  ;; spawn victim(mode, us) on B: its pid
  (func $victim (param $mode i64) (result i64)
    (call $param_i64 (i32.const 0) (local.get $mode))
    (call $param_i64 (i32.const 1) (call $node_id))
    (call $param_i64 (i32.const 2) (call $process_id))
    (call $check (i32.eqz
      (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                    (i32.const 100) (i32.const 6) (i32.const 200)
                    (i32.const 51) (i32.const 300))))
    (i64.load (i32.const 300)))

  ;; tell victim pid on B to go on
  (func $poke (param $pid i64)
    (call $create_data (i64.const 1) (i64.const 0))
    (call $check (i32.eqz (call $dsend (global.get $B) (local.get $pid)))))

  ;; the victim's last message (tag 66, from B) must come first
  (func $expect_66
    (call $check (i32.eqz (call $recv (i64.const 10000))))
    (call $check (i64.eq (call $get_tag) (i64.const 66)))
    (call $check (i64.eq (call $get_node_id) (global.get $B)))
    (call $check (i32.eq (call $get_death_reason) (i32.const -1))))

  ;; the test acts when we send to C
  (func $tell_test
    (call $create_data (i64.const 1) (i64.const 0))
    (drop (call $dsend (global.get $C) (i64.const 1))))

  ;; A linked process on B traps: LinkDied with our tag, B, failure,
  ;; after its last message.
  (func (export "link_trap")
    (local $pid i64)
    (call $die_when_link_dies (i32.const 0))
    (local.set $pid (call $victim (i64.const 1)))
    (call $link (i64.const 7) (global.get $B) (local.get $pid))
    (call $poke (local.get $pid))
    (call $expect_66)
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 1)))
    (call $check (i64.eq (call $get_tag) (i64.const 7)))
    (call $check (i64.eq (call $get_node_id) (global.get $B)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 1))))

  ;; The same with links trapping (the default): we die.
  (func (export "link_kills")
    (local $pid i64)
    (local.set $pid (call $victim (i64.const 1)))
    (call $link (i64.const 7) (global.get $B) (local.get $pid))
    (call $poke (local.get $pid))
    (drop (call $recv (i64.const 10000)))
    (drop (call $recv (i64.const 10000))))

  ;; A monitored process on B returns: ProcessDied(pid), B, normal; a
  ;; link to one that returns fires nothing.
  (func (export "monitor_normal")
    (local $pid i64)
    (call $die_when_link_dies (i32.const 0))
    (local.set $pid (call $victim (i64.const 0)))
    (call $monitor (global.get $B) (local.get $pid))
    (call $link (i64.const 3) (global.get $B) (local.get $pid))
    (call $poke (local.get $pid))
    (call $expect_66)
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 2)))
    (call $check (i64.eq (call $get_process_id) (local.get $pid)))
    (call $check (i64.eq (call $get_node_id) (global.get $B)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 0)))
    (call $check (i32.eq (call $recv (i64.const 300)) (i32.const 9027))))

  ;; unlink and stop_monitoring before it traps: nothing comes.
  (func (export "unlink_and_stop")
    (local $pid i64)
    (call $die_when_link_dies (i32.const 0))
    (local.set $pid (call $victim (i64.const 1)))
    (call $link (i64.const 7) (global.get $B) (local.get $pid))
    (call $monitor (global.get $B) (local.get $pid))
    (call $unlink (global.get $B) (local.get $pid))
    (call $stop_monitoring (global.get $B) (local.get $pid))
    (call $poke (local.get $pid))
    (call $expect_66)
    (call $check (i32.eq (call $recv (i64.const 300)) (i32.const 9027))))

  ;; A process on B that never ends; B goes down (the test does it when
  ;; we tell it): LinkDied with our tag and ProcessDied, both noconnection.
  (func (export "node_lost")
    (local $pid i64) (local $kinds i32) (local $kind i32)
    (call $die_when_link_dies (i32.const 0))
    (local.set $pid (call $victim (i64.const 2)))
    (call $link (i64.const 9) (global.get $B) (local.get $pid))
    (call $monitor (global.get $B) (local.get $pid))
    (call $tell_test)
    (local.set $kind (call $recv (i64.const 10000)))
    (local.set $kinds (local.get $kind))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then (call $check (i64.eq (call $get_tag) (i64.const 9))))
      (else (call $check (i64.eq (call $get_process_id) (local.get $pid)))))
    (call $check (i64.eq (call $get_node_id) (global.get $B)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 3)))
    (local.set $kind (call $recv (i64.const 10000)))
    (local.set $kinds (i32.add (local.get $kinds) (local.get $kind)))
    (call $check (i64.eq (call $get_node_id) (global.get $B)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 3)))
    (call $check (i32.eq (local.get $kinds) (i32.const 3)))
    ;; after the node is down, a new link fires at once
    (call $link (i64.const 4) (global.get $B) (local.get $pid))
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 1)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 3))))

  ;; The same with links trapping: the node's loss kills us.
  (func (export "node_lost_kills")
    (local $pid i64)
    (local.set $pid (call $victim (i64.const 2)))
    (call $link (i64.const 9) (global.get $B) (local.get $pid))
    (call $tell_test)
    (drop (call $recv (i64.const 10000)))
    (drop (call $recv (i64.const 10000))))

  ;; Not a member (D), or no such process on B: fired at once,
  ;; noconnection or noprocess.
  (func (export "unreachable_targets")
    (call $die_when_link_dies (i32.const 0))
    (call $link (i64.const 1) (global.get $D) (i64.const 5))
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 1)))
    (call $check (i64.eq (call $get_node_id) (global.get $D)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 3)))
    (call $monitor (global.get $D) (i64.const 5))
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 2)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 3)))
    (call $link (i64.const 2) (global.get $B) (i64.const 999999))
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 1)))
    (call $check (i64.eq (call $get_tag) (i64.const 2)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 2)))
    (call $monitor (global.get $B) (i64.const 999999))
    (call $check (i32.eq (call $recv (i64.const 10000)) (i32.const 2)))
    (call $check (i64.eq (call $get_process_id) (i64.const 999999)))
    (call $check (i32.eq (call $get_death_reason) (i32.const 2)))
    ;; a local message: this node, no death reason
    (call $create_data (i64.const 8) (i64.const 0))
    (drop (call $send (call $process_id)))
    (call $check (i32.eqz (call $recv (i64.const 10000))))
    (call $check (i64.eq (call $get_node_id) (call $node_id)))
    (call $check (i32.eq (call $get_death_reason) (i32.const -1))))

  ;; node events tagged 55: the test brings D up then down; after
  ;; stop_monitoring_nodes, nothing.
  (func $expect_event (param $up i32)
    (call $check (i32.eqz (call $recv (i64.const 10000))))
    (call $check (i64.eq (call $get_tag) (i64.const 55)))
    (call $check (i32.eq (call $read_data (i32.const 400) (i32.const 64)) (i32.const 9)))
    (call $check (i32.eq (i32.load8_u (i32.const 400)) (local.get $up)))
    (call $check (i64.eq (i64.load (i32.const 401)) (global.get $D))))

  (func (export "node_events")
    (call $monitor_nodes (i64.const 55))
    (call $tell_test)
    (call $expect_event (i32.const 1))
    (call $expect_event (i32.const 0))
    (call $stop_monitoring_nodes)
    (call $tell_test)
    (call $check (i32.eq (call $recv (i64.const 300)) (i32.const 9027))))

  ;; grow on B with a config of 2 pages (tag 1: refused), then inheriting
  ;; B's root config (tag 2: grown).
  (func $spawn_grow (param $config i64)
    (call $param_i64 (i32.const 0) (call $node_id))
    (call $param_i64 (i32.const 1) (call $process_id))
    (call $check (i32.eqz
      (call $dspawn (global.get $B) (local.get $config) (call $module_id)
                    (i32.const 110) (i32.const 4) (i32.const 200)
                    (i32.const 34) (i32.const 300)))))

  (func (export "config_travels")
    (local $cfg i64)
    (local.set $cfg (call $create_config))
    (call $config_set_max_memory (local.get $cfg) (i64.const 131072))
    (call $spawn_grow (local.get $cfg))
    (call $check (i32.eqz (call $recv (i64.const 10000))))
    (call $check (i64.eq (call $get_tag) (i64.const 1)))
    (call $spawn_grow (i64.const -1))
    (call $check (i32.eqz (call $recv (i64.const 10000))))
    (call $check (i64.eq (call $get_tag) (i64.const 2))))
)
