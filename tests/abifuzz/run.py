#!/usr/bin/env python3
"""Run ABI fuzz programs against a lunatic binary and classify what the
runtime did.

  run.py --lunatic build/asan/lunatic [--seed 1] [--count N | --seconds S]
         [--out DIR] [--enable FLAGS] [--timeout 20] [--stall 2]

Each program runs in a fresh directory (preopened with --dir .), on
--threads 2 (every fourth seed on --threads 1). A finding is:
  crash   a signal, an abort, an ASan/UBSan report
  leak    a LeakSanitizer report
  lock    the runtime said something about a lock
  hang    the watchdog timeout passed (SIGTERM, then SIGKILL)
  stall   the ping pair went unanswered for longer than --stall seconds
  memory  the runtime's resident size passed --max-rss MB
  escape  a process reached a host file outside what it was granted
  exit    the root ended other than by returning (status != 0)
Each finding's program is kept under DIR/findings/ with how to rerun it.
Exit status 1 if there was any finding.
"""
import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
import layout as L  # noqa: E402

ESCAPE_DIR = "/tmp/abifuzz-escape"
SAN = re.compile(r"ERROR: AddressSanitizer|runtime error:|"
                 r"Sanitizer:DEADLYSIGNAL|ERROR: \w+Sanitizer")
LEAK = re.compile(r"ERROR: LeakSanitizer")
LOCK = re.compile(r"\block\b|mutex|rwlock|EDEADLK|deadlock", re.I)
CALLS = re.compile(r"metric " + re.escape(L.CALLS_METRIC) + r" = (\d+)")


