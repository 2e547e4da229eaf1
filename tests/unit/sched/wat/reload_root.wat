;; The root of test_reload.c: spins until test::env done returns 1; has
;; an upgrade save hook, so a new version must have the restore hooks.
(module
  (import "test::env" "done" (func $done (result i32)))
  (memory (export "memory") 1)
  (func (export "lunatic_upgrade_save") (result i64) (i64.const 0))
  (func (export "_start")
    (loop $l (br_if $l (i32.eqz (call $done))))))
