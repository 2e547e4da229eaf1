"""The host functions the runtime binds, read from its C sources.

The fuzzer must cover every function the runtime offers, including ones
added after the fuzzer was written, so the list is parsed from the
binding tables themselves rather than kept by hand:
  host/*.c        sched_binding_t rows {MODULE, "name", "sig", fn}
  wasi/link.c     B(name, "sig") rows of wasi_snapshot_preview1
A signature is vm_host_func_new's notation "params:results", one letter a
type (i i32, I i64, F f64, f f32).
"""
import glob
import os
import re

WASM_TYPE = {"i": "i32", "I": "i64", "F": "f64", "f": "f32"}
WASI = "wasi_snapshot_preview1"

_DEFINE = re.compile(r'^#define\s+(\w+)\s+"([^"]+)"', re.M)
_ROW = re.compile(r'\{\s*(\w+|"[^"]+")\s*,\s*"(\w+)"\s*,\s*"([iIFf]*:[iIFf]*)"'
                  r'\s*,\s*\w+\s*\}')
_WASI_ROW = re.compile(r'\bB\((\w+),\s*"([iIFf]*:[iIFf]*)"\)')


class Binding:
    def __init__(self, module, name, sig):
        self.module, self.name = module, name
        p, r = sig.split(":")
        self.params = [WASM_TYPE[c] for c in p]
        self.results = [WASM_TYPE[c] for c in r]

    @property
    def key(self):
        return f"{self.module}.{self.name}"

    def __repr__(self):
        return f"<{self.key} {self.params}->{self.results}>"


def _sched_rows(path):
    text = open(path).read()
    # a file may #define the same macro twice (networking.c: N and M)
    macros = dict(_DEFINE.findall(text))
    for mod, name, sig in _ROW.findall(text):
        mod = mod.strip('"') if mod.startswith('"') else macros.get(mod)
        if mod and mod.startswith("lunatic::"):
            yield Binding(mod, name, sig)


def load(root):
    """Every binding of the runtime in the source tree at root."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, "host", "*.c"))):
        out.extend(_sched_rows(path))
    wasi = open(os.path.join(root, "wasi", "link.c")).read()
    out.extend(Binding(WASI, n, s) for n, s in _WASI_ROW.findall(wasi))
    seen = {}
    for b in out:
        if b.key in seen:
            raise SystemExit(f"abifuzz: {b.key} is bound twice")
        seen[b.key] = b
    if not any(b.module == WASI for b in out) or len(out) < 100:
        raise SystemExit(f"abifuzz: parsed only {len(out)} bindings from "
                         f"{root}: has the table format changed?")
    return out


if __name__ == "__main__":
    import sys
    bs = load(sys.argv[1] if len(sys.argv) > 1 else ".")
    for b in bs:
        print(b)
    print(len(bs), "bindings")
