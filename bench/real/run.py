#!/usr/bin/env python3
"""bench/real/run.py: the real-program benchmarks (make bench-real).

Runs a workload of each program of the real-program corpus (tests/real/:
Lua, SQLite, mujs, zlib's minigzip, bzip2; see workloads.py) natively, on
lunatic, on node and on every BENCH_ENGINES entry, N times each, and prints
the median wall seconds per engine with the issue's targets: a geometric
mean of lunatic/native <= 5x, and lunatic at least 2x faster than wasm3
(--peer) on every program wasm3 runs. Writes OUT/results.{txt,csv}.

Every run happens in a fresh working folder holding the workload's inputs
(the guest's preopened `.`). Engines are called as
  native    REAL/bin/native/PROG ARGS
  lunatic   LUNATIC run --dir . REAL/bin/wasm/PROG.wasm ARGS
  node      node tests/real/run_node.js --dir . PROG.wasm ARGS
  NAME      COMMAND... PROG.wasm ARGS   (BENCH_ENGINES="NAME=COMMAND...", the
            convention of bench/run.py; an engine that needs to be told to
            preopen `.` takes it in COMMAND, e.g. "wasmtime=wasmtime run --dir .")
What a run prints, its exit statuses and its output files must equal the
native run's (compared by SHA-256): a wrong answer is MISMATCH and fails the
bench. An engine that cannot run a program gets "n/a" in its cell and the
reason under the table; only native or lunatic failing fails the bench.
"""
import argparse
import csv
import hashlib
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import workloads  # noqa: E402


