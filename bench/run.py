#!/usr/bin/env python3
"""Benchmark runner behind `make bench` (see the bench section of the Makefile).

Runs every program natively and on each wasm engine found, N times each; takes the median
wall time, checks each engine's checksum against native, prints a table (seconds and ratio
to native, geometric mean) and writes RESULTS/results.txt, results.csv and results.svg.

Each program comes in three builds (see bench/progs/bench.h): OUT/native/NAME,
OUT/wasm/NAME.wasm (wasm32-wasi, run by lunatic, node and BENCH_ENGINES) and
OUT/free/NAME.wasm (freestanding, exporting bench_run; run by wabt's wasm-interp, which has
no WASI in Debian). All print or return the same u32 checksum.

Extra report sections (--extra CMD, repeatable): after the table, each CMD is run by the
shell with BENCH_OUT, BENCH_RESULTS, BENCH_LUNATIC, BENCH_RUNS, BENCH_TIMEOUT and BENCH_QUICK
(1 or empty) in its environment; its stdout is appended to the report under "== NAME"
(NAME: the first word's file name), its stderr goes to the terminal. A command that exits
non-zero fails the run. This is how other benchmark scripts join `make bench`.

Exit status: 0, or 1 when an engine printed a wrong checksum or an extra section failed.
"""
import argparse
import csv
import math
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

CHECKSUM_RE = re.compile(r"checksum=(\S+)")
# wasm-interp --run-all-exports prints "bench_run() => i32:N" (N unsigned)
EXPORT_RE = re.compile(r"^bench_run\(\) => i32:(\d+)$", re.M)
# a run this long is not repeated: its noise is small next to it, and a slow engine
# (wasm-interp) would otherwise take minutes per program
LONG_RUN_S = 15.0


class Engine:
    """One column of the table. cmd is the argv prefix (the program path is appended)."""

    def __init__(self, name, cmd, build="wasm", timeout=None, missing=None, checksum_re=CHECKSUM_RE):
        self.name = name
        self.cmd = cmd
        self.build = build        # which build of a program it runs: native | wasm | free
        self.checksum_re = checksum_re
        self.timeout = timeout    # per-run cap in seconds
        self.missing = missing    # reason the engine cannot run at all, or None
        self.notes = []           # first line of each distinct failure, for the report


class Cell:
    """The result of one program on one engine."""

    def __init__(self, status, secs=None, checksum=None, detail=""):
        self.status = status      # ok | missing | n/a | fail | timeout | mismatch | noref
        self.secs = secs          # median wall seconds when status is ok (or mismatch)
        self.checksum = checksum
        self.detail = detail


def parse_engines(spec):
    """BENCH_ENGINES="name=command [args...] name2=command2": a word of the form name=...
    whose name does not start with '-' begins a new engine; other words are arguments of
    the previous one (so `iwasm=iwasm --stack-size=65536` works). When an argument itself
    looks like name=value, separate the engines with ';' instead."""
    if ";" in (spec or ""):
        out = []
        for part in spec.split(";"):
            words = shlex.split(part)
            if words:
                m = re.match(r"^([^=\s]+)=(.+)$", words[0])
                if not m:
                    sys.exit(f"bench: BENCH_ENGINES: expected name=command, got {part.strip()!r}")
                out.append([m.group(1), [m.group(2)] + words[1:]])
        return out
    engines = []
    for word in shlex.split(spec or ""):
        m = re.match(r"^([A-Za-z0-9_.][A-Za-z0-9_.+-]*)=(.+)$", word)
        if m:
            engines.append([m.group(1), [m.group(2)]])
        elif engines:
            engines[-1][1].append(word)
        else:
            sys.exit(f"bench: BENCH_ENGINES: expected name=command, got {word!r}")
    return engines


def which(path_or_name):
    """Full path of an executable (a path or a name looked up in PATH), or None."""
    if os.sep in path_or_name:
        return path_or_name if os.access(path_or_name, os.X_OK) else None
    return shutil.which(path_or_name)