class Run:
    """One program's run: exit status, output, ping times."""

    def __init__(self, cmd, cwd, timeout, env):
        self.pings, self.end_at, self.stdout_tail = [], None, []
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        errs = []
        te = threading.Thread(target=lambda: errs.append(p.stderr.read()))
        to = threading.Thread(target=self._read_out, args=(p.stdout, t0))
        self.rss_mb = 0
        tm = threading.Thread(target=self._watch_rss, args=(p,))
        te.start(), to.start(), tm.start()
        self.hung = self.term_ignored = False
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.hung = True
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                self.term_ignored = True
                p.kill()
                p.wait()
        to.join(), te.join(), tm.join()
        self.elapsed = time.monotonic() - t0
        self.rc = p.returncode
        self.stderr = errs[0].decode("utf-8", "replace") if errs else ""

    def _read_out(self, f, t0):
        for line in iter(f.readline, b""):
            now = time.monotonic() - t0
            if L.PING_LINE.encode() in line:
                self.pings.append(now)
            if L.END_LINE.encode() in line and self.end_at is None:
                self.end_at = now
            self.stdout_tail = (self.stdout_tail + [line[:200]])[-20:]

    def _watch_rss(self, p):
        """The runtime's largest resident size, sampled every 50 ms."""
        path = f"/proc/{p.pid}/status"
        while p.poll() is None:
            try:
                for line in open(path):
                    if line.startswith("VmRSS:"):
                        self.rss_mb = max(self.rss_mb,
                                          int(line.split()[1]) // 1024)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

    def max_gap(self):
        """Longest time without a ping answer, from the first answer to
        the END line (or the end of the run)."""
        if not self.pings:
            return self.end_at or self.elapsed
        stop = self.end_at or self.elapsed
        ts = [t for t in self.pings if t <= stop] + [stop]
        return max(b - a for a, b in zip(ts, ts[1:])) if len(ts) > 1 else 0

    def out_text(self):
        return b"".join(self.stdout_tail).decode("utf-8", "replace")


MESSAGE_CAP = "256M"  # --max-message-memory of every run

def classify(run, stall, escaped, max_rss):
    """The finding kinds of a run (empty: nothing wrong)."""
    kinds = []
    err = run.stderr
    if LEAK.search(err):
        kinds.append("leak")
    if SAN.search(err) and not LEAK.search(err) or run.rc < 0 \
            and not run.hung:
        kinds.append("crash")
    if LOCK.search(err):
        kinds.append("lock")
    if run.hung:
        kinds.append("hang")
    elif run.max_gap() > stall and (run.end_at or 0) > stall:
        kinds.append("stall")
    if run.rss_mb > max_rss:
        kinds.append("memory")
    if escaped or L.ESCAPE_LINE in run.out_text():
        kinds.append("escape")
    if L.BADPID_LINE in run.out_text():
        kinds.append("harness")
    if not kinds and (run.rc != 0 or run.end_at is None):
        kinds.append("exit")
    return kinds


def escaped_files(parent, progdir):
    try:  # another runner may be between its rmtree and makedirs
        names = os.listdir(ESCAPE_DIR)
    except FileNotFoundError:
        names = []
    out = [os.path.join(ESCAPE_DIR, f) for f in names]
    out += [os.path.join(parent, f) for f in os.listdir(parent)
            if os.path.join(parent, f) != progdir]
    return out


def run_seed(a, seed, work):
    threads = 1 if seed % 4 == 3 else 2
    wat = os.path.join(work, f"seed{seed}.wat")
    wasm = wat[:-4] + ".wasm"
    text, planned = gen.generate(seed, a.root, a.enabled, workers=a.workers,
                                 calls=a.calls, wait_ms=a.wait_ms)
    open(wat, "w").write(text)
    subprocess.run(["wat2wasm", wat, "-o", wasm], check=True)
    parent = tempfile.mkdtemp(prefix="p", dir=work)
    cwd = os.path.join(parent, "sb")
    os.makedirs(os.path.join(cwd, "sub"))
    shutil.rmtree(ESCAPE_DIR, ignore_errors=True)
    os.makedirs(ESCAPE_DIR, exist_ok=True)
    # Queued messages are capped well below --max-rss, so that a flood
    # the cap fails to stop shows as a memory finding.
    cmd = [os.path.abspath(a.lunatic), "--threads", str(threads),
           "--max-message-memory", MESSAGE_CAP, "--dir", ".", wasm]
    env = dict(os.environ, LUNATIC_METRICS="1")
    run = Run(cmd, cwd, a.timeout, env)
    esc = escaped_files(parent, cwd)
    kinds = classify(run, a.stall, esc, a.max_rss)
    m = CALLS.search(run.stderr)
    calls = int(m.group(1)) if m else 0
    if kinds:
        save(a, seed, kinds, wat, run, threads, esc)
    shutil.rmtree(parent, ignore_errors=True)
    for f in (wat, wasm):
        os.unlink(f)
    return kinds, calls, planned, run


def save(a, seed, kinds, wat, run, threads, esc):
    d = os.path.join(a.out, "findings", f"{'+'.join(kinds)}-seed{seed}")
    os.makedirs(d, exist_ok=True)
    shutil.copy(wat, os.path.join(d, "prog.wat"))
    open(os.path.join(d, "stderr.txt"), "w").write(run.stderr[-200000:])
    open(os.path.join(d, "stdout-tail.txt"), "w").write(run.out_text())
    en = ",".join(sorted(a.enabled & gen.KNOWN_OPEN))
    open(os.path.join(d, "README"), "w").write(
        f"kinds: {' '.join(kinds)}\nstatus: {run.rc}  elapsed: "
        f"{run.elapsed:.1f} s  longest ping gap: {run.max_gap():.2f} s  "
        f"largest RSS: {run.rss_mb} MB\n"
        f"escaped files: {esc}\n"
        f"rerun (from the repository root):\n"
        f"  python3 tests/abifuzz/run.py --lunatic {a.lunatic} --seed "
        f"{seed} --count 1 --workers {a.workers} --calls {a.calls} "
        f"--wait-ms {a.wait_ms}" + (f" --enable {en}" if en else "") + "\n"
        f"or by hand: wat2wasm prog.wat -o prog.wasm && mkdir -p sb/sub && "
        f"cd sb && LUNATIC_METRICS=1 {os.path.abspath(a.lunatic)} --threads "
        f"{threads} --max-message-memory {MESSAGE_CAP} --dir . "
        f"../prog.wasm\n")
    print(f"  finding {'+'.join(kinds)} seed {seed}: saved in {d}",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lunatic", required=True)
    ap.add_argument("--root", default=os.path.join(HERE, "..", ".."))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=0, help="programs (0: no "
                    "limit but --seconds)")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--out", default="build/abi-fuzz")
    ap.add_argument("--enable", default="")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--stall", type=float, default=2.0)
    ap.add_argument("--max-rss", type=int, default=1024, help="MB")
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--calls", type=int, default=150)
    ap.add_argument("--wait-ms", type=int, default=3000)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    a.enabled = gen.parse_enable(a.enable)
    if not a.count and not a.seconds:
        ap.error("give --count or --seconds")
    os.makedirs(a.out, exist_ok=True)
    work = os.path.abspath(tempfile.mkdtemp(prefix="abifuzz-", dir=a.out))
    totals, found = collections.Counter(), collections.Counter()
    t0, seed = time.monotonic(), a.seed
    try:
        while (not a.count or totals["programs"] < a.count) and \
                (not a.seconds or time.monotonic() - t0 < a.seconds):
            kinds, calls, planned, run = run_seed(a, seed, work)
            totals.update(programs=1, calls=calls, planned=planned)
            found.update(kinds)
            if a.verbose:
                print(f"seed {seed}: {' '.join(kinds) or 'ok'} rc {run.rc} "
                      f"{run.elapsed:.1f} s, {calls} calls, gap "
                      f"{run.max_gap():.2f} s, {run.rss_mb} MB", flush=True)
            seed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    el = time.monotonic() - t0
    print(f"abi-fuzz: {totals['programs']} programs (seeds {a.seed}-"
          f"{seed - 1}) in {el:.0f} s, {totals['calls']} host calls made "
          f"({totals['planned']} planned), findings: "
          + (", ".join(f"{k} {n}" for k, n in sorted(found.items()))
             or "none")
          + (f"; known-open patterns enabled: "
             f"{sorted(a.enabled & gen.KNOWN_OPEN)}"
             if a.enabled & gen.KNOWN_OPEN else ""))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
