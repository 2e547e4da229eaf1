#!/usr/bin/env python3
"""run.py: the real-program corpus (make test-real).

Each case runs a program built from upstream sources (tests/real/build.sh)
on every engine:
  native            the program built with cc -O2
  lunatic           the wasm32-wasi build on the runtime under test
  lunatic-plain     the same on the plain paths: LUNATIC_NO_FUSION=1 (no
                    superinstructions) and LUNATIC_NO_IMAGE=1 (data
                    segments applied one by one at spawn, not the image)
  node              the same on node's WASI, through tests/real/run_node.js
each in a fresh working folder (the guest's preopened `.`) holding the
case's input files. A case is a list of steps (argv, stdin, where stdout
goes); afterwards the stdout and exit status of every step and every file
left in the folder must be equal, byte for byte, to the native run's, and
round trips (file pairs named by the case) equal to each other.

One line per case, then `N passed, M failed`; the exit status is 1 on any
failure. Seconds per engine per program go to REAL/times.txt.
"""
import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_inputs  # noqa: E402

ENGINES = ["native", "lunatic", "lunatic-plain", "node"]
STEP_TIMEOUT = 60  # seconds per step (--timeout); a step that takes longer fails


class Step:
    def __init__(self, args, stdin=None, stdout=None):
        self.args = args      # argv after the program
        self.stdin = stdin    # a file in the working folder, or None (empty)
        self.stdout = stdout  # a file in the working folder, or None (compared)


class Case:
    def __init__(self, name, prog, steps, inputs=(), same=(), mask=None):
        self.name = name
        self.mask = mask          # (regex, replacement) applied to every stdout
        self.prog = prog          # a program of build.sh
        self.steps = steps
        self.inputs = inputs      # (guest name, host path) copied into the folder
        self.same = same          # (file, file) pairs that must be equal


PKG = {"lua": "lua5.4", "zlib-example": "zlib", "minigzip": "zlib",
       "sqlite3": "sqlite3", "mujs": "mujs", "bzip2": "bzip2"}


def cases(real):
    inp = os.path.join(real, "inputs")
    gen_inputs.write_all(inp)
    src = lambda pkg: os.path.join(real, "src", open(os.path.join(real, "src", pkg + ".dir")).read().strip())
    out = []
    for f in sorted(os.listdir(os.path.join(HERE, "lua"))):
        if f.endswith(".lua"):
            out.append(Case("lua-" + f[:-4], "lua", [Step([f])],
                            [(f, os.path.join(HERE, "lua", f))]))
    # zlibCompileFlags() encodes sizeof(long) and sizeof(void *): 8 natively,
    # 4 on wasm32. The one line that may differ by target, not by engine.
    out.append(Case("zlib-example", "zlib-example", [Step([])],
                    mask=(rb"compile flags = 0x[0-9a-f]+", b"compile flags = 0x(masked)")))
    for name, _, _ in gen_inputs.COMPRESS_FILES:
        p = os.path.join(inp, name)
        base = name.rsplit(".", 1)[0]
        # through stdout and stdin, at two levels
        out.append(Case("minigzip-" + base, "minigzip", [
            Step(["-c", name], stdout="a.gz"),
            Step(["-d", "-c"], stdin="a.gz", stdout="a.out"),
            Step(["-1", "-c"], stdin=name, stdout="b.gz"),
            Step(["-d", "-c", "b.gz"], stdout="b.out"),
        ], [(name, p)], [(name, "a.out"), (name, "b.out")]))
    # in place: f -> f.gz (f removed) -> f
    p = os.path.join(inp, "text-300k.txt")
    out.append(Case("minigzip-inplace", "minigzip", [
        Step(["-9", "f.txt"]), Step(["-d", "f.txt.gz"])],
        [("f.txt", p), ("orig.txt", p)], [("f.txt", "orig.txt")]))
    for name, _, _ in gen_inputs.COMPRESS_FILES:
        p = os.path.join(inp, name)
        base = name.rsplit(".", 1)[0]
        out.append(Case("bzip2-" + base, "bzip2", [
            Step(["-c", name], stdout="a.bz2"),
            Step(["-d", "-c"], stdin="a.bz2", stdout="a.out"),
            Step(["-1", "-c"], stdin=name, stdout="b.bz2"),
            Step(["-t", "b.bz2"]),
            Step(["-d", "-c", "b.bz2"], stdout="b.out"),
        ], [(name, p)], [(name, "a.out"), (name, "b.out")]))
    # bzip2's own test (its Makefile's `make test`): the samples, compressed
    # at -1/-2/-3 must give the shipped .bz2; decompressed, the .ref
    bz = src("bzip2")
    for i in (1, 2, 3):
        out.append(Case("bzip2-sample%d" % i, "bzip2", [
            Step(["-%d" % i, "-c"], stdin="s.ref", stdout="s.rb2"),
            Step(["-d", "-c", "s.bz2"], stdout="s.tst"),
        ], [("s.ref", os.path.join(bz, "sample%d.ref" % i)),
            ("s.bz2", os.path.join(bz, "sample%d.bz2" % i))],
            [("s.rb2", "s.bz2"), ("s.tst", "s.ref")]))
    sql = os.path.join(inp, "script.sql")
    rb = os.path.join(inp, "readback.sql")
    out.append(Case("sqlite3-memory", "sqlite3", [Step([":memory:"], stdin="script.sql")],
                    [("script.sql", sql)]))
    out.append(Case("sqlite3-file", "sqlite3", [
        # the bulk of it without an fsync per statement (slow natively)
        Step(["-cmd", "PRAGMA synchronous=OFF", "test.db"], stdin="script.sql"),
        Step(["test.db"], stdin="readback.sql"),
        Step(["-header", "-csv", "test.db", "SELECT * FROM item WHERE id % 100 = 7 ORDER BY id;"]),
        Step(["test.db", "VACUUM;"]),
        Step(["test.db", ".dump"]),
    ], [("script.sql", sql), ("readback.sql", rb)]))
    for f in sorted(os.listdir(os.path.join(HERE, "js"))):
        if f.endswith(".js"):
            out.append(Case("mujs-" + f[:-3], "mujs", [Step([f])],
                            [(f, os.path.join(HERE, "js", f))]))
    return out


