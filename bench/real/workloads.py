"""The workloads of make bench-real: one per program of the real-program
corpus (tests/real/), each a few steps run in a fresh working folder.

A workload is big enough to take ~0.5-1 s natively (quick mode: ~10x less).
Its inputs are generated deterministically (fixed seeds) or are the scripts
in bench/real/; what it prints and the files it leaves (named in `outputs`)
must be byte for byte the native run's, and each pair in `same` must be
equal (a compressor's round trip).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "real"))
import gen_inputs  # noqa: E402  (tests/real: the corpus' own input generator)
import bench_sql  # noqa: E402


class Step:
    def __init__(self, args, stdin=None, stdout=None):
        self.args = args      # argv after the program
        self.stdin = stdin    # a file in the working folder, or None (empty)
        self.stdout = stdout  # a file in the working folder, or None (captured, compared)


class Workload:
    def __init__(self, name, prog, work, steps, inputs, outputs=(), same=()):
        self.name = name          # the row of the table
        self.prog = prog          # a program of tests/real/build.sh
        self.work = work          # what it does, for the table
        self.steps = steps
        self.inputs = inputs      # [(name in the folder, host path)]
        self.outputs = outputs    # files of the folder compared with native's
        self.same = same          # (file, file) pairs that must be equal


def _write(path, make):
    """Writes make() to path unless it is there (inputs are reused between runs)."""
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(make())
        os.replace(path + ".tmp", path)
    return path


def _compress(name, prog, mb, level, inp, seed):
    """prog -LEVEL -c in > in.z, then prog -d -c in.z > out: in.z must be native's,
    out must be in."""
    size = int(mb * 1_000_000)
    data = _write(os.path.join(inp, "%s-%d.bin" % (name, size)),
                  lambda: gen_inputs.file_bytes(size, "mixed", seed))
    return Workload(name, prog, "%g MB -%d, then -d" % (mb, level), [
        Step(["-%d" % level, "-c", "in.bin"], stdout="in.z"),
        Step(["-d", "-c", "in.z"], stdout="out.bin"),
    ], [("in.bin", data)], outputs=["in.z"], same=[("in.bin", "out.bin")])


def all_workloads(inp, quick):
    """The workloads in row order; their inputs written under inp."""
    os.makedirs(inp, exist_ok=True)
    q = 10 if quick else 1
    rounds = 80 // q
    rows = 40_000 // q
    sql = _write(os.path.join(inp, "bench-%d.sql" % rows), lambda: bench_sql.sql_script(rows).encode())
    return [
        Workload("lua", "lua", "bench.lua %d" % rounds, [Step(["bench.lua", str(rounds)])],
                 [("bench.lua", os.path.join(HERE, "bench.lua"))]),
        Workload("sqlite3", "sqlite3", "%d-row SQL, :memory:" % rows,
                 [Step(["-bail", ":memory:"], stdin="bench.sql")], [("bench.sql", sql)]),
        Workload("mujs", "mujs", "bench.js %d" % rounds, [Step(["bench.js", str(rounds)])],
                 [("bench.js", os.path.join(HERE, "bench.js"))]),
        _compress("minigzip", "minigzip", 16 / q, 6, inp, 2001),
        _compress("bzip2", "bzip2", 8 / q, 9, inp, 2002),
    ]