def build_engines(args):
    here = os.path.dirname(os.path.abspath(__file__))
    engines = [Engine("native", [], build="native", timeout=args.timeout)]
    lun = args.lunatic
    engines.append(Engine("lunatic", [lun], timeout=args.timeout,
                          missing=None if which(lun) else f"{lun} not built"))
    node = which("node")
    # --single-threaded: node 20 often segfaults at exit after a long run with a large wasm
    # memory (64 MB, anchor fnv) when its background threads are on; no measured cost.
    engines.append(Engine("node", [node or "node", "--no-warnings", "--single-threaded",
                                   os.path.join(here, "node_wasi.mjs")],
                          timeout=args.timeout, missing=None if node else "node not installed"))
    # Debian's wabt is built without WASI: wasm-interp runs the freestanding build and
    # calls its bench_run export. It is ~100-1000x native: its own per-run cap, --slow-timeout
    # (a timeout shows as "timeout"; the work is never reduced, ratios need the same work).
    wi = which("wasm-interp")
    engines.append(Engine("wasm-interp", [wi or "wasm-interp", "--run-all-exports"], build="free",
                          timeout=args.slow_timeout, checksum_re=EXPORT_RE,
                          missing=None if wi else "wasm-interp not installed"))
    for name, cmd in parse_engines(args.engines):
        engines.append(Engine(name, cmd, timeout=args.timeout,
                              missing=None if which(cmd[0]) else f"{cmd[0]} not found"))
    if args.only:
        keep = set(args.only.replace(",", " ").split()) | {"native"}
        engines = [e for e in engines if e.name in keep]
    return engines


def run_once(argv, timeout):
    """Runs argv once; returns (status, seconds, stdout, error text)."""
    t0 = time.perf_counter()
    try:
        # own session, so a timeout kills the engine and anything it started
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as e:
        return "fail", 0.0, "", str(e)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", time.perf_counter() - t0, "", f"over {timeout:g} s"
    secs = time.perf_counter() - t0
    out = out.decode(errors="replace")
    err = err.decode(errors="replace").strip()
    if p.returncode != 0:
        first = (err or out).strip().splitlines()
        return "fail", secs, out, f"exit {p.returncode}" + (f": {first[0][:120]}" if first else "")
    return "ok", secs, out, ""


def run_cell(engine, prog, runs, ref):
    """Runs one program on one engine `runs` times; ref is native's checksum (or None)."""
    if engine.missing:
        return Cell("missing", detail=engine.missing)
    path = prog.get(engine.build)
    if path is None:
        return Cell("n/a", detail=f"no {engine.build} build of this program")
    if not os.path.exists(path):
        return Cell("fail", detail=f"{path} not built")
    times, checksum = [], None
    for _ in range(runs):
        status, secs, out, detail = run_once(engine.cmd + [path], engine.timeout)
        if status != "ok":
            return Cell(status, detail=detail)   # no point repeating a failing run
        m = engine.checksum_re.search(out)
        if not m:
            return Cell("fail", detail="no checksum in output: " + out.strip()[:80])
        if checksum is not None and m.group(1) != checksum:
            return Cell("mismatch", checksum=m.group(1), detail=f"changed between runs ({checksum})")
        checksum = m.group(1)
        times.append(secs)
        if secs > LONG_RUN_S:
            break
    med = statistics.median(times)
    if engine.name == "native":
        return Cell("ok", med, checksum)
    if ref is None:
        return Cell("noref", med, checksum, "native did not run")
    if checksum != ref:
        return Cell("mismatch", med, checksum, f"checksum {checksum}, native {ref}")
    return Cell("ok", med, checksum)


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def geo_groups(rows):
    """The summary rows: this suite's geometric mean, and the anchors' apart (their targets
    in BENCH_ANCHORS.md are separate)."""
    own = [r for r in rows if not r.startswith("anchor:")]
    anchors = [r for r in rows if r.startswith("anchor:")]
    return [(n, g) for n, g in (("geomean", own), ("geomean anchors", anchors)) if g]


def group_geomean(results, group, e):
    """(geometric mean of e's ratios over the rows of group, how many rows had one)."""
    rs = [x for x in ratios(results, group, e) if x is not None]
    return geomean(rs), len(rs)


# {===== report header

def first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return ((out.stdout or out.stderr).strip().splitlines() or ["?"])[0]
    except (OSError, subprocess.SubprocessError):
        return "not found"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return first_line(["uname", "-m"])


