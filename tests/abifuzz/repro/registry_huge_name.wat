;; FIXED (issue 15): a registry name over 64 KiB traps the caller before any copy: exit 141.
;; make sandbox-e2e runs it as a regression test.
;; Found by the ABI fuzzer (seed 1 with huge_guest_buffers): a registry
;; name is as long as the guest says. With memory grown to 2 GiB, one
;; registry::put copies a 2 GiB name into the registry (sched/registry.c
;; sched__registry_put) while holding the registry's write lock: every
;; process that looks up a name waits, and the entry stays in host memory
;; charged to nobody (the same goes for TLS certificates: net/tls.c
;; pem_copy copied 1.9 GB for tls_connect in the same run).
;; The runtime should bound names (and PEM blobs) and trap beyond that.
;;   lunatic registry_huge_name.wasm
(module
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (memory.grow (i32.const 32767)))
    (call $put (i32.const 0) (i32.const 0x7fff0000) (i64.const 0)
      (i64.const 1)))
)
