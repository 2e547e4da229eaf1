;; A new version of reload_root without the restore hooks: refused.
(module
  (import "test::env" "done" (func $done (result i32)))
  (func (export "_start")))
