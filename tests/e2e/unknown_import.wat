;; unknown_import.wat: imports a function nobody provides: loading must fail
;; with one line naming "env" "frobnicate" and its type.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "frobnicate" (func (param i32 i64) (result i32)))
  (func (export "_start")))
