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

KNOWN_OPEN = {
    # sqlite's lunatic_alloc re-entrancy: a lunatic_alloc that calls
    # lunatic::sqlite again recurses on the native stack (issue 15, item 1)
    "alloc_reenter_sqlite",
    # a spawned child's start function touching the registry during
    # get_or_spawn re-locks the registry lock (issue 15, item 2)
    "start_registry_get_or_spawn",
    # SQL running for seconds holds a worker (issue 15, item 3)
    "sql_hog",
    # config_preopen_dir accepts any host path (issue 15, item 4)
    "preopen_host_path",
    # mailboxes grow without bound (issue 15, "Exhaustion")
    "mailbox_flood",
    # Found by this fuzzer, open: with memory grown to GiBs, host calls
    # copy guest-sized names and buffers (metrics, registry, TLS certs)
    # into host memory, some under a global lock, for seconds
    # (repro/metrics_huge_name.wat, repro/registry_huge_name.wat)
    "huge_guest_buffers",
    # Found by this fuzzer, open: SQL's ATTACH DATABASE and VACUUM INTO
    # create files anywhere on the host (repro/sqlite_attach_escape.wat)
    "sqlite_attach_escape",
}


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
                    help="KNOWN_OPEN flags to generate anyway, or 'all'")
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
    if s == "all":
        return set(KNOWN_OPEN)
    flags = {f for f in s.split(",") if f}
    unknown = flags - KNOWN_OPEN
    if unknown:
        raise SystemExit(f"abifuzz: unknown flags {sorted(unknown)}; "
                         f"known: {sorted(KNOWN_OPEN)}")
    return flags


if __name__ == "__main__":
    main()