class Result:
    def __init__(self):
        self.steps = []     # (status, stdout bytes, stderr bytes)
        self.files = {}     # path relative to the folder -> bytes
        self.seconds = 0.0
        self.error = None   # why the run itself went wrong (e.g. timeout)


def engine_cmd(engine, args, real, lunatic):
    prog = args[0]
    if engine == "native":
        return [os.path.join(real, "bin", "native", prog)] + args[1:]
    wasm = os.path.join(real, "bin", "wasm", prog + ".wasm")
    if engine.startswith("lunatic"):
        return [lunatic, "run", "--dir", ".", wasm] + args[1:]
    return ["node", "--no-warnings", os.path.join(HERE, "run_node.js"), "--dir", ".", wasm] + args[1:]


def base_env():
    # Only what the programs may need, the same for every engine: no
    # LUA_INIT, no HOME with a .sqliterc, one locale and time zone.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
           "LC_ALL": "C", "TZ": "UTC"}
    for k, v in os.environ.items():
        if k.endswith("SAN_OPTIONS"):
            env[k] = v
    return env


def run_case(case, engine, real, lunatic, workroot):
    r = Result()
    d = os.path.join(workroot, case.name, engine)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for guest, host in case.inputs:
        shutil.copyfile(host, os.path.join(d, guest))
    env = base_env()
    if engine == "lunatic-plain":
        env["LUNATIC_NO_FUSION"] = "1"
        env["LUNATIC_NO_IMAGE"] = "1"
    for st in case.steps:
        cmd = engine_cmd(engine, [case.prog] + st.args, real, lunatic)
        fin = open(os.path.join(d, st.stdin), "rb") if st.stdin else subprocess.DEVNULL
        fout = open(os.path.join(d, st.stdout), "wb") if st.stdout else subprocess.PIPE
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, cwd=d, env=env, stdin=fin, stdout=fout,
                               stderr=subprocess.PIPE, timeout=STEP_TIMEOUT)
            status, out, err = p.returncode, p.stdout or b"", p.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = "timeout", e.stdout or b"", e.stderr or b""
            r.error = "timed out after %ds: %s" % (STEP_TIMEOUT, " ".join(cmd))
        except OSError as e:
            status, out, err = "cannot run", b"", str(e).encode()
            r.error = "cannot run %s: %s" % (cmd[0], e)
        finally:
            r.seconds += time.monotonic() - t0
            if st.stdin:
                fin.close()
            if st.stdout:
                fout.close()
        if case.mask:
            out = re.sub(case.mask[0], case.mask[1], out)
        r.steps.append((status, out, err))
        if r.error:
            break
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                r.files[os.path.relpath(p, d)] = fh.read()
    return r


def first_diff(a, b, label_a, label_b, limit=2):
    """The first differing lines of two byte strings, printable."""
    la = a.split(b"\n")
    lb = b.split(b"\n")
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else None
        y = lb[i] if i < len(lb) else None
        if x != y:
            rows = ["      first difference at line %d (byte %d):" % (
                i + 1, next(k for k in range(min(len(a), len(b)) + 1)
                            if k == min(len(a), len(b)) or a[k] != b[k]))]
            for j in range(i, min(i + limit, max(len(la), len(lb)))):
                xa = la[j] if j < len(la) else None
                xb = lb[j] if j < len(lb) else None
                rows.append("        %-16s %s" % (label_a + ":", "(end)" if xa is None else repr(xa)[2:-1][:150]))
                rows.append("        %-16s %s" % (label_b + ":", "(end)" if xb is None else repr(xb)[2:-1][:150]))
            return rows
    return ["      (equal)"]


