;; Handles of one kind passed where another kind is expected
;; (test_wrong_kind.c): each export is run as the root process of its own
;; runtime. Memory: 0: 127.0.0.1, 8: id out, 16: id out, 24: ":memory:",
;; 40: "SELECT 1", 64..: buffers.
(module
  (import "lunatic::networking" "tcp_bind"
    (func $tcp_bind (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::networking" "udp_bind"
    (func $udp_bind (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::networking" "drop_tcp_listener" (func $drop_tcp_listener (param i64)))
  (import "lunatic::networking" "tcp_read"
    (func $tcp_read (param i64 i32 i32 i32) (result i32)))
  (import "lunatic::networking" "tls_read"
    (func $tls_read (param i64 i32 i32 i32) (result i32)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "push_tcp_stream" (func $push_tcp_stream (param i64) (result i64)))
  (import "lunatic::sqlite" "open" (func $sqlite_open (param i32 i32 i32) (result i64)))
  (import "lunatic::sqlite" "query_prepare"
    (func $prepare (param i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\7f\00\00\01")
  (data (i32.const 24) ":memory:")
  (data (i32.const 40) "SELECT 1")

  ;; a listener on 127.0.0.1, any port; its id at 8
  (func $listen
    (if (call $tcp_bind (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)
                        (i32.const 0) (i32.const 8))
      (then unreachable)))
  ;; an in-memory database; its id at 16
  (func $open
    (if (i64.ne (call $sqlite_open (i32.const 24) (i32.const 8) (i32.const 16))
                (i64.const 0))
      (then unreachable)))

  ;; the control: a connection's own id works
  (func (export "sqlite_own_id")
    (call $open)
    (drop (call $prepare (i64.load (i32.const 16)) (i32.const 40) (i32.const 8))))

  ;; listeners 0 and 1, connection 0: listener 1's id is no connection
  (func (export "tcp_id_to_sqlite")
    (call $listen)
    (call $listen)
    (call $open)
    (if (i64.ne (i64.load (i32.const 8)) (i64.const 1)) (then unreachable))
    (drop (call $prepare (i64.load (i32.const 8)) (i32.const 40) (i32.const 8))))

  ;; connection 0 is no listener: dropping it as one must not close it
  (func (export "sqlite_id_to_tcp")
    (call $open)
    (call $drop_tcp_listener (i64.load (i32.const 16))))

  ;; listener 0 is no stream
  (func (export "listener_id_to_stream")
    (call $listen)
    (drop (call $tcp_read (i64.load (i32.const 8)) (i32.const 64) (i32.const 16)
                          (i32.const 80))))

  ;; UDP socket 0 is no TLS stream
  (func (export "udp_id_to_tls")
    (if (call $udp_bind (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)
                        (i32.const 0) (i32.const 8))
      (then unreachable))
    (drop (call $tls_read (i64.load (i32.const 8)) (i32.const 64) (i32.const 16)
                          (i32.const 80))))

  ;; listener 0 cannot travel as a stream in a message
  (func (export "listener_in_message")
    (call $listen)
    (call $create_data (i64.const 0) (i64.const 0))
    (drop (call $push_tcp_stream (i64.load (i32.const 8))))))
