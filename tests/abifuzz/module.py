"""The fixed parts of a fuzz program's module around its scripts: the
imports (every binding), the helpers, the root, the ping pair, the worker
and leaf entry points, lunatic_alloc, _lunatic_catch_trap and the data."""

import layout as L
from program import ALLOC_GATED, ALLOCATORS, NCATCH
from values import i32, i64

P, M, WA = "lunatic::process.", "lunatic::message.", "wasi_snapshot_preview1."


def imports(bindings):
    out = []
    for b in bindings:
        p, r = " ".join(b.params), " ".join(b.results)
        out.append(f'(import "{b.module}" "{b.name}" (func ${b.key}'
                   + (f" (param {p})" if p else "")
                   + (f" (result {r})" if r else "") + "))")
    return out


def helpers(prog):
    metric = prog.names[L.CALLS_METRIC]
    return f"""
  (func $tick (call $lunatic::metrics.counter (i32.const {metric[0]})
    (i32.const {metric[1]}) (i64.const 1)))
  (func $slot (param $k i32) (result i32)
    (i32.add (i32.const {L.SLOTS}) (i32.mul (local.get $k)
      (i32.const {L.SLOT_BYTES}))))
  ;; id rings: keep the newest four ids of a kind; dropped ones stay (stale)
  (func $keep (param $k i32) (param $v i64) (local $b i32) (local $n i32)
    (local.set $b (call $slot (local.get $k)))
    (local.set $n (i32.load (local.get $b)))
    (i64.store offset=8 (i32.add (local.get $b) (i32.shl (i32.and
      (local.get $n) (i32.const 3)) (i32.const 3))) (local.get $v))
    (i32.store (local.get $b) (i32.add (local.get $n) (i32.const 1))))
  (func $pick (param $k i32) (param $j i32) (result i64) (local $b i32)
    (local.set $b (call $slot (local.get $k)))
    (i64.load offset=8 (i32.add (local.get $b) (i32.shl (i32.and (i32.sub
      (i32.sub (i32.load (local.get $b)) (i32.const 1)) (local.get $j))
      (i32.const 3)) (i32.const 3)))))
  (func $self_pid (result i64) (call ${P}process_id))
  ;; the root and the ping pair (pids 1-3) are off limits to the fuzz code
  (func $safe_pid (param $p i64) (result i64)
    (if (result i64) (i32.and (i64.ge_u (local.get $p) (i64.const 1))
        (i64.le_u (local.get $p) (i64.const {L.PING_PID})))
      (then (i64.const 0x7fff0000)) (else (local.get $p))))
  (func $print (param $a i32) (param $n i32)
    (i32.store (i32.const 0x9f0) (local.get $a))
    (i32.store (i32.const 0x9f4) (local.get $n))
    (drop (call ${WA}fd_write (i32.const 1) (i32.const 0x9f0) (i32.const 1)
      (i32.const 0x9f8))))"""


def _print(prog, line):
    a, b = prog.markers[line]
    return f"(call $print (i32.const {a}) (i32.const {len(b)}))"


def _spawn(name_ab, params_at, params_len, out):
    return (f"(call ${P}spawn (i64.const 0) (i64.const -1) (i64.const -1) "
            f"(i32.const {name_ab[0]}) (i32.const {name_ab[1]}) "
            f"(i32.const {params_at}) (i32.const {params_len}) "
            f"(i32.const {out}))")


def root(prog):
    """Spawn the ping pair, then the workers (monitored); wait for them
    for a bounded time; kill what is left; say END."""
    n, wp = prog.nworkers, 0x920
    check = lambda pid: (f"(if (i64.ne (i64.load (i32.const {L.OUT})) "
                         f"(i64.const {pid})) (then "
                         f"{_print(prog, L.BADPID_LINE)}))")
    return f"""
  (func (export "_start") (local $i i32) (local $done i32) (local $n i32)
    (drop {_spawn(prog.names['pong'], 0, 0, L.OUT)}) {check(L.PONG_PID)}
    (drop {_spawn(prog.names['ping'], 0, 0, L.OUT)}) {check(L.PING_PID)}
    (loop $spawn
      (i32.store8 (i32.const 0x900) (i32.const 0x7e))
      (i64.store (i32.const 0x901) (i64.extend_i32_u (local.get $i)))
      (drop {_spawn(prog.names['worker'], 0x900, 17, L.OUT)})
      (i64.store (i32.add (i32.const {wp}) (i32.shl (local.get $i)
        (i32.const 3))) (i64.load (i32.const {L.OUT})))
      (call ${P}monitor (i64.load (i32.const {L.OUT})))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spawn (i32.lt_u (local.get $i) (i32.const {n}))))
    (loop $wait
      (if (i32.eq (call ${M}receive (i32.const 0) (i32.const 0)
            (i64.const 100)) (i32.const 2))
        (then (local.set $done (i32.add (local.get $done) (i32.const 1)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $wait (i32.and (i32.lt_u (local.get $done) (i32.const {n}))
        (i32.lt_u (local.get $n) (i32.const {prog.wait_iters})))))
    (local.set $i (i32.const 0))
    (loop $kill
      (call ${P}kill (i64.load (i32.add (i32.const {wp}) (i32.shl
        (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $kill (i32.lt_u (local.get $i) (i32.const {n}))))
    {_print(prog, L.END_LINE)})"""


