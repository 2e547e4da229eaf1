;; A module importing a lunatic::* function (test_alone.c).
(module
  (import "lunatic::process" "this" (func (result i64)))
  (func (export "_start")))
