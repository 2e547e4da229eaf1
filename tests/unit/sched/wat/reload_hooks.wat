;; A new version of reload_root with every restore hook.
(module
  (import "test::env" "done" (func $done (result i32)))
  (memory (export "memory") 1)
  (func (export "lunatic_alloc") (param i32) (result i32) (i32.const 16))
  (func (export "lunatic_upgrade_save") (result i64) (i64.const 0))
  (func (export "lunatic_upgrade_restore") (param i32 i32) (result i32)
    (i32.const 0))
  (func (export "lunatic_upgrade_resume"))
  (func (export "_start")))