def ping_pair(prog):
    """pong answers every PING-tagged message; ping asks every 20 ms and
    prints a line per answer: the runner times those lines."""
    return f"""
  (func (export "pong")
    (call ${P}die_when_link_dies (i32.const 0))
    (i64.store (i32.const 0x108) (i64.const {L.PING_TAG}))
    (loop
      (if (i32.eqz (call ${M}receive (i32.const 0x108) (i32.const 1)
            (i64.const -1)))
        (then (i64.store (i32.const 0x100) (i64.const 0))
          (drop (call ${M}read_data (i32.const 0x100) (i32.const 8)))
          (call ${M}create_data (i64.const {L.PONG_TAG}) (i64.const 0))
          (drop (call ${M}send (i64.load (i32.const 0x100))))))
      (br 0)))
  (func (export "ping")
    (call ${P}die_when_link_dies (i32.const 0))
    (loop
      (call ${M}create_data (i64.const {L.PING_TAG}) (i64.const 8))
      (i64.store (i32.const 0x100) (call ${P}process_id))
      (drop (call ${M}write_data (i32.const 0x100) (i32.const 8)))
      (if (i32.eqz (call ${M}send_receive_skip_search (i64.const {L.PONG_PID})
            (i64.const {L.PONG_TAG}) (i64.const 1000)))
        (then {_print(prog, L.PING_LINE)}))
      (call ${P}sleep_ms (i64.const 20))
      (br 0)))"""


def entries(prog, nscripts, nleaf):
    """worker(k) runs script k; the leaves are what scripts spawn."""
    disp = lambda pre, n, v: " ".join(
        f"(if (i64.eq {v} (i64.const {k})) (then (call ${pre}{k})))"
        for k in range(n))
    fd = prog.names["etc/passwd"]
    return f"""
  (func (export "worker") (param $k i64) (local $i i32)
    (loop
      {disp('script', nscripts, '(local.get $k)')}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const {prog.reps})))))
  (func (export "leaf_exit"))
  (func (export "leaf_i64") (param i64))
  (func (export "leaf_trap") unreachable)
  (func (export "leaf_block")
    (drop (call ${M}receive (i32.const 0) (i32.const 0) (i64.const -1))))
  (func (export "leaf_script") (param $k i64)
    {disp('leaf', nleaf, f'(i64.rem_u (local.get $k) (i64.const {nleaf}))')})
  (func (export "leaf_grow") (local $i i32)
    (loop (drop (memory.grow (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 64)))))
  ;; spawned with a config that preopens the host's /: may it read it?
  (func (export "leaf_escape")
    (if (i32.eqz (call ${WA}path_open (i32.const 3) (i32.const 0)
          (i32.const {fd[0]}) (i32.const {fd[1]}) (i32.const 0)
          (i64.const 2) (i64.const 2) (i32.const 0) (i32.const {L.OUT})))
      (then {_print(prog, L.ESCAPE_LINE)})))"""


