#!/usr/bin/env python3
"""poller.py: the two I/O integrations side by side in one run
(LUNATIC_POLLER=thread: a dedicated poller thread; =worker: an idle worker
waits in the poller), alternating the variants every round since the
machine is shared and noisy. Per round and variant:
  - wrk -t2 -c64 -d10s on examples/http: requests/s and p99 (Go's net/http
    hello server once per round, as the yardstick);
  - schedbench pingpong (ns per round trip) and lateness (p99 ms of 1 ms
    sleeps, beside 4 busy loops and alone);
  - the echo server holding N idle connections: its CPU over 10 s.
Prints every figure and the medians.

Usage: poller.py LUNATIC HTTP_WASM GO_BIN SCHED_WASM ECHO_WASM [ROUNDS [N]]"""
import os, re, socket, statistics, subprocess, sys, time

L, HTTP, GO, SCHED, ECHO = sys.argv[1:6]
ROUNDS = int(sys.argv[6]) if len(sys.argv) > 6 else 3
IDLE_N = int(sys.argv[7]) if len(sys.argv) > 7 else 10000
DUR = os.environ.get("BENCH_NET_DURATION", "10s")
VARIANTS = ["thread", "worker"]


def env(v):
    return dict(os.environ, LUNATIC_POLLER=v)


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on %d did not start" % port)


def wrk(port):
    out = subprocess.run(["wrk", "-t2", "-c64", "-d" + DUR, "--latency",
                          "http://127.0.0.1:%d/" % port],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s)", out, re.M)
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    return rps, p99


def server(cmd, port, e=None):
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_port(port)
    return p


def http(v):
    p = server([L, HTTP, "18181"], 18181, env(v))
    try:
        return wrk(18181)
    finally:
        p.kill()
        p.wait()


def go_http():
    p = server([GO, "18182"], 18182)
    try:
        return wrk(18182)
    finally:
        p.kill()
        p.wait()


def sched(v, args):
    out = subprocess.run([L, SCHED] + args, env=env(v), capture_output=True,
                         text=True, timeout=300).stdout
    return float(re.search(r"RESULT \S+ ([0-9.]+)", out).group(1))


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle(v, n, secs=10.0):
    p = server([L, ECHO, "18183"], 18183, env(v))
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", 18183), 10))
        for s in socks:
            s.sendall(b"x")
        for s in socks:
            s.recv(1)
        time.sleep(0.5)
        c0 = cpu_s(p.pid)
        time.sleep(secs)
        return 100.0 * (cpu_s(p.pid) - c0) / secs
    finally:
        for s in socks:
            s.close()
        p.kill()
        p.wait()


ROWS = [("http req/s", lambda v: http(v)),
        ("pingpong ns", lambda v: sched(v, ["pingpong", "1000000"])),
        ("late4 p99 ms", lambda v: sched(v, ["lateness", "1000", "4"])),
        ("late0 p99 ms", lambda v: sched(v, ["lateness", "1000", "0"])),
        ("idle%d CPU %%" % IDLE_N, lambda v: idle(v, IDLE_N))]


def main():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    res = {}  # (row, variant) -> [values]
    for r in range(ROUNDS):
        order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
        for name, fn in ROWS:
            for v in order:
                val = fn(v)
                if name.startswith("http"):
                    res.setdefault(("http p99 ms", v), []).append(val[1])
                    val = val[0]
                res.setdefault((name, v), []).append(val)
                print("round %d %-16s %-7s %s" % (r + 1, name, v, val),
                      flush=True)
        rps, p99 = go_http()
        res.setdefault(("http req/s", "go"), []).append(rps)
        res.setdefault(("http p99 ms", "go"), []).append(p99)
        print("round %d %-16s %-7s %s %s" % (r + 1, "http", "go", rps, p99),
              flush=True)
    print("\nmedian of %d rounds    %12s %12s %12s" % (ROUNDS, "thread",
                                                       "worker", "go"))
    for name in ["http req/s", "http p99 ms"] + [n for n, _ in ROWS[1:]]:
        cells = []
        for v in VARIANTS + ["go"]:
            vals = res.get((name, v))
            cells.append("%12.3f" % statistics.median(vals) if vals else
                         "%12s" % "-")
        print("%-20s %s   all: %s" % (name, " ".join(cells), " | ".join(
            "%s %s" % (v, ["%.3g" % x for x in res.get((name, v), [])])
            for v in VARIANTS)))


main()
