;; trap.wat: _start reaches `unreachable`: lunatic must print the trap and
;; exit with 128 + the trap kind.
(module
  (func $boom unreachable)
  (func (export "_start") (call $boom)))
