;; FIXED (issue 15): the flooded mailbox counts against its owner's memory limit, which is killed (sched/limits.c): exit 141.
;; make sandbox-e2e runs it as a regression test.
;; Was known, open (issue 15, "Exhaustion"; generator flag mailbox_flood): a
;; process sends itself 60 KB messages and never receives them; its
;; mailbox grows without bound in host memory that no limit charges
;; (RSS climbs by hundreds of MB a second until the host runs out).
;; The runtime should count queued bytes against the receiver's memory
;; limit (and a node-wide cap) and fail the send or the sender clearly.
;;   /usr/bin/time -v lunatic mailbox_flood.wasm   (maximum resident size)
(module
  (import "lunatic::message" "create_data" (func $create (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::process" "process_id" (func $self (result i64)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop
      (call $create (i64.const 1) (i64.const 0))
      (drop (call $write (i32.const 0) (i32.const 60000)))
      (drop (call $send (call $self)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      ;; 20,000 x 60 KB = 1.2 GB queued; remove the bound to run forever
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 20000))))))