def allocator(prog):
    """lunatic_alloc: a bump allocator over ALLOC (growing memory for big
    requests), or one of the hostile variants the seed picks."""
    kinds = ALLOCATORS + [v for f, vs in ALLOC_GATED.items()
                          if f in prog.enabled for v in vs]
    kind = prog.r.choice(kinds)
    base, size = prog.alloc_base, L.ALLOC_SIZE
    S = "lunatic::sqlite."
    pre = {
        "bump": "",
        "grow": "(drop (memory.grow (i32.const 1)))",
        "trap": "(global.set $n (i32.add (global.get $n) (i32.const 1)))"
                "(if (i32.eqz (i32.rem_u (global.get $n) (i32.const 3))) "
                "(then unreachable))",
        "hostile": "(global.set $n (i32.add (global.get $n) (i32.const 1)))"
                   "(if (i32.and (global.get $n) (i32.const 1)) (then (return"
                   " (select (i32.sub (i32.shl (memory.size) (i32.const 16)) "
                   "(i32.const 1)) (i32.const 0xfffffff0) (i32.and "
                   "(global.get $n) (i32.const 2))))))",
        # catch entries 1 (trap) and 3 (bounded recursion): no sqlite
        "reenter_catch": "(drop (call $lunatic::trap.catch (i32.const 1) "
                         "(i32.const 0)))(drop (call $lunatic::trap.catch "
                         "(i32.const 3) (i32.const 0)))",
        # entry 4 runs a script, whose sqlite calls allocate again
        "reenter_catch_script": "(drop (call $lunatic::trap.catch "
                                "(i32.const 4) (i32.const 0)))",
        "reenter_misc": f"(call ${M}create_data (i64.const 3) (i64.const 0))"
                        f"(drop (call $lunatic::registry.get (i32.const 0) "
                        f"(i32.const 0) (i32.const {L.OUT}) (i32.const "
                        f"{L.OUT + 8})))",
        "reenter_sqlite": f"(drop (call ${S}last_error (call $pick (i32.const "
                          f"{L.KINDS.index('conn')}) (i32.const 0)) "
                          f"(i32.const {L.OUT})))",
        "reenter_sqlite_bounded":
            f"(if (i32.lt_u (global.get $depth) (i32.const 3)) (then "
            f"(global.set $depth (i32.add (global.get $depth) (i32.const 1)))"
            f"(drop (call ${S}read_row (call $pick (i32.const "
            f"{L.KINDS.index('stmt')}) (i32.const 0)) (i32.const {L.OUT})))"
            f"(global.set $depth (i32.sub (global.get $depth) (i32.const 1)))"
            f"))",
    }[kind]
    return f"""
  ;; lunatic_alloc: {kind}
  (global $bump (mut i32) (i32.const {base}))
  (global $n (mut i32) (i32.const 0))
  (global $depth (mut i32) (i32.const 0))
  (func (export "lunatic_alloc") (param $len i32) (result i32) (local $p i32)
    {pre}
    (if (i32.gt_u (local.get $len) (i32.const {size}))
      (then (local.set $p (memory.grow (i32.add (i32.shr_u (local.get $len)
          (i32.const 16)) (i32.const 1))))
        (return (select (i32.const -1) (i32.shl (local.get $p) (i32.const 16))
          (i32.eq (local.get $p) (i32.const -1))))))
    (if (i32.gt_u (i32.add (global.get $bump) (local.get $len))
          (i32.const {base + size}))
      (then (global.set $bump (i32.const {base}))))
    (local.set $p (global.get $bump))
    (global.set $bump (i32.and (i32.add (i32.add (local.get $p)
      (local.get $len)) (i32.const 7)) (i32.const -8)))
    (local.get $p))"""


def catcher(prog, nscripts):
    """_lunatic_catch_trap(f, p) calls table entry f with p: entries that
    return, trap, recurse through catch without and with a bound, run a
    script, grow then trap, and read a sqlite row (lunatic_alloc nested
    in the catch)."""
    S = "lunatic::sqlite."
    stmt = L.KINDS.index("stmt")
    return f"""
  (type $cfn (func (param i32) (result i32)))
  (table {NCATCH + len(prog.actions)} funcref)
  (elem (i32.const 0) $c_ret $c_trap $c_recurse $c_bounded $c_script
    $c_grow $c_sqlite {" ".join(f"$a{i}" for i in range(len(prog.actions)))})
  (func (export "_lunatic_catch_trap") (param $f i32) (param $p i32)
    (result i32)
    (call_indirect (type $cfn) (local.get $p) (local.get $f)))
  (func $c_ret (param i32) (result i32) (local.get 0))
  (func $c_trap (param i32) (result i32) unreachable)
  (func $c_recurse (param i32) (result i32)
    (call $lunatic::trap.catch (i32.const 2) (local.get 0)))
  (func $c_bounded (param i32) (result i32) (local $r i32)
    (if (i32.ge_u (global.get $depth) (i32.const 4)) (then (return
      (i32.const 0))))
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (local.set $r (call $lunatic::trap.catch (i32.const 3) (local.get 0)))
    (global.set $depth (i32.sub (global.get $depth) (i32.const 1)))
    (local.get $r))
  (func $c_script (param i32) (result i32)
    (call $leaf{prog.r.randrange(nscripts)}) (i32.const 1))
  (func $c_grow (param i32) (result i32)
    (drop (memory.grow (i32.const 4))) unreachable)
  (func $c_sqlite (param i32) (result i32)
    (call ${S}read_row (call $pick (i32.const {stmt}) (i32.const 0))
      (i32.const {L.OUT})))"""


def _esc(b):
    return "".join(f"\\{c:02x}" for c in b)


def data_segments(prog):
    assert prog.data.end <= prog.data.buf, "data overlaps the buffer"
    segs = [(a, b) for a, b in prog.markers.values()]
    segs += [(L.IOV + 64 * i, b) for i, (b, _) in enumerate(prog.iov)]
    at = L.SUBS
    for s in prog.subs:
        segs.append((at, s))
        at += len(s)
    at = L.PARAMS
    for blob, _ in prog.params:
        segs.append((at, blob))
        at += max(len(blob), 1)
    segs += prog.data.blobs
    return [f'(data (i32.const {a}) "{_esc(b)}")' for a, b in segs if b]
