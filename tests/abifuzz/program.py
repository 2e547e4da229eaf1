"""A fuzz program: one module that is the root, the ping pair, the
workers (each a straight-line script of random host calls), the leaves
the scripts spawn, a lunatic_alloc and a _lunatic_catch_trap of the
program's choosing. Deterministic for a seed."""

import random

import children
import layout as L
import pools
import tables
from values import Args, Data, i32, i64

WASI = "wasi_snapshot_preview1."
SPAWNERS = {"lunatic::process.spawn", "lunatic::process.get_or_spawn",
            "lunatic::distributed.spawn", "lunatic::process.compile_module"}
# Rarely worth a call: they end or stall the caller for good.
RARE = {WASI + "proc_exit": 0.1, "lunatic::process.sleep_ms": 0.5}
ALLOCATORS = ["bump", "bump", "bump", "hostile", "trap", "grow",
              "reenter_catch", "reenter_misc"]
# lunatic_alloc variants that hit a known, open runtime bug.
ALLOC_GATED = {"alloc_reenter_sqlite": ["reenter_sqlite",
                                        "reenter_sqlite_bounded",
                                        "reenter_catch_script"]}
NCATCH = 7


class Program:
    def __init__(self, seed, bindings, specs, enabled, workers=6,
                 calls=60, reps=2, wait_ms=3000):
        self.seed, self.bindings, self.specs = seed, bindings, specs
        self.enabled = set(enabled)
        self.r = random.Random(seed)
        self.nworkers, self.ncalls, self.reps = workers, calls, reps
        self.wait_iters = max(1, wait_ms // 100)
        self.data = Data()
        self.planned = 0  # host calls written into scripts (an estimate)
        self.actions = []  # table functions, after the catch ones
        self._prebuild()
        self.args = Args(self.r, self.data, self.enabled, self.pre)

    # {===== fixed data
    def _prebuild(self):
        d = self.data
        self.markers = {}
        for s in (L.PING_LINE, L.END_LINE, L.ESCAPE_LINE, L.BADPID_LINE):
            self.markers[s] = (L.MARK + 32 * len(self.markers),
                               (s + "\n").encode())
        self.names = {n: d.add(n.encode(), 1) for n in
                      ("pong", "ping", "worker", "leaf_escape", "main",
                       L.CALLS_METRIC, "etc/passwd", "/")}
        kids = children.build(self.bindings, self.enabled, self.r)
        self.kids = [(v, d.add(b)) for v, b in kids]
        self.pre = {"params": [], "tags": tables.tag_filters(d),
                    "bind": [d.add(b) for b in tables.bincode_lists()],
                    "wasm": [a for _, a in self.kids],
                    "ip": tables.ips(d), "ncatch": NCATCH}
        # pool strings are added while scripts are written: reserve room
        for name in pools.POOLS:
            for b in pools.pool(name, self.enabled):
                d.add(b, 1)
        buf = d.buf
        self.iov = tables.iovecs(buf)
        self.pre["iov"] = [(L.IOV + 64 * i, c)
                           for i, (_, c) in enumerate(self.iov)]
        self.subs = tables.subscriptions()
        at, self.pre["subs"] = L.SUBS, []
        for s in self.subs:
            self.pre["subs"].append((at, len(s) // 48))
            at += len(s)
        self.params = tables.params()
        at = L.PARAMS
        for blob, n in self.params:
            self.pre["params"].append((at, n))
            at += max(len(blob), 1)
        self.alloc_base = buf + L.BUF_SIZE
        self.pages = (self.alloc_base + L.ALLOC_SIZE) // 65536 + 1
    # }=====

    # {===== scripts
    def call(self, key):
        """WAT statements for one call of binding key."""
        s = self.specs[key]
        b = s.b
        args, outs = [], []
        for i, (role, arg) in enumerate(s.roles):
            cell = self.args.out_cell(i)
            args += self.args.role(role, arg, cell)
            if role == "out" and args[-1] == i32(cell):
                outs.append((arg, cell))
        call = f"(call ${key} {' '.join(args)})"
        self.planned += 1
        st = ["(call $tick)"]
        if not b.results:
            return st + [call]
        res = b.results[0]
        if res == "f64":
            return st + [f"(drop {call})"]
        local = "$r64" if res == "i64" else "$r"
        st.append(f"(local.set {local} {call})")
        if s.makes:
            st.append(f"(call $keep (i32.const {L.KINDS.index(s.makes)}) "
                      + ("(local.get $r64))" if res == "i64" else
                         "(i64.extend_i32_s (local.get $r)))"))
        for kind, cell in outs:
            st += self.keep_out(kind, cell, local, res, b.module + ".")
        return st

    def keep_out(self, kind, cell, local, res, module):
        """Keep what an out:kind parameter received: the id on 0, the
        error id on 1 (WASI returns errnos, not error ids)."""
        t = res
        load = ("(i64.extend_i32_u (i32.load (i32.const %d)))" % cell
                if kind == "fd" else f"(i64.load (i32.const {cell}))")
        k = L.KINDS.index(kind)
        st = [f"(if ({t}.eqz (local.get {local})) (then (call $keep "
              f"(i32.const {k}) {load})))"]
        if module != WASI:
            e = L.KINDS.index("error")
            st.append(f"(if ({t}.eq (local.get {local}) ({t}.const 1)) "
                      f"(then (call $keep (i32.const {e}) {load})))")
        return st

    def pattern(self):
        """A multi-call action: memory.grow storms, compile-and-spawn of a
        child module, and the gated ones."""
        choices = ["grow", "child", "child", "selfmsg"]
        if "preopen_host_path" in self.enabled:
            choices.append("escape")
        if "mailbox_flood" in self.enabled:
            choices.append("flood")
        return getattr(self, "pat_" + self.r.choice(choices))()

    def pat_grow(self):
        st = []
        for _ in range(self.r.randrange(3, 20)):
            big = [4096, 0x8000] if "huge_guest_buffers" in self.enabled \
                else []
            d = self.r.choice([0, 1, 1, 16, 256, 65536, -1] + big)
            st.append(f"(drop (memory.grow {i32(d)}))")
        return st

    def pat_child(self):
        variant, (a, n) = self.r.choice(self.kids)
        P = "lunatic::process."
        fn = self.names["main"]
        mod = f"(i64.load (i32.const {L.OUT}))"
        if self.r.random() < 0.3:
            nm = self.args.string("name")
            spawn = (f"(drop (call ${P}get_or_spawn {nm[0]} {nm[1]} "
                     f"(i64.const 0) (i64.const -1) {mod} (i32.const {fn[0]})"
                     f" (i32.const {fn[1]}) (i32.const 0) (i32.const 0) "
                     f"(i32.const {L.OUT + 16}) (i32.const {L.OUT + 24})))")
        else:
            link = self.r.choice([0, 0, 5])
            spawn = (f"(drop (call ${P}spawn (i64.const {link}) (i64.const -1)"
                     f" {mod} (i32.const {fn[0]}) (i32.const {fn[1]}) "
                     f"(i32.const 0) (i32.const 0) (i32.const {L.OUT + 24})))")
        self.planned += 2
        return [f";; child module {variant}", "(call $tick)",
                f"(local.set $r (call ${P}compile_module (i32.const {a}) "
                f"(i32.const {n}) (i32.const {L.OUT})))",
                f"(if (i32.eqz (local.get $r)) (then (call $keep (i32.const "
                f"{L.KINDS.index('module')}) {mod}) (call $tick) {spawn}))"]

    def pat_selfmsg(self):
        """Send oneself a message and take it apart."""
        M = "lunatic::message."
        self.planned += 4
        buf = self.args.in_buf()
        return ["(call $tick)", f"(call ${M}create_data (i64.const 5) "
                "(i64.const 64))", "(call $tick)",
                f"(drop (call ${M}write_data {buf[0]} {buf[1]}))",
                "(call $tick)", f"(drop (call ${M}send (call $self_pid)))",
                "(call $tick)", f"(drop (call ${M}receive (i32.const 0) "
                "(i32.const 0) (i64.const 10)))"]

    def pat_escape(self):
        """A child whose config preopens the host's / (gated)."""
        P, Wc = "lunatic::process.", "lunatic::wasi."
        root, fn = self.names["/"], self.names["leaf_escape"]
        self.planned += 3
        return ["(call $tick)", f"(local.set $r64 (call ${P}create_config))",
                "(call $tick)", f"(call ${Wc}config_preopen_dir (local.get $r64)"
                f" (i32.const {root[0]}) (i32.const {root[1]}))",
                f"(call ${P}config_set_can_spawn_processes (local.get $r64) "
                "(i32.const 1))", "(call $tick)",
                f"(drop (call ${P}spawn (i64.const 0) (local.get $r64) "
                f"(i64.const -1) (i32.const {fn[0]}) (i32.const {fn[1]}) "
                f"(i32.const 0) (i32.const 0) (i32.const {L.OUT})))"]

    def pat_flood(self):
        """Fill a mailbox as fast as possible (gated)."""
        M = "lunatic::message."
        self.planned += 1
        return ["(call $tick)", "(local.set $r (i32.const 20000))",
                f"(loop (call ${M}create_data (i64.const 9) (i64.const 0)) "
                f"(drop (call ${M}write_data (i32.const {L.DATA}) "
                "(i32.const 60000)))"
                f"(drop (call ${M}send {self.args.pid()}))"
                "(local.set $r (i32.sub (local.get $r) (i32.const 1)))"
                "(br_if 0 (local.get $r)))"]

    def script(self, name, n, leaf):
        """A script: n actions, each its own function, called through
        lunatic::trap::catch (so that a trapping call ends only itself and
        the script goes on), or, 1% of the time, directly (a trap ends
        the process there)."""
        keys = [k for k in self.specs if not (leaf and k in SPAWNERS)]
        body = []
        while n > 0:
            if not leaf and self.r.random() < 0.12:
                st = self.pattern()
            else:
                k = self.r.choice(keys)
                if self.r.random() >= RARE.get(k, 1.0):
                    continue
                st = [f";; {k}"] + self.call(k)
            body.append(self.action(st))
            n -= 1
        return (f"(func ${name}\n    " + "\n    ".join(body) + ")")

    def action(self, statements):
        """Wrap statements as table function NCATCH + i; the call to it."""
        i = len(self.actions)
        self.actions.append(
            f"(func $a{i} (param i32) (result i32) (local $r i32) "
            f"(local $r64 i64)\n    " + "\n    ".join(statements)
            + "\n    (i32.const 0))")
        if self.r.random() < 0.01:
            return f"(drop (call $a{i} (i32.const 0)))"
        return (f"(drop (call $lunatic::trap.catch (i32.const {NCATCH + i})"
                f" (i32.const 0)))")
    # }=====
