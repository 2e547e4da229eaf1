#!/usr/bin/env python3
"""footprint.py: the footprint metrics (sched/footprint.c) count what N
idle processes add. Runs `LUNATIC stress.wasm idle N` with
LUNATIC_FOOTPRINT=1 and --metrics, reads lunatic_footprint_bytes at READY0
and READY1, and checks: N more processes counted; the process part grew
by exactly N process blocks; the instance, exec and WASI parts grew by
the same amount per process within a few percent (the processes are
alike); what was counted is not more than the RSS grew (plus slack); the
resident guest bytes are at most the linear memory.
Usage: footprint.py LUNATIC STRESS_WASM N. Prints "ok footprint ..." or
"FAIL ..." (exit 1)."""
import os, re, socket, subprocess, sys, urllib.request


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                timeout=30) as r:
        text = r.read().decode()
    m = {k: float(v) for k, v in re.findall(
        r'^lunatic_footprint_bytes\{part="(\w+)"\} (\S+)$', text, re.M)}
    m["procs"] = float(re.search(r"^lunatic_footprint_processes (\S+)$",
                                 text, re.M).group(1))
    m["linear"] = float(re.search(r"^lunatic_linear_memory_bytes (\S+)$",
                                  text, re.M).group(1))
    m["rss"] = float(re.search(r"^process_resident_memory_bytes (\S+)$",
                               text, re.M).group(1))
    return m


def fail(why):
    print("FAIL footprint:", why)
    sys.exit(1)


def main():
    lunatic, wasm, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([lunatic, "--metrics", f"127.0.0.1:{port}", wasm,
                          "idle", str(n)], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, LUNATIC_FOOTPRINT="1"))
    a = b = None
    for line in p.stdout:
        if line.startswith("READY0"):
            a = scrape(port)
        elif line.startswith("READY1"):
            b = scrape(port)
    if p.wait() != 0 or not a or not b:
        fail("the guest did not run to its end")
    d = {k: b[k] - a[k] for k in b}
    if d["procs"] != n:
        fail(f"{d['procs']} more processes counted, not {n}")
    block = b["process"] / b["procs"]
    if d["process"] != n * block or not 256 <= block <= 2048:
        fail(f"process part grew {d['process']} for {n} blocks of {block}")
    for part in ("instance", "exec", "wasi"):
        per = d[part] / n
        each = b[part] / b["procs"]
        if per <= 0 or abs(per - each) > 0.05 * each + 64:
            fail(f"{part}: {per} per new process, {each} on average")
    counted = sum(d[k] for k in ("process", "instance", "exec", "wasi",
                                 "mailbox", "guest_resident"))
    if counted > d["rss"] * 1.1 + (1 << 20):
        fail(f"counted {counted} bytes, RSS grew {d['rss']}")
    if b["guest_resident"] > b["linear"]:
        fail("more guest bytes resident than the linear memories hold")
    print(f"ok footprint {n}: {counted / n:.0f} counted, "
          f"{d['rss'] / n:.0f} RSS bytes per process")


main()