def compare(case, results):
    """The differences between each engine and native, as report lines."""
    ref = results["native"]
    problems = []
    # round trips, on every engine (native included)
    for engine in ENGINES:
        r = results[engine]
        for a, b in case.same:
            if r.files.get(a) != r.files.get(b):
                problems.append("  %s: %s and %s differ (round trip)" % (engine, a, b))
    for engine in ENGINES[1:]:
        r = results[engine]
        lines = []
        if r.error:
            lines.append("    " + r.error)
        for i, st in enumerate(case.steps):
            if i >= len(r.steps) or i >= len(ref.steps):
                break
            (s0, o0, _), (s1, o1, e1) = ref.steps[i], r.steps[i]
            what = "step %d (%s)" % (i + 1, " ".join([case.prog] + st.args))
            if s0 != s1:
                lines.append("    %s: exit status %s, native %s" % (what, s1, s0))
            if o0 != o1:
                lines.append("    %s: stdout differs (%d bytes, native %d)" % (what, len(o1), len(o0)))
                lines += first_diff(o0, o1, "native", engine)
            if (s0 != s1 or o0 != o1) and e1:
                tail = e1.decode("utf-8", "replace").strip().splitlines()[-3:]
                lines += ["      stderr: " + t[:200] for t in tail]
        for f in sorted(set(ref.files) | set(r.files)):
            if f not in r.files:
                lines.append("    file %s: missing (native made it)" % f)
            elif f not in ref.files:
                lines.append("    file %s: made, native did not" % f)
            elif ref.files[f] != r.files[f]:
                lines.append("    file %s differs (%d bytes, native %d)" % (f, len(r.files[f]), len(ref.files[f])))
                lines += first_diff(ref.files[f], r.files[f], "native", engine)
        if len(lines) > 24:
            lines = lines[:24] + ["    ... %d more lines" % (len(lines) - 24)]
        if lines:
            problems.append("  %s differs from native:" % engine)
            problems += lines
    return problems


def main():
    global STEP_TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default="build/real", help="the corpus folder (build/real)")
    ap.add_argument("--lunatic", default="build/release/lunatic", help="the runtime under test")
    ap.add_argument("--timeout", type=int, default=STEP_TIMEOUT,
                    help="seconds a step may take before it fails (%d)" % STEP_TIMEOUT)
    ap.add_argument("--cases", default="", help="only the cases matching this pattern (fnmatch, comma-separated)")
    a = ap.parse_args()
    STEP_TIMEOUT = a.timeout
    real = os.path.abspath(a.real)
    lunatic = os.path.abspath(a.lunatic)
    for need, what in ((lunatic, "the runtime"),):
        if not os.access(need, os.X_OK):
            sys.exit("run.py: %s %s is not built" % (what, need))
    if shutil.which("node") is None:
        sys.exit("run.py: node not found (make deps)")
    workroot = os.path.join(real, "run")
    pats = [p for p in a.cases.split(",") if p]
    todo = [c for c in cases(real) if not pats or any(fnmatch.fnmatch(c.name, p) for p in pats)]
    if not todo:
        sys.exit("run.py: no case matches %r" % a.cases)
    passed = failed = 0
    per_prog = {}  # prog -> [cases, passed, {engine: seconds}]
    failures = []
    print("real: %d cases, runtime %s" % (len(todo), os.path.relpath(lunatic)))
    for case in todo:
        results = {e: run_case(case, e, real, lunatic, workroot) for e in ENGINES}
        problems = compare(case, results)
        secs = "  ".join("%s %.2fs" % (e, results[e].seconds) for e in ENGINES)
        pp = per_prog.setdefault(case.prog, [0, 0, dict.fromkeys(ENGINES, 0.0)])
        pp[0] += 1
        for e in ENGINES:
            pp[2][e] += results[e].seconds
        if problems:
            failed += 1
            failures.append(case.name)
            print("FAIL %-28s %s" % (case.name, secs))
            for line in problems:
                print(line)
        else:
            passed += 1
            pp[1] += 1
            print("ok   %-28s %s" % (case.name, secs))
        sys.stdout.flush()
    write_times(real, lunatic, per_prog)
    if failures:
        print("failed: " + " ".join(failures))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def write_times(real, lunatic, per_prog):
    rows = [("program", "version", "cases", "outputs equal", "native s", "lunatic s",
             "plain s", "node s")]
    for prog, (n, ok, secs) in per_prog.items():
        try:
            ver = open(os.path.join(real, "src", PKG[prog] + ".version")).read().strip()
        except OSError:
            ver = "?"
        rows.append((prog, ver, str(n), "yes" if ok == n else "no (%d/%d)" % (ok, n),
                     "%.2f" % secs["native"], "%.2f" % secs["lunatic"],
                     "%.2f" % secs["lunatic-plain"], "%.2f" % secs["node"]))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    with open(os.path.join(real, "times.txt"), "w") as f:
        f.write("# make test-real, runtime %s, %s\n" % (lunatic, time.strftime("%Y-%m-%d %H:%M:%S %Z")))
        for r in rows:
            f.write("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() + "\n")


if __name__ == "__main__":
    sys.exit(main())
