;; FIXED (issue 15): an authorizer holds ATTACH and VACUUM INTO to sqlite::open's rule: exit 0, no attach.db.
;; make sandbox-e2e runs it as a regression test.
;; Found by the ABI fuzzer (seed 19 of the first runs): SQL reaches any
;; host path. sqlite::open checks its path against the preopens, but the
;; statements then run with all of SQLite: ATTACH DATABASE and VACUUM INTO
;; create (and read, write) files anywhere the runtime's user can, here
;; /tmp/abifuzz-escape/attach.db, with no --dir at all.
;; The runtime should deny ATTACH/DETACH and VACUUM INTO (an authorizer,
;; sqlite3_set_authorizer returning SQLITE_DENY for SQLITE_ATTACH, or
;; sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0)) and load_extension, so
;; that SQL sees only the file that open was allowed to open.
;;   mkdir -p /tmp/abifuzz-escape && lunatic sqlite_attach_escape.wasm
;;   ls /tmp/abifuzz-escape      # attach.db: the escape
(module
  (import "lunatic::sqlite" "open" (func $open (param i32 i32 i32) (result i64)))
  (import "lunatic::sqlite" "execute" (func $exec (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) ":memory:")
  (data (i32.const 32) "ATTACH DATABASE '/tmp/abifuzz-escape/attach.db' AS e")
  (data (i32.const 96) "CREATE TABLE e.t(x)")
  (func (export "_start")
    (drop (call $open (i32.const 16) (i32.const 8) (i32.const 0)))
    (drop (call $exec (i64.load (i32.const 0)) (i32.const 32) (i32.const 52)))
    (drop (call $exec (i64.load (i32.const 0)) (i32.const 96) (i32.const 19))))
)
