;; Guests of test_remote.c: node A's root (an export run as the entry)
;; and the functions spawned on node B. Node ids: A 0xA000000000000001,
;; B 0xB000000000000002, C 0xC000000000000003 (a sink: counted, never
;; delivered). A failed check is `unreachable` (the root traps).
;; Memory: 100.. function names, 200 params (17-byte records), 300 id
;; out, 308 count out, 400 node ids, 1000 a minimal module's bytes.
(module
  (import "lunatic::distributed" "node_id" (func $node_id (result i64)))
  (import "lunatic::distributed" "module_id" (func $module_id (result i64)))
  (import "lunatic::distributed" "send"
    (func $dsend (param i64 i64) (result i32)))
  (import "lunatic::distributed" "spawn"
    (func $dspawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::distributed" "send_receive_skip_search"
    (func $dsend_receive (param i64 i64 i64 i64) (result i32)))
  (import "lunatic::distributed" "exec_lookup_nodes"
    (func $lookup (param i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::distributed" "copy_lookup_nodes_results"
    (func $lookup_copy (param i64 i32 i32 i32) (result i32)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive"
    (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "push_module" (func $push_module (param i64) (result i64)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::process" "sleep_ms" (func $sleep_ms (param i64)))
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::process" "compile_module"
    (func $compile (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "collect")  ;; 7
  (data (i32.const 120) "idle")     ;; 4
  (data (i32.const 130) "nope")     ;; 4
  (data (i32.const 140) "ticker")   ;; 6
  (data (i32.const 150) "spawner")  ;; 7
  (data (i32.const 170) "role=b")   ;; 6
  (data (i32.const 180) "echo")     ;; 4
  (data (i32.const 1000) "\00asm\01\00\00\00")

  (global $B i64 (i64.const 0xB000000000000002))
  (global $C i64 (i64.const 0xC000000000000003))

  ;; param record i (at 200 + 17 i): an i64
  (func $param_i64 (param $i i32) (param $v i64)
    (local $at i32)
    (local.set $at (i32.add (i32.const 200) (i32.mul (local.get $i) (i32.const 17))))
    (i32.store8 (local.get $at) (i32.const 0x7E))
    (i64.store (i32.add (local.get $at) (i32.const 1)) (local.get $v))
    (i64.store (i32.add (local.get $at) (i32.const 9)) (i64.const 0)))

  ;; spawn func (name at ptr, len) of our module on node B with nparams
  ;; records from 200; the pid, or unreachable
  (func $spawn_on_b (param $ptr i32) (param $len i32) (param $np i32) (result i64)
    (if (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                      (local.get $ptr) (local.get $len) (i32.const 200)
                      (i32.mul (local.get $np) (i32.const 17)) (i32.const 300))
      (then unreachable))
    (i64.load (i32.const 300)))

  ;; receive any message (waiting up to 20 s); its tag
  (func $receive_tag (result i64)
    (if (call $receive (i32.const 0) (i32.const 0) (i64.const 20000))
      (then unreachable))
    (call $get_tag))

  ;; On B: receive n messages, which must be tagged 1..n in order, then
  ;; tell (node, pid) with tag 77 (in order) or 78 (not).
  (func (export "collect") (param $node i64) (param $pid i64) (param $n i64)
    (local $k i64) (local $bad i32)
    (local.set $k (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.gt_u (local.get $k) (local.get $n)))
        (if (i64.ne (call $receive_tag) (local.get $k))
          (then (local.set $bad (i32.const 1))))
        (local.set $k (i64.add (local.get $k) (i64.const 1)))
        (br $next)))
    (call $create_data (select (i64.const 78) (i64.const 77) (local.get $bad))
                       (i64.const 0))
    (drop (call $dsend (local.get $node) (local.get $pid))))

  (func (export "idle"))

  ;; On B: answer one message to (node, pid) with the same tag.
  (func (export "echo") (param $node i64) (param $pid i64)
    (call $create_data (call $receive_tag) (i64.const 0))
    (drop (call $dsend (local.get $node) (local.get $pid))))

  ;; A request to an echo on B, its answer awaited by tag.
  (func (export "ask")
    (local $pid i64)
    (call $param_i64 (i32.const 0) (call $node_id))
    (call $param_i64 (i32.const 1) (call $process_id))
    (local.set $pid (call $spawn_on_b (i32.const 180) (i32.const 4) (i32.const 2)))
    (call $create_data (i64.const 42) (i64.const 0))
    (if (call $dsend_receive (global.get $B) (local.get $pid) (i64.const 42)
                             (i64.const 10000))
      (then unreachable))
    (if (i64.ne (call $get_tag) (i64.const 42)) (then unreachable)))

  ;; A spawn B never answers: 9027 after the 5 s response timeout.
  (func (export "spawn_unanswered")
    (if (i32.ne (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                              (i32.const 120) (i32.const 4) (i32.const 200)
                              (i32.const 0) (i32.const 300))
                (i32.const 9027))
      (then unreachable)))

  ;; On A, beside the sender: keeps sending to node C every millisecond
  ;; (the test counts those to see it run while the sender is parked).
  (func (export "ticker")
    (loop $again
      (call $create_data (i64.const 1) (i64.const 0))
      (drop (call $dsend (global.get $C) (i64.const 1)))
      (call $sleep_ms (i64.const 1))
      (br $again)))

  ;; On A: spawn idle on B and tell root pid with tag 1 (spawned) or 2.
  (func (export "spawner") (param $root i64)
    (local $rc i32)
    (local.set $rc (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                                 (i32.const 120) (i32.const 4) (i32.const 200)
                                 (i32.const 0) (i32.const 300)))
    (call $create_data (select (i64.const 2) (i64.const 1) (local.get $rc))
                       (i64.const 0))
    (drop (call $send (local.get $root))))

  ;; 10,000 messages tagged 1..10000 to a collector spawned on B; its
  ;; verdict must be 77.
  (func $send_many
    (local $pid i64) (local $k i64)
    (call $param_i64 (i32.const 0) (call $node_id))
    (call $param_i64 (i32.const 1) (call $process_id))
    (call $param_i64 (i32.const 2) (i64.const 10000))
    (local.set $pid (call $spawn_on_b (i32.const 100) (i32.const 7) (i32.const 3)))
    (local.set $k (i64.const 1))
    (loop $next
      (call $create_data (local.get $k) (i64.const 0))
      (if (call $dsend (global.get $B) (local.get $pid)) (then unreachable))
      (local.set $k (i64.add (local.get $k) (i64.const 1)))
      (br_if $next (i64.le_u (local.get $k) (i64.const 10000))))
    (if (i64.ne (call $receive_tag) (i64.const 77)) (then unreachable)))

  (func (export "send_many") (call $send_many))

  ;; The same with a ticker process spawned first (on the same worker).
  (func (export "send_many_with_ticker")
    (if (call $spawn (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 140)
                     (i32.const 6) (i32.const 200) (i32.const 0) (i32.const 300))
      (then unreachable))
    (call $send_many))

  ;; Ten local spawners each spawn idle on B at once; each verdict must
  ;; be $want (1: all spawned, 2: all failed).
  (func $spawn_ten (param $want i64)
    (local $i i32)
    (call $param_i64 (i32.const 0) (call $process_id))
    (loop $next
      (if (call $spawn (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 150)
                       (i32.const 7) (i32.const 200) (i32.const 17) (i32.const 300))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 10))))
    (local.set $i (i32.const 0))
    (loop $next
      (if (i64.ne (call $receive_tag) (local.get $want)) (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 10)))))

  (func (export "spawn_ten_ok") (call $spawn_ten (i64.const 1)))
  (func (export "spawn_ten_fail") (call $spawn_ten (i64.const 2)))

  ;; A function B's copy of the module lacks: 2 (Lunatic's "module not
  ;; found", which also covers a missing function); so does an unknown
  ;; module id.
  (func (export "spawn_missing")
    (if (i32.ne (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                              (i32.const 130) (i32.const 4) (i32.const 200)
                              (i32.const 0) (i32.const 300))
                (i32.const 2))
      (then unreachable))
    (if (i32.ne (call $dspawn (global.get $B) (i64.const -1)
                              (i64.xor (call $module_id) (i64.const 1))
                              (i32.const 120) (i32.const 4) (i32.const 200)
                              (i32.const 0) (i32.const 300))
                (i32.const 2))
      (then unreachable)))

  ;; No such process on B: 1.
  (func (export "send_unknown_pid")
    (call $create_data (i64.const 5) (i64.const 0))
    (if (i32.ne (call $dsend (global.get $B) (i64.const 999999)) (i32.const 1))
      (then unreachable)))

  ;; After B went down: a send gets 2 (no such node), a spawn 1.
  (func (export "node_down")
    (call $create_data (i64.const 5) (i64.const 0))
    (if (i32.ne (call $dsend (global.get $B) (i64.const 1)) (i32.const 2))
      (then unreachable))
    (if (i32.ne (call $dspawn (global.get $B) (i64.const -1) (call $module_id)
                              (i32.const 120) (i32.const 4) (i32.const 200)
                              (i32.const 0) (i32.const 300))
                (i32.const 1))
      (then unreachable)))

  ;; A message carrying a module to another node: a trap.
  (func (export "send_resource")
    (if (call $compile (i32.const 1000) (i32.const 8) (i32.const 300))
      (then unreachable))
    (call $create_data (i64.const 5) (i64.const 0))
    (drop (call $push_module (i64.load (i32.const 300))))
    (drop (call $dsend (global.get $B) (i64.const 1))))

  ;; The nodes tagged role=b: B only.
  (func (export "lookup")
    (if (call $lookup (i32.const 170) (i32.const 6) (i32.const 300)
                      (i32.const 308) (i32.const 316))
      (then unreachable))
    (if (i64.ne (i64.load (i32.const 308)) (i64.const 1)) (then unreachable))
    (if (i32.ne (call $lookup_copy (i64.load (i32.const 300)) (i32.const 400)
                                   (i32.const 4) (i32.const 316))
                (i32.const 1))
      (then unreachable))
    (if (i64.ne (i64.load (i32.const 400)) (global.get $B)) (then unreachable))
    ;; consumed: nothing left
    (if (call $lookup_copy (i64.load (i32.const 300)) (i32.const 400)
                           (i32.const 4) (i32.const 316))
      (then unreachable))
    (if (i32.ne (call $lookup_copy (i64.const 12345) (i32.const 400)
                                   (i32.const 4) (i32.const 316))
                (i32.const -1))
      (then unreachable)))
)
