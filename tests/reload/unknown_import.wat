;; A new version that imports what the runtime does not have: refused.
(module
  (import "lunatic::process" "no_such_function" (func))
  (func (export "_start")))