def git_commit():
    head = first_line(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head + (" (with uncommitted changes)" if dirty else "")


def header_lines(args, engines):
    lines = [
        f"lunatic bench  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"cpu:      {cpu_model()} ({os.cpu_count()} cores)",
        f"native:   {first_line([args.cc, '--version'])}  ({args.cc} -O2)",
        f"wasm:     {first_line([args.wasm_cc, '--version'])}  ({args.wasm_cc} --target=wasm32-wasi -O2)",
        f"commit:   {git_commit()}",
    ]
    for e in engines[1:]:
        if e.missing:
            ver = "missing: " + e.missing
        elif e.name == "node":
            ver = "node " + first_line([e.cmd[0], "--version"]) + " (V8 JIT, for scale)"
        elif e.name == "wasm-interp":
            ver = ("wabt " + first_line([e.cmd[0], "--version"])
                   + f" (freestanding build, bench_run export; cap {e.timeout:g} s per run)")
        else:
            ver = " ".join(e.cmd)
        lines.append(f"engine:   {e.name}: {ver}")
    lines.append(f"runs:     median of {args.runs} (one when a run takes over {LONG_RUN_S:g} s), wall clock,"
                 f" timeout {args.timeout:g} s per run"
                 + ("; QUICK mode (small work, not for comparison)" if args.quick else ""))
    return lines
# }=====


# {===== table, CSV, SVG

def cell_text(cell, native):
    if cell.status == "ok" and native is not None and cell.secs is not None:
        if native.status != "ok":
            return f"{cell.secs:.3f}s"
        return f"{cell.secs:.3f}s {cell.secs / native.secs:5.1f}x"
    if cell.status == "ok":
        return f"{cell.secs:.3f}s"
    if cell.status == "mismatch":
        return "MISMATCH"
    if cell.status == "noref":
        return f"{cell.secs:.3f}s ?"
    return cell.status


def ratios(results, rows, e):
    """Ratio to native of engine e per row (None where either did not run cleanly)."""
    out = []
    for r in rows:
        n, c = results[r]["native"], results[r][e.name]
        ok = n.status == "ok" and c.status == "ok" and n.secs > 0
        out.append(c.secs / n.secs if ok else None)
    return out


def table_lines(results, rows, engines):
    head = ["program"] + [e.name for e in engines]
    body = []
    for r in rows:
        native = results[r]["native"]
        body.append([r] + [f"{native.secs:.3f}s" if native.status == "ok" else native.status]
                    + [cell_text(results[r][e.name], native) for e in engines[1:]])
    geos = []
    for name, group in geo_groups(rows):
        geo = [name, "1.0x"]
        for e in engines[1:]:
            g, n = group_geomean(results, group, e)
            geo.append("" if g is None else f"{g:.2f}x" + ("" if n == len(group) else f" ({n}/{len(group)})"))
        geos.append(geo)
    widths = [max(len(row[i]) for row in [head] + geos + body) for i in range(len(head))]
    fmt = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
    rule = "-" * len(fmt(head))
    return [fmt(head), rule] + [fmt(b) for b in body] + [rule] + [fmt(g) for g in geos]


def write_csv(path, results, rows, engines):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        hdr = ["program"]
        for e in engines:
            hdr += [f"{e.name}_s", f"{e.name}_ratio", f"{e.name}_status"]
        w.writerow(hdr)
        per_engine = {e.name: ratios(results, rows, e) for e in engines}
        for i, r in enumerate(rows):
            line = [r]
            for e in engines:
                c, ratio = results[r][e.name], per_engine[e.name][i]
                line += ["" if c.secs is None else f"{c.secs:.4f}",
                         "" if ratio is None else f"{ratio:.3f}", c.status]
            w.writerow(line)
        for name, group in geo_groups(rows):
            line = [name]
            for e in engines:
                g, _ = group_geomean(results, group, e)
                line += ["", "" if g is None else f"{g:.3f}", ""]
            w.writerow(line)


COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_svg(path, results, rows, engines, title):
    """Grouped bars: per program (and the geometric mean) one bar per wasm engine, height =
    ratio to native on a log scale, drawn from the 1x line (up = slower than native)."""
    # engines without a single result (missing, or failing everywhere) get no column
    eng = [e for e in engines[1:] if any(x is not None for x in ratios(results, rows, e))]
    per = {e.name: ratios(results, rows, e) for e in eng}
    groups = geo_groups(rows)
    labels = rows + [n for n, _ in groups]
    for e in eng:
        per[e.name] = per[e.name] + [group_geomean(results, g, e)[0] for _, g in groups]
    vals = [x for e in eng for x in per[e.name] if x is not None] or [1.0]
    lo = 10 ** math.floor(math.log10(min(min(vals), 1.0) * 0.9))
    hi = 10 ** math.ceil(math.log10(max(max(vals), 1.0) * 1.1))
    nb = max(len(eng), 1)
    bar, gap = 14, 18
    group = nb * bar + gap
    left, top, plot_h, bottom = 70, 50, 320, 90
    width = left + len(labels) * group + 150
    height = top + plot_h + bottom
    y = lambda v: top + plot_h * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{left}" y="22" font-size="14" font-weight="bold">{esc(title)}</text>',
         f'<text x="{left}" y="38" fill="#555">time relative to native (log scale, lower is better)</text>']
    # grid lines at 1, 2, 5 x 10^k
    decade = lo
    while decade <= hi:
        for m in (1, 2, 5):
            v = decade * m
            if lo <= v <= hi:
                yy = y(v)
                strong = m == 1
                o.append(f'<line x1="{left}" x2="{left + len(labels) * group}" y1="{yy:.1f}" y2="{yy:.1f}" '
                         f'stroke="{"#999" if strong else "#ddd"}" stroke-width="{1.2 if v == 1 else 0.8}"/>')
                o.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:g}x</text>')
        decade *= 10
    base = y(1.0)
    for gi, lab in enumerate(labels):
        x0 = left + gi * group + gap / 2
        for ei, e in enumerate(eng):
            v = per[e.name][gi]
            x = x0 + ei * bar
            if v is None:
                st = results[lab][e.name].status if lab in results else ""
                o.append(f'<text x="{x + bar / 2:.1f}" y="{base - 3:.1f}" text-anchor="middle" '
                         f'fill="{"#d00" if st == "mismatch" else "#999"}" font-size="9">x</text>')
                continue
            y1, y2 = sorted((y(v), base))
            o.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar - 2}" height="{max(y2 - y1, 1):.1f}" '
                     f'fill="{COLORS[ei % len(COLORS)]}"><title>{esc(e.name)} {esc(lab)}: {v:.2f}x</title></rect>')
            o.append(f'<text x="{x + bar / 2 - 1:.1f}" y="{y1 - 3:.1f}" text-anchor="middle" font-size="8">'
                     f'{v:.3g}</text>')
        cx = x0 + nb * bar / 2
        o.append(f'<text transform="translate({cx:.1f},{top + plot_h + 12}) rotate(35)" '
                 f'font-weight="{"bold" if lab.startswith("geomean") else "normal"}">{esc(lab)}</text>')
    lx = left + len(labels) * group + 15
    for ei, e in enumerate(eng):
        o.append(f'<rect x="{lx}" y="{top + ei * 18}" width="12" height="12" fill="{COLORS[ei % len(COLORS)]}"/>')
        o.append(f'<text x="{lx + 17}" y="{top + ei * 18 + 10}">{esc(e.name)}</text>')
    o.append(f'<text x="{lx}" y="{top + nb * 18 + 14}" fill="#999" font-size="9">x = no result</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
# }=====


def run_extras(args, results_dir):
    """Runs the --extra commands (see the module doc); returns (report lines, failed names)."""
    env = dict(os.environ, BENCH_OUT=args.out, BENCH_RESULTS=results_dir, BENCH_LUNATIC=args.lunatic,
               BENCH_RUNS=str(args.runs), BENCH_TIMEOUT=f"{args.timeout:g}",
               BENCH_QUICK="1" if args.quick else "")
    lines, failed = [], []
    for cmd in args.extra:
        words = shlex.split(cmd)
        if not words:
            continue
        name = os.path.basename(words[0])
        print(f"\n== {name}", flush=True)
        try:
            # a section may run many things: its cap is the per-run timeout times the runs
            p = subprocess.run(cmd, shell=True, env=env, stdout=subprocess.PIPE, text=True,
                               timeout=args.timeout * max(args.runs, 1) + 60)
            out, rc = p.stdout.rstrip("\n"), p.returncode
        except subprocess.TimeoutExpired as e:
            # what it printed so far (bytes here, whatever text= says)
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            out, rc = out.rstrip("\n"), "timeout"
        if out:
            print(out, flush=True)
        sec = ["", f"== {name}"] + (out.splitlines() if out else [])
        if rc != 0:
            failed.append(name)
            sec.append(f"{name}: FAILED ({'timeout' if rc == 'timeout' else f'exit {rc}'}): {cmd}")
            print(sec[-1], flush=True)
        lines += sec
    return lines, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True,
                    help="build dir: OUT/native/NAME, OUT/wasm/NAME.wasm, OUT/free/NAME.wasm")
    ap.add_argument("--results", default="", help="where results.{txt,csv,svg} go (default OUT)")
    ap.add_argument("--extra", action="append", default=[], metavar="CMD",
                    help="a command whose output is appended as a report section (repeatable)")
    ap.add_argument("--progs", required=True, help="program names, in row order")
    ap.add_argument("--anchors", default="", help="anchor names, from OUT/anchors/{native,wasm}")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--slow-timeout", type=float, default=20, help="per-run cap of wasm-interp")
    ap.add_argument("--lunatic", default="build/release/lunatic")
    ap.add_argument("--engines", default="", help='extra engines: "name=command [args] ..."')
    ap.add_argument("--only", default="", help="run only these engines (comma or space separated)")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--wasm-cc", default="clang")
    ap.add_argument("--quick", action="store_true", help="mark the report as quick mode")
    args = ap.parse_args()

    engines = build_engines(args)
    results_dir = args.results or args.out
    progs = [{"name": n, "native": f"{args.out}/native/{n}", "wasm": f"{args.out}/wasm/{n}.wasm",
              "free": f"{args.out}/free/{n}.wasm"} for n in args.progs.split()]
    progs += [{"name": f"anchor:{n}", "native": f"{args.out}/anchors/native/{n}",
               "wasm": f"{args.out}/anchors/wasm/{n}.wasm"} for n in args.anchors.split()]
    header = header_lines(args, engines)
    print("\n".join(header), flush=True)

    results, rows = {}, []
    for p in progs:
        row = {}
        for e in engines:
            ref = row["native"].checksum if "native" in row and row["native"].status == "ok" else None
            cell = run_cell(e, p, args.runs, ref)
            row[e.name] = cell
            if cell.status in ("fail", "timeout", "mismatch", "noref") and cell.detail:
                # the program's own path is blanked so the same failure everywhere dedupes
                same = cell.detail.replace(p["wasm"], "PROG").replace(p["native"], "PROG")
                e.notes.append((p["name"], f"{cell.status}: {same}", f"{cell.status}: {cell.detail}"))
        results[p["name"]] = row
        rows.append(p["name"])
        # progress on stderr: the full table comes at the end
        print(f"  {p['name']}: " + ", ".join(f"{e.name} {cell_text(row[e.name], row['native'])}"
                                             for e in engines), file=sys.stderr, flush=True)

    table = table_lines(results, rows, engines)
    notes = []
    for e in engines:
        seen = {}
        for prog, key, text in e.notes:   # the same failure on many programs is reported once
            if key in seen:
                seen[key][1] += 1
            else:
                seen[key] = [f"  {e.name}: {prog}: {text}", 0]
        notes += [t + (f" (and {n} more programs)" if n else "") for t, n in seen.values()]
    mism = [f"{r} on {e.name}" for r in rows for e in engines if results[r][e.name].status == "mismatch"]
    verdict = ["FAIL: checksum mismatch: " + ", ".join(mism)] if mism else ["checksums: all engines agree with native"]
    report = [""] + table + ([""] + ["notes:"] + notes if notes else [])
    print("\n".join(report), flush=True)
    sections, failed = run_extras(args, results_dir)
    if failed:
        verdict.append("FAIL: extra section failed: " + ", ".join(failed))
    print("\n".join([""] + verdict))
    report += sections + [""] + verdict

    os.makedirs(results_dir, exist_ok=True)
    with open(f"{results_dir}/results.txt", "w") as f:
        f.write("\n".join(header + report) + "\n")
    write_csv(f"{results_dir}/results.csv", results, rows, engines)
    write_svg(f"{results_dir}/results.svg", results, rows, engines,
              "lunatic bench: " + header[1].split(":", 1)[1].strip() + ("  (QUICK)" if args.quick else ""))
    print(f"wrote {results_dir}/results.txt, results.csv, results.svg")
    return 1 if mism or failed else 0


if __name__ == "__main__":
    sys.exit(main())