def _load_kernel_runner():
    """bench/run.py, for the BENCH_ENGINES parser and the report header helpers
    (loaded by path: this file is a run.py too)."""
    spec = importlib.util.spec_from_file_location("bench_kernels", os.path.join(HERE, "..", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


kernels = _load_kernel_runner()
LONG_RUN_S = kernels.LONG_RUN_S   # a run this long is not repeated (as in bench/run.py)
TARGET_GEOMEAN = 5.0              # lunatic/native, geometric mean over the programs
TARGET_PEER = 2.0                 # peer/lunatic on every program the peer runs


class Engine:
    """A column. argv(workload, args) gives the command line of one step."""

    def __init__(self, name, argv, missing=None, desc=""):
        self.name = name
        self.argv = argv
        self.missing = missing    # why it cannot run at all, or None
        self.desc = desc


class Cell:
    def __init__(self, status, secs=None, digest=None, detail=""):
        self.status = status      # ok | missing | n/a | fail | timeout | mismatch
        self.secs = secs          # median wall seconds of the runs
        self.digest = digest      # [(what, sha256)] of everything compared
        self.detail = detail


def build_engines(args, real):
    wasm = lambda w: os.path.join(real, "bin", "wasm", w.prog + ".wasm")
    lun = os.path.abspath(args.lunatic)
    node = kernels.which("node")
    run_node = os.path.join(ROOT, "tests", "real", "run_node.js")
    engines = [
        Engine("native", lambda w, a: [os.path.join(real, "bin", "native", w.prog)] + a,
               desc="the corpus built with cc -O2 (tests/real/build.sh)"),
        Engine("lunatic", lambda w, a: [lun, "run", "--dir", ".", wasm(w)] + a,
               missing=None if kernels.which(lun) else f"{args.lunatic} not built", desc=args.lunatic),
        # --single-threaded: see bench/run.py (node 20 may crash at exit after a long run)
        Engine("node", lambda w, a: [node or "node", "--no-warnings", "--single-threaded", run_node,
                                     "--dir", ".", wasm(w)] + a,
               missing=None if node else "node not installed",
               desc="node " + (kernels.first_line([node, "--version"]) if node else "?") + " (V8 JIT, for scale)"),
    ]
    for name, cmd in kernels.parse_engines(args.engines):
        # absolute: the engine runs in the working folder
        exe = kernels.which(cmd[0])
        full = [os.path.abspath(exe) if exe else cmd[0]] + cmd[1:]
        engines.append(Engine(name, lambda w, a, full=full: full + [wasm(w)] + a,
                              missing=None if exe else f"{cmd[0]} not found", desc=" ".join(cmd)))
    if args.only:
        keep = set(args.only.replace(",", " ").split()) | {"native"}
        engines = [e for e in engines if e.name in keep]
    return engines


def base_env():
    """The same small environment for every engine (as tests/real/run.py)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
           "LC_ALL": "C", "TZ": "UTC"}
    env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
    return env


def run_step(argv, folder, step, timeout):
    """Runs one step in folder; returns (status, seconds, exit code, stdout bytes, error)."""
    fin = open(os.path.join(folder, step.stdin), "rb") if step.stdin else subprocess.DEVNULL
    fout = open(os.path.join(folder, step.stdout), "wb") if step.stdout else subprocess.PIPE
    t0 = time.perf_counter()
    try:
        # own session, so a timeout kills the engine and anything it started
        p = subprocess.Popen(argv, cwd=folder, env=base_env(), stdin=fin, stdout=fout,
                             stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return "fail", 0.0, None, b"", str(e)
    finally:
        for f in (fin, fout):
            if f not in (subprocess.DEVNULL, subprocess.PIPE):
                f.close()
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", time.perf_counter() - t0, None, b"", f"over {timeout:g} s"
    secs = time.perf_counter() - t0
    first = err.decode(errors="replace").strip().splitlines()
    error = f"exit {p.returncode}" + (f": {first[0][:120]}" if first else "") if p.returncode else ""
    return "ok", secs, p.returncode, out or b"", error


def sha(b):
    return hashlib.sha256(b).hexdigest()


def run_workload(engine, w, folder, timeout):
    """One run of workload w on engine in a fresh folder: (status, seconds, digest, detail).
    The digest lists every step's exit code and stdout and every output file."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for guest, host in w.inputs:
        shutil.copyfile(host, os.path.join(folder, guest))   # copied: a guest may write it
    total, digest = 0.0, []
    for i, st in enumerate(w.steps, 1):
        status, secs, code, out, error = run_step(engine.argv(w, st.args), folder, st, timeout)
        total += secs
        if status != "ok" or error:
            return status if status != "ok" else "fail", total, None, f"step {i}: {error}"
        digest += [(f"step {i} exit code", str(code)), (f"step {i} stdout", sha(out))]
    for f in w.outputs:
        try:
            with open(os.path.join(folder, f), "rb") as fh:
                digest.append((f"file {f}", sha(fh.read())))
        except OSError:
            digest.append((f"file {f}", "missing"))
    for a, b in w.same:
        if not filecmp_equal(os.path.join(folder, a), os.path.join(folder, b)):
            return "mismatch", total, digest, f"{a} and {b} differ (round trip)"
    return "ok", total, digest, ""


def filecmp_equal(a, b):
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def first_difference(digest, ref):
    for (what, h), (_, h0) in zip(digest, ref):
        if h != h0:
            return f"{what} differs from native's"
    return "output differs from native's"


class Runs:
    """The runs of one workload on one engine so far."""

    def __init__(self, engine):
        self.engine = engine
        self.times = []
        self.digest = None
        self.cell = Cell("missing", detail=engine.missing) if engine.missing else None  # set: done

    def run(self, w, args, native_failed):
        """One more run; sets self.cell when the engine is done with w."""
        if native_failed:
            self.cell = Cell("n/a", detail="native did not run")
            return
        folder = os.path.join(args.out, "work", w.name, self.engine.name)
        status, secs, d, detail = run_workload(self.engine, w, folder, args.timeout)
        if status != "ok":
            self.cell = Cell(status, secs if status == "mismatch" else None, d, detail)
        elif self.digest is not None and d != self.digest:
            self.cell = Cell("mismatch", secs, d, "output changed between runs")
        else:
            self.digest = d
            self.times.append(secs)
            if secs > LONG_RUN_S or len(self.times) == args.runs:
                shutil.rmtree(folder, ignore_errors=True)
                self.cell = Cell("ok", statistics.median(self.times), d)


def run_row(engines, w, args):
    """Runs w args.runs times on every engine, the engines taking turns (native first in
    each round): a load that changes during the row weighs on all of them alike. Returns
    {engine name: Cell}, each output checked against native's."""
    runs = {e.name: Runs(e) for e in engines}
    native = runs["native"]
    for _ in range(args.runs):
        for e in engines:
            if runs[e.name].cell is None:
                runs[e.name].run(w, args, e.name != "native" and native.digest is None)
    cells = {n: r.cell for n, r in runs.items()}
    ref = native.digest if cells["native"].status == "ok" else None
    for n, c in cells.items():
        if n == "native" or c.status != "ok":
            continue
        if ref is None:   # native failed after its first run
            cells[n] = Cell("n/a", detail="native did not run")
        elif c.digest != ref:
            cells[n] = Cell("mismatch", c.secs, c.digest, first_difference(c.digest, ref))
    return cells


# {===== report

def ok(c):
    return c is not None and c.status == "ok" and c.secs


def ratio(a, b):
    """a.secs / b.secs, or None when either did not run cleanly."""
    return a.secs / b.secs if ok(a) and ok(b) else None


def cell_text(c, native):
    if c.status == "ok":
        r = ratio(c, native)
        return f"{c.secs:.3f}s" + (f" {r:5.1f}x" if r is not None and c is not native else "")
    if c.status == "mismatch":
        return "MISMATCH"
    return {"fail": "n/a", "missing": "-"}.get(c.status, c.status)


def verdict_peer(r):
    return "-" if r is None else ("meets" if r >= TARGET_PEER else "misses by %.2fx" % (TARGET_PEER / r))


def table(results, rows, engines, peer):
    """Rows of the table: program, work, one cell per engine, lunatic/native, peer/lunatic,
    verdict; then the geomean row."""
    names = [e.name for e in engines]
    has_lun = "lunatic" in names
    has_peer = peer in names and has_lun
    head = ["program", "work"] + names + (["lunatic/native"] if has_lun else []) \
        + ([f"{peer}/lunatic"] if has_peer else []) + ["verdict"]
    body, lun_ratios, peer_ratios = [], [], []
    for w in rows:
        cells = results[w.name]
        line = [w.name, w.work] + [cell_text(cells[n], cells["native"]) for n in names]
        rl = ratio(cells.get("lunatic"), cells["native"]) if has_lun else None
        rp = ratio(cells.get(peer), cells.get("lunatic")) if has_peer else None
        if has_lun:
            line.append("-" if rl is None else f"{rl:.2f}x")
            lun_ratios += [rl] if rl is not None else []
        if has_peer:
            line.append("-" if rp is None else f"{rp:.2f}x")
            peer_ratios += [rp] if rp is not None else []
        line.append(verdict_peer(rp) if has_peer else "-")
        body.append(line)
    geo = ["geomean", ""]
    for n in names:
        rs = [ratio(results[w.name][n], results[w.name]["native"]) for w in rows]
        rs = [r for r in rs if r is not None]
        geo.append("" if not rs or n == "native" else f"{kernels.geomean(rs):.2f}x"
                   + ("" if len(rs) == len(rows) else f" ({len(rs)}/{len(rows)})"))
    g_lun = kernels.geomean(lun_ratios)
    if has_lun:
        geo.append("-" if g_lun is None else f"{g_lun:.2f}x")
    if has_peer:
        geo.append("-" if not peer_ratios else f"{kernels.geomean(peer_ratios):.2f}x")
    if g_lun is None:
        geo.append("-")
    else:
        geo.append("meets" if g_lun <= TARGET_GEOMEAN else "misses by %.2fx" % (g_lun / TARGET_GEOMEAN))
        if len(lun_ratios) < len(rows):
            geo[-1] += f" ({len(lun_ratios)}/{len(rows)} programs)"
    widths = [max(len(r[i]) for r in [head, geo] + body) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(wd) if i < 2 else c.rjust(wd)
                              for i, (c, wd) in enumerate(zip(r, widths))).rstrip()
    rule = "-" * len(fmt(head))
    return [fmt(head), rule] + [fmt(b) for b in body] + [rule, fmt(geo)]


def write_csv(path, results, rows, engines):
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["program"] + [f"{e.name}_{k}" for e in engines for k in ("s", "ratio", "status")])
        for w in rows:
            cells = results[w.name]
            line = [w.name]
            for e in engines:
                c, r = cells[e.name], ratio(cells[e.name], cells["native"])
                line += ["" if c.secs is None else f"{c.secs:.4f}", "" if r is None else f"{r:.3f}", c.status]
            out.writerow(line)
# }=====


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", default="build/real", help="the corpus (REAL/bin/{native,wasm})")
    ap.add_argument("--out", required=True, help="inputs, working folders and results.{txt,csv}")
    ap.add_argument("--progs", default="", help="only these rows (space or comma separated)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120, help="seconds per step")
    ap.add_argument("--lunatic", default="build/bench/lunatic")
    ap.add_argument("--engines", default="", help='extra engines: "name=command [args] ..."')
    ap.add_argument("--only", default="", help="run only these engines (comma or space separated)")
    ap.add_argument("--peer", default="wasm3", help="the engine of the 2x target (default wasm3)")
    ap.add_argument("--quick", action="store_true", help="~10x less work (not for comparison)")
    args = ap.parse_args()

    real = os.path.abspath(args.real)
    args.out = os.path.abspath(args.out)
    engines = build_engines(args, real)
    rows = workloads.all_workloads(os.path.join(args.out, "inputs"), args.quick)
    if args.progs:
        want = args.progs.replace(",", " ").split()
        unknown = set(want) - {w.name for w in rows}
        if unknown:
            sys.exit("bench-real: no such program: " + " ".join(sorted(unknown)))
        rows = [w for w in rows if w.name in want]

    header = [f"Real programs (bench/real: the tests/real corpus, {os.path.relpath(real)}), "
              f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
              f"cpu:      {kernels.cpu_model()} ({os.cpu_count()} cores), load {os.getloadavg()[0]:.2f}",
              f"commit:   {kernels.git_commit()}"]
    header += [f"engine:   {e.name}: " + ("missing: " + e.missing if e.missing else e.desc) for e in engines]
    header.append(f"runs:     median of {args.runs} (one when a run takes over {LONG_RUN_S:g} s), engines"
                  f" taking turns; wall seconds (ratio to native), timeout {args.timeout:g} s per step"
                  + ("; QUICK mode (small work, not for comparison)" if args.quick else ""))
    header.append(f"targets:  geomean lunatic/native <= {TARGET_GEOMEAN:g}x; {args.peer}/lunatic >= "
                  f"{TARGET_PEER:g}x on every program {args.peer} runs (issue 20)")
    print("\n".join(header), flush=True)

    results, notes = {}, []
    for w in rows:
        cells = run_row(engines, w, args)
        for e in engines:
            c = cells[e.name]
            if c.status not in ("ok", "missing") and c.detail:
                label = "n/a" if c.status == "fail" else c.status
                notes.append(f"  {e.name}: {w.name}: {label}: {c.detail}")
        results[w.name] = cells
        print(f"  {w.name}: " + ", ".join(f"{e.name} {cell_text(cells[e.name], cells['native'])}"
                                         for e in engines), file=sys.stderr, flush=True)

    lines = [""] + table(results, rows, engines, args.peer) + ([""] + ["notes:"] + notes if notes else [])
    bad = [f"{w.name} on {e.name}" for w in rows for e in engines if results[w.name][e.name].status == "mismatch"]
    broken = [f"{w.name} on {e.name}" for w in rows for e in engines
              if e.name in ("native", "lunatic") and results[w.name][e.name].status in ("fail", "timeout")]
    verdict = []
    if bad:
        verdict.append("FAIL: wrong output: " + ", ".join(bad))
    if broken:
        verdict.append("FAIL: did not run: " + ", ".join(broken))
    verdict = verdict or ["outputs: every engine that ran agrees with native"]
    lines += [""] + verdict
    print("\n".join(lines), flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.txt"), "w") as f:
        f.write("\n".join(header + lines) + "\n")
    write_csv(os.path.join(args.out, "results.csv"), results, rows, engines)
    print(f"wrote {os.path.relpath(args.out)}/results.txt, results.csv")
    return 1 if bad or broken else 0


if __name__ == "__main__":
    sys.exit(main())
