#!/usr/bin/env python3
"""run.py: the scheduling benchmarks (bench/sched/schedbench.{c,erl,go})
side by side in one run: lunatic, and erl and Go when installed.

Usage: run.py --lunatic BIN --wasm schedbench.wasm --out DIR [--runs 3]
              [--quick]
Prints one table (median of --runs) with the issue's targets, then where
an idle lunatic process's bytes go (the runtime's lunatic_footprint_bytes
by part, scraped from --metrics with LUNATIC_FOOTPRINT=1 at READY0 and
READY1, beside the RSS delta); writes DIR/sched.txt."""
import argparse, os, re, shlex, shutil, socket, statistics, subprocess, sys, time
import urllib.request

# name, args (full, quick), unit, target (a number, or "go": at most Go's
# figure in the same run), lower is better. The targets are issue 20's.
BENCHES = [
    ("spawn", ["spawn", "200000"], ["spawn", "20000"], "us", 0.3),
    ("idle", ["idle", "1000000"], ["idle", "50000"], "KB/proc", 2.6),
    ("ring", ["ring", "1000", "1000000"], ["ring", "1000", "100000"], "ns", "go"),
    ("pingpong", ["pingpong", "1000000"], ["pingpong", "100000"], "ns", "go"),
    ("skynet", ["skynet", "1000000"], ["skynet", "10000"], "ms", "go"),
    ("lateness", ["lateness", "1000", "4"], ["lateness", "200", "4"], "ms p99", 2.0),
]
IDLE_RSS_TARGET_GIB = 3.0  # for 1,000,000 idle processes (the full size)


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape_footprint(port):
    """lunatic_footprint_bytes by part (LUNATIC_FOOTPRINT), or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                    timeout=30) as r:
            text = r.read().decode()
    except OSError:
        return None
    parts = {m.group(1): float(m.group(2)) for m in re.finditer(
        r'^lunatic_footprint_bytes\{part="(\w+)"\} (\S+)$', text, re.M)}
    return parts or None


def run_idle(cmd, timeout, port=None):
    """Start the idle benchmark, read RSS at READY0 and READY1. With port
    (lunatic run with --metrics there and LUNATIC_FOOTPRINT=1), also the
    footprint by part at both: returns (KB per process, {part: bytes per
    process}, or None)."""
    env = dict(os.environ, LUNATIC_FOOTPRINT="1") if port else None
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, env=env)
    base = n = fp0 = None
    deadline = time.time() + timeout
    try:
        for line in p.stdout:
            if line.startswith("READY0"):
                base = rss_kb(p.pid)
                fp0 = scrape_footprint(port) if port else None
            elif line.startswith("READY1"):
                n = int(line.split()[1])
                top = rss_kb(p.pid)
                fp1 = scrape_footprint(port) if port else None
                if base is None or top is None:
                    return None, None, None
                per = None
                if fp0 and fp1:
                    per = {k: (fp1[k] - fp0.get(k, 0)) / n for k in fp1}
                    per["rss"] = (top - base) * 1024.0 / n
                # KB (1000 B) per process, the parts, the whole RSS (KiB)
                return (top - base) * 1024.0 / n / 1000.0, per, top
            if time.time() > deadline:
                break
    finally:
        p.kill()
        p.wait()
    return None, None, None


def footprint_table(runs):
    """The median of each part over the runs: bytes per idle process,
    what the runtime counted, and the rest of the RSS it did not."""
    if not runs:
        return []
    parts = [k for k in runs[0] if k != "rss"]
    med = {k: statistics.median(r.get(k, 0) for r in runs)
           for k in parts + ["rss"]}
    counted = sum(med[k] for k in parts)
    lines = ["Idle process footprint (lunatic, bytes per process, median of "
             "%d; LUNATIC_FOOTPRINT)" % len(runs),
             f"{'part':16} {'bytes':>9}"]
    lines += [f"{k:16} {med[k]:9.0f}" for k in parts]
    lines += [f"{'counted':16} {counted:9.0f}",
              f"{'rss delta':16} {med['rss']:9.0f}",
              f"{'unexplained':16} {med['rss'] - counted:9.0f}"]
    return lines


def run_one(cmd, timeout):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return None
    m = re.search(r"RESULT \S+ ([0-9.]+)", out)
    return float(m.group(1)) if m else None


def engines(args):
    flags = shlex.split(args.lunatic_flags)
    e = [("lunatic", lambda a: [args.lunatic] + flags + [args.wasm] + a)]
    if args.lunatic_only:
        return e
    out = args.out
    if shutil.which("erlc") and shutil.which("erl"):
        src = os.path.join(os.path.dirname(__file__), "schedbench.erl")
        if subprocess.run(["erlc", "-o", out, src]).returncode == 0:
            e.append(("erl", lambda a: ["erl", "+P", "2000000", "-noshell",
                                        "-pa", out, "-s", "schedbench",
                                        "main"] + a))
    if shutil.which("go"):
        src = os.path.join(os.path.dirname(__file__), "schedbench.go")
        binp = os.path.join(out, "schedbench_go")
        env = dict(os.environ, GOCACHE=os.path.abspath(os.path.join(out, "gocache")),
                   GO111MODULE="off")
        if subprocess.run(["go", "build", "-o", binp, src], env=env).returncode == 0:
            e.append(("go", lambda a: [binp] + a))
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lunatic", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--quick", action="store_true")
    # e.g. "--metrics 127.0.0.1:9100": the endpoint's overhead (make
    # bench-sched BENCH_LUNATIC_FLAGS=...); --lunatic-only skips erl, go
    ap.add_argument("--lunatic-flags", default="")
    ap.add_argument("--lunatic-only", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    eng = engines(args)
    rows = []
    footprints = []  # lunatic's idle runs: bytes per process by part
    idle_rss_kib = []  # lunatic's whole RSS at READY1 of each idle run
    for name, full, quick, unit, target in BENCHES:
        a = quick if args.quick else full
        res = {}
        for ename, mk in eng:
            vals = []
            for _ in range(args.runs):
                if name == "idle" and ename == "lunatic":
                    port = free_port()
                    cmd = mk(a)
                    cmd[1:1] = ["--metrics", f"127.0.0.1:{port}"]
                    v, per, top = run_idle(cmd, args.timeout, port)
                    if per:
                        footprints.append(per)
                    if top:
                        idle_rss_kib.append(top)
                elif name == "idle":
                    v, _, _ = run_idle(mk(a), args.timeout)
                else:
                    v = run_one(mk(a), args.timeout)
                if v is not None:
                    vals.append(v)
            res[ename] = statistics.median(vals) if vals else None
            print(f"  {name:9} {ename:8} {res[ename]}", file=sys.stderr)
        rows.append((name, " ".join(a[1:]), unit, target, res))
    names = [n for n, _ in eng]
    hdr = f"{'benchmark':10} {'size':16} {'unit':8} {'target':>8} " + \
        " ".join(f"{n:>10}" for n in names) + \
        "".join(f" {'lunatic/' + n:>12}" for n in names[1:]) + "  verdict"
    lines = ["Scheduling benchmarks (median of %d; lower is better)" % args.runs,
             hdr]
    fmt = lambda v: f"{v:10.3f}" if v is not None else f"{'-':>10}"
    for name, size, unit, target, res in rows:
        l = res.get("lunatic")
        tgt = f"{target:>8}" if isinstance(target, str) else f"{target:8g}"
        line = f"{name:10} {size:16} {unit:8} {tgt} " + \
            " ".join(fmt(res.get(n)) for n in names)
        for n in names[1:]:
            o = res.get(n)
            line += f" {(l / o if l and o else float('nan')):12.2f}"
        goal = res.get("go") if target == "go" else target
        verdict = "-" if l is None or goal is None else (
            "meets" if l <= goal else "misses by %.2fx" % (l / goal))
        lines.append(line + "  " + verdict)
    if idle_rss_kib and not args.quick:
        gib = statistics.median(idle_rss_kib) / (1024 * 1024)
        lines.append("1,000,000 idle lunatic processes: RSS %.2f GiB (target "
                     "< %g GiB): %s" % (gib, IDLE_RSS_TARGET_GIB,
                                         "meets" if gib < IDLE_RSS_TARGET_GIB
                                         else "misses"))
    fp = footprint_table(footprints)
    if fp:
        lines += [""] + fp
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(args.out, "sched.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
