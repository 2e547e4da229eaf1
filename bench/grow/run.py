#!/usr/bin/env python3
"""run.py: memory.grow one page at a time to 1 GiB (bench/grow/grow.wat),
side by side in one run: lunatic on the scheduler (sched/linmem.c gives
the memory), lunatic with LUNATIC_NO_SCHED=1 (calloc/realloc), and node
(bench/grow/node_grow.mjs) when installed. The engines take turns, run
after run, so that a busy spell of the machine falls on all of them.

Usage: run.py --lunatic BIN --wasm grow.wasm --out DIR [--runs 3]
              [--timeout 120]
Prints one table (median wall time of --runs, whole process, and the
peak RSS); writes DIR/grow.txt."""
import argparse, os, shutil, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))


def engines(lunatic, wasm):
    """(name, argv, extra environment) of each engine available."""
    out = [("lunatic", [lunatic, wasm], {}),
           ("lunatic LUNATIC_NO_SCHED=1", [lunatic, wasm],
            {"LUNATIC_NO_SCHED": "1"})]
    node = shutil.which("node")
    if node:
        out.append(("node " + node_version(node),
                    [node, os.path.join(HERE, "node_grow.mjs"), wasm], {}))
    return out


def node_version(node):
    try:
        return subprocess.run([node, "--version"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def run_one(argv, env, timeout):
    """(seconds, peak RSS in MiB) of one run, or (None, why)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=dict(os.environ, **env),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            p.wait()
            return None, "timeout (%d s)" % timeout
        time.sleep(0.002)
    secs = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err = p.stderr.read().decode(errors="replace").strip().splitlines()
        return None, "exit %d %s" % (code, err[-1] if err else "")
    return secs, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lunatic", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=120)
    a = ap.parse_args()
    eng = engines(a.lunatic, a.wasm)
    times = {name: [] for name, _, _ in eng}
    rss = {name: 0.0 for name, _, _ in eng}
    failed = {}
    for _ in range(a.runs):
        for name, argv, env in eng:
            if name in failed:
                continue
            secs, extra = run_one(argv, env, a.timeout)
            if secs is None:
                failed[name] = extra
            else:
                times[name].append(secs)
                rss[name] = max(rss[name], extra)
    lines = ["memory.grow 1 page at a time to 1 GiB, each new page touched "
             "(median of %d, whole process)" % a.runs,
             "%-34s %10s %12s %10s" % ("engine", "seconds", "peak RSS", "vs node")]
    node = next((statistics.median(times[n]) for n, _, _ in eng
                 if n.startswith("node") and times[n]), None)
    for name, _, _ in eng:
        if name in failed:
            lines.append("%-34s %s" % (name, failed[name]))
            continue
        med = statistics.median(times[name])
        ratio = "%.2fx" % (med / node) if node else "-"
        lines.append("%-34s %10.3f %9.0f MiB %10s" % (name, med, rss[name], ratio))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "grow.txt"), "w") as f:
        f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
