#!/usr/bin/env python3
"""Generate one ABI fuzz program (.wat) for a seed.

  gen.py --seed N [--root DIR] [--enable FLAG,...] [-o out.wat]

Every host function the runtime binds (parsed from DIR's sources, see
bindings.py) has an entry in specs.py; a binding without one stops the
generator. KNOWN_OPEN lists the patterns that hit runtime bugs known and
being fixed: they are generated only when enabled, so that `make
abi-fuzz` stays green meanwhile; enable them once the fixes are in.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bindings as B  # noqa: E402
import module  # noqa: E402
import specs as S  # noqa: E402
from program import Program  # noqa: E402

# Every pattern that can be switched off, each named after the runtime
# bug it once hit (issue 15; repros in repro/): sqlite's re-entrant
# lunatic_alloc, a start function using the registry inside get_or_spawn,
# SQL hogging a worker, config_preopen_dir granting any host path,
# unbounded mailboxes, guest-sized names copied under global locks, and
# SQL's ATTACH / VACUUM INTO escaping the preopens.
PATTERNS = {
    "alloc_reenter_sqlite", "start_registry_get_or_spawn", "sql_hog",
    "preopen_host_path", "mailbox_flood", "huge_guest_buffers",
    "sqlite_attach_escape",
}
# The patterns that hit a runtime bug known and still open: not
# generated unless enabled (--enable), so that `make abi-fuzz` stays green
# meanwhile. Empty since the fixes of issue 15; a flag put here must name
# its repro and the issue that will fix it.
KNOWN_OPEN = set()
# Off unless enabled for another reason: huge_guest_buffers grows guest
# memories to GiBs, which guests may do (max_memory defaults to 4 GiB),
# so the runtime's resident size then says nothing about leaks; run it
# alone with a larger --max-rss (tests/abifuzz/README.md).
EXPENSIVE = {"huge_guest_buffers"}


def generate(seed, root, enabled, **kw):
    bs = B.load(root)
    specs = S.check(bs)
    prog = Program(seed, bs, specs, enabled, **kw)
    nleaf = 3
    scripts = [prog.script(f"script{k}", prog.ncalls, False)
               for k in range(prog.nworkers)]
    leaves = [prog.script(f"leaf{k}", prog.ncalls // 4, True)
              for k in range(nleaf)]
    parts = (["(module", f";; abifuzz seed {seed} enabled "
              f"{','.join(sorted(enabled)) or '-'}"]
             + module.imports(bs)
             + [f'(memory (export "memory") {prog.pages})',
                module.helpers(prog), module.allocator(prog),
                module.catcher(prog, nleaf), module.root(prog),
                module.ping_pair(prog), module.entries(prog, len(scripts),
                                                        nleaf)]
             + scripts + leaves + prog.actions
             + module.data_segments(prog) + [")"])
    return "\n  ".join(parts) + "\n", prog.planned * prog.reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--root", default=os.path.join(HERE, "..", ".."))
    ap.add_argument("--enable", default="",
                    help="known-open patterns to generate anyway, or 'all'")
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--calls", type=int, default=150)
    ap.add_argument("--wait-ms", type=int, default=3000)
    ap.add_argument("-o", "--out", default="-")
    a = ap.parse_args()
    text, planned = generate(a.seed, a.root, parse_enable(a.enable),
                             workers=a.workers, calls=a.calls,
                             wait_ms=a.wait_ms)
    (sys.stdout if a.out == "-" else open(a.out, "w")).write(text)


def parse_enable(s):
    """The patterns to generate: all but the known-open ones, plus those
    of the known-open ones named in s ("all": every one)."""
    if s == "all":
        return set(PATTERNS)
    flags = {f for f in s.split(",") if f}
    unknown = flags - PATTERNS
    if unknown:
        raise SystemExit(f"abifuzz: unknown flags {sorted(unknown)}; "
                         f"known: {sorted(PATTERNS)}")
    return (PATTERNS - KNOWN_OPEN - EXPENSIVE) | flags


if __name__ == "__main__":
    main()
