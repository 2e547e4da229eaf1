"""Small modules a fuzz program carries as bytes, for compile_module and
spawn: most have a start section that calls back into the runtime while
the spawning process is still inside its spawn call (registry, spawn,
sqlite, trap::catch), one traps there, one spins there, one spawns
another instance of itself from its start function (unbounded nesting),
and a few are not valid modules at all."""

import os
import subprocess
import tempfile

# Variants that hit a known, open runtime bug: flag -> variants.
GATED = {"start_registry_get_or_spawn": ["start_registry"]}


def _imports(bindings, keys):
    by = {b.key: b for b in bindings}
    out = []
    for k in keys:
        b = by[k]
        p = " ".join(b.params)
        r = " ".join(b.results)
        out.append(f'(import "{b.module}" "{b.name}" (func ${k}'
                   + (f" (param {p})" if p else "")
                   + (f" (result {r})" if r else "") + "))")
    return "\n  ".join(out)


def _data(addr, b):
    esc = "".join(f"\\{c:02x}" for c in b)
    return f'(data (i32.const {addr}) "{esc}")'


def _start_body(variant, plain):
    P, S, R = "lunatic::process.", "lunatic::sqlite.", "lunatic::registry."
    if variant == "start_trap":
        return [], "unreachable", []
    if variant == "start_loop":
        return [], ("(local $i i32) (loop (local.set $i (i32.add (local.get $i)"
                    " (i32.const 1))) (br_if 0 (i32.lt_u (local.get $i) "
                    "(i32.const 20000000))))"), []
    if variant == "start_sqlite":
        return [S + "open", S + "execute"], (
            f"(drop (call ${S}open (i32.const 512) (i32.const 8) (i32.const 0)))"
            f"(drop (call ${S}execute (i64.load (i32.const 0)) (i32.const 528)"
            f" (i32.const 17)))"), [(512, b":memory:"),
                                    (528, b"CREATE TABLE x(a)")]
    if variant == "start_spawn":
        return [P + "compile_module", P + "spawn"], (
            f"(if (i32.eqz (call ${P}compile_module (i32.const 1024) "
            f"(i32.const {len(plain)}) (i32.const 0))) (then (drop (call "
            f"${P}spawn (i64.const 0) (i64.const -1) (i64.load (i32.const 0))"
            f" (i32.const 512) (i32.const 4) (i32.const 0) (i32.const 0) "
            f"(i32.const 8)))))"), [(512, b"main"), (1024, plain)]
    if variant == "start_spawn_self":
        return [P + "spawn"], (
            f"(drop (call ${P}spawn (i64.const 0) (i64.const -1) "
            f"(i64.const -1) (i32.const 512) (i32.const 4) (i32.const 0) "
            f"(i32.const 0) (i32.const 8)))"), [(512, b"main")]
    if variant == "start_catch":
        return ["lunatic::trap.catch"], (
            "(drop (call $lunatic::trap.catch (i32.const 1) (i32.const 2)))"
        ), []
    if variant == "start_registry":
        return [R + "put", R + "get", P + "process_id"], (
            f"(call ${R}put (i32.const 512) (i32.const 13) (i64.const 0) "
            f"(call ${P}process_id))"
            f"(drop (call ${R}get (i32.const 512) (i32.const 13) "
            f"(i32.const 0) (i32.const 8)))"), [(512, b"abifuzz/child")]
    raise ValueError(variant)


def child_wat(bindings, variant, plain=b""):
    imports, body, data = ([], "", []) if variant == "plain" else \
        _start_body(variant, plain)
    start = "" if variant == "plain" else \
        f"(func $start {body})\n  (start $start)"
    return f"""(module
  {_imports(bindings, imports)}
  (memory (export "memory") 1)
  (func (export "main"))
  (func (export "leaf_exit"))
  (func (export "_lunatic_catch_trap") (param i32 i32) (result i32)
    unreachable)
  {start}
  {" ".join(_data(a, b) for a, b in data)}
)
"""


def wat2wasm(text):
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "m.wat"), os.path.join(d, "m.wasm")
        open(src, "w").write(text)
        subprocess.run(["wat2wasm", src, "-o", out], check=True)
        return open(out, "rb").read()


def build(bindings, enabled, rng):
    """[(variant, bytes)]: every child this program may compile."""
    plain = wat2wasm(child_wat(bindings, "plain"))
    names = ["start_trap", "start_loop", "start_sqlite", "start_spawn",
             "start_spawn_self", "start_catch"]
    for flag, vs in GATED.items():
        if flag in enabled:
            names += vs
    out = [("plain", plain)]
    out += [(n, wat2wasm(child_wat(bindings, n, plain))) for n in names]
    out += [("garbage", bytes(rng.randrange(256) for _ in range(64))),
            ("truncated", plain[:len(plain) // 2]),
            ("badmagic", b"\0asm\2\0\0\0" + plain[8:])]
    return out
