;; no_start.wat: a valid module that exports no _start: a clear error.
(module (func (export "main")))
