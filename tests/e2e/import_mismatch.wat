;; import_mismatch.wat: imports WASI's proc_exit with the wrong type: loading
;; must fail with one line saying which type is the module's and which the
;; host's.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
  (func (export "_start")))
