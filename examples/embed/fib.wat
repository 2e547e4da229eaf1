;; fib.wat: the module examples/embed/embed.c runs: naive recursive
;; Fibonacci, enough calls to be preempted many times, and "main", which
;; hands its result to the host function env.report.
(module
  (import "env" "report" (func $report (param i32 i32)))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "main") (param $n i32)
    (call $report (local.get $n) (call $fib (local.get $n)))))
