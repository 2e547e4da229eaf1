#!/usr/bin/env python3
"""fuzzdiff.py: differential fuzzing of the interpreter against V8 (node).

Seed N -> random bytes -> `wasm-opt -ttf` -> a module; batches of modules
run once on node (tests/fuzzdiff/runner.js) and on the interpreter
(tests/fuzzdiff/run.c, with fusion on and off), and the transcripts are
compared line by line. A mismatch is saved under OUT/mismatch/seed-N/ with
both transcripts, reduced by wasm-reduce (this script's `check` command is
the interestingness test) and disassembled; the run then fails.

    fuzzdiff.py run --driver build/release/fuzzdiff_run --n 300 --seed 1
    fuzzdiff.py gen --seed N -o N.wasm          the module of one seed
    fuzzdiff.py check --driver D [--no-fusion] --kind K FILE.wasm
    fuzzdiff.py reduce --driver D OUT/mismatch/seed-N   reduce it again
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, 'runner.js')
NODE = ['node', '--experimental-wasm-type-reflection', '--stack-size=900']

# Every WebAssembly 2.0 feature the interpreter implements; wasm-opt's
# others (threads, exception handling, tail calls, GC, memory64, relaxed
# SIMD, extended-const, typed function references) stay off.
FEATURES = ['--mvp-features', '--enable-sign-ext', '--enable-mutable-globals',
            '--enable-nontrapping-float-to-int', '--enable-simd',
            '--enable-bulk-memory', '--enable-multivalue']
REF_TYPES = ['--enable-reference-types']

TOOLS = ['node', 'wasm-opt', 'wasm-reduce', 'wasm-dis', 'wasm-validate',
         'wat2wasm']
BATCH_TIMEOUT = 60  # seconds for one engine on one batch; then the
                    # module it is stuck in counts as hung


# {===== generating

SEEDS_DIR = os.path.join(HERE, 'seeds')
BUILT_SEEDS = set()


def input_bytes(rng):
    """The -ttf input of a seed: 1 to 24 KiB of seeded random bytes."""
    return rng.randbytes(rng.randint(1024, 24 * 1024))


def seed_wasm(wat, work):
    """seeds/WAT assembled into work/ (once per run: it may have changed)."""
    wasm = os.path.join(work, wat[:-4] + '.seed.wasm')
    if wasm not in BUILT_SEEDS:
        subprocess.run(['wat2wasm', os.path.join(SEEDS_DIR, wat), '-o',
                        wasm], check=True)
        BUILT_SEEDS.add(wasm)
    return wasm


def kernel_module(rng, wat, path):
    """seeds/WAT as written, its first data segment at 0 replaced by 64
    seeded random bytes: -ttf's mutations of initial content often undo
    the shapes the seeds are written for, so some seeds run them intact."""
    with open(os.path.join(SEEDS_DIR, wat)) as f:
        text = f.read()
    data = ''.join('\\%02x' % b for b in rng.randbytes(64))
    text = re.sub(r'\(data \(i32\.const 0\) "[^"]*"\)',
                  lambda m: '(data (i32.const 0) "%s")' % data, text, count=1)
    with open(path + '.wat', 'w') as f:
        f.write(text)
    subprocess.run(['wat2wasm', path + '.wat', '-o', path], check=True)
    os.unlink(path + '.wat')


def valid(path):
    return subprocess.run(['wasm-validate', path], capture_output=True
                          ).returncode == 0


def generate(seed, path):
    """Writes seed's module to path; returns the wasm-opt flags used.
    wasm-opt 108 with reference types mostly makes invalid modules (a
    funcref where its anyref is externref, typed function references), so
    when wabt rejects one, the seed's module is made without them."""
    rng = random.Random(seed)
    raw = path + '.in'
    with open(raw, 'wb') as f:
        f.write(input_bytes(rng))
    # 40% plain -ttf, 40% -ttf on top of a seeds/ module, 20% the seeds/
    # module intact on random data
    mode = rng.random()
    wats = sorted(f for f in os.listdir(SEEDS_DIR) if f.endswith('.wat'))
    wat = rng.choice(wats) if wats and mode >= 0.4 else None
    work = os.path.dirname(os.path.abspath(path))
    if wat and mode >= 0.8:
        os.unlink(raw)
        kernel_module(rng, wat, path)
        return FEATURES + ['-kernel', wat]
    extra = ['-if', seed_wasm(wat, work)] if wat else []
    for flags in (FEATURES + REF_TYPES, FEATURES):
        subprocess.run(['wasm-opt', '-ttf', raw, *extra, *flags, '-o', path],
                       check=True, capture_output=True)
        if valid(path):
            break
    os.unlink(raw)
    return flags + extra

# }=====
# {===== running the engines


def parse_transcript(text):
    """{module name: [lines]}; a module cut short has no 'end' line."""
    mods, cur = {}, None
    for line in text.splitlines():
        if line.startswith('module '):
            cur = mods.setdefault(line[7:], [])
        elif cur is not None:
            cur.append(line)
    return mods


def run_engine(cmd, files, timeout=BATCH_TIMEOUT):
    """Runs cmd over files; a module that hangs or crashes the engine gets
    'timeout' or 'crash RC' as its last line and the rest go on."""
    result, todo = {}, list(files)
    while todo:
        out_path = todo[0] + '.out'
        with open(out_path, 'wb') as out:
            proc = subprocess.Popen(cmd + todo, stdout=out,
                                    stderr=subprocess.DEVNULL)
            try:
                rc = proc.wait(timeout)
                why = None if rc == 0 else 'crash %d' % rc
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                why = 'timeout'
        with open(out_path, encoding='utf-8', errors='replace') as f:
            mods = parse_transcript(f.read())
        os.unlink(out_path)
        done = 0
        for path in todo:
            name = os.path.basename(path)
            if name not in mods:
                break
            lines = mods[name]
            done += 1
            if not lines or lines[-1] != 'end':
                lines.append(why or 'cut')
                result[name] = lines
                break
            result[name] = lines
        if why is None and done == len(todo):
            break
        if done == 0:  # died before its first module: give up on them
            for path in todo:
                result[os.path.basename(path)] = [why or 'cut']
            break
        todo = todo[done:]
    return result


def node_cmd():
    return NODE + [RUNNER]


def interp_cmd(driver, fusion):
    return [driver] + ([] if fusion else ['--no-fusion'])

# }=====
# {===== comparing


def first_difference(a, b):
    """Index of the first differing line, or None if equal."""
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else '<missing>'
        y = b[i] if i < len(b) else '<missing>'
        if x != y:
            return i
    return None


def kind_of(js, vm, i):
    """What a mismatch is, e.g. 'ret/trap': the first words of the two
    lines. The reducer keeps reductions that keep it."""
    word = lambda lines: (lines[i] if i < len(lines) else '<missing>'
                          ).split(' ')[0]
    return word(js) + '/' + word(vm)


def segments(lines):
    """{export called: its lines}, and 'state' for what follows the
    calls (memories, globals)."""
    segs, cur = {}, 'setup'
    for line in lines:
        if line.startswith('call '):
            cur = line[5:]
        elif line.startswith(('memory ', 'global ')):
            cur = 'state'
        segs.setdefault(cur, []).append(line)
    return segs


def differing_calls(js, vm):
    """The exports whose calls printed different lines, in order."""
    a, b = segments(js), segments(vm)
    return [k for k in list(a) + [k for k in b if k not in a]
            if a.get(k) != b.get(k)]


def group_of(js, vm, kind):
    """Mismatches likely of one cause: the seeds/ function (k_*) that
    first differs, else the kind. Only the first of a group is reduced."""
    calls = differing_calls(js, vm)
    if calls and calls[0].startswith('k_'):
        return calls[0]
    return 'ttf ' + kind


def hung(lines):
    return any(l in ('hang', 'timeout') for l in lines)


def classify(js, vm):
    """'skip-invalid', 'skip-import', 'skip-hang', 'ok' or a mismatch kind
    ('mismatch:ret/trap'...)."""
    if js == ['load error', 'end'] and vm == js:
        return 'skip-invalid'
    if any(l.startswith('import-skip') for l in js) and js == vm:
        return 'skip-import'
    if 'timeout' in js:  # V8 did not finish: nothing to compare with
        return 'skip-hang'
    i = first_difference(js, vm)
    if i is None:
        return 'ok'
    if hung(vm) and hung(js):
        return 'skip-hang'
    return 'mismatch:' + kind_of(js, vm, i)

# }=====
# {===== mismatches


def save_mismatch(args, seed, wasm, flags, js, vm, fusion, kind):
    d = os.path.join(args.out, 'mismatch', 'seed-%s' % seed)
    os.makedirs(d, exist_ok=True)
    shutil.copy(wasm, os.path.join(d, 'module.wasm'))
    group = group_of(js, vm, kind)
    with open(os.path.join(d, 'seed.txt'), 'w') as f:
        f.write('seed %s\nflags %s\nfusion %s\nkind %s\ngroup %s\n'
                'calls %s\n'
                'regenerate (a number): python3 tests/fuzzdiff/fuzzdiff.py '
                'gen --seed %s -o module.wasm\n'
                % (seed, ' '.join(flags), 'on' if fusion else 'off', kind,
                   group, ' '.join(differing_calls(js, vm)), seed))
    for name, lines in (('node.txt', js), ('interp.txt', vm)):
        with open(os.path.join(d, name), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    if isinstance(seed, str):  # a repro/ module: reduced already
        group = 'repro ' + seed
    elif not args.no_reduce and args.max_reduce > 0 and \
            group not in args.reduced_groups:
        args.max_reduce -= 1
        args.reduced_groups.add(group)
        reduce(args, d, flags, fusion, kind.split(':', 1)[1], group)
    return d, group


def reduce(args, d, flags, fusion, kind, group):
    """wasm-reduce with `check` as the test, then wasm-dis."""
    features = [f for f in flags if f.startswith('--')]
    test, work = os.path.join(d, 't.wasm'), os.path.join(d, 'reduced.wasm')
    check = [sys.executable, os.path.abspath(__file__), 'check', '--driver',
             os.path.abspath(args.driver), '--kind', kind, test]
    if group.startswith('k_'):  # keep the bug in the same seeds/ function
        check[-1:-1] = ['--group', group]
    if not fusion:
        check.insert(-1, '--no-fusion')
    bindir = os.path.dirname(shutil.which('wasm-opt') or '/usr/bin/wasm-opt')
    cmd = ['wasm-reduce', os.path.join(d, 'module.wasm'), '-b', bindir, '-cmd',
           ' '.join(check), '-t', test, '-w', work, '-ef', ' '.join(features),
           *features]
    # its own session, so that a timeout also ends the checks it started
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(args.reduce_timeout)
    except subprocess.TimeoutExpired:  # keep the best reduction so far
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if os.path.exists(work):
        subprocess.run(['wasm-dis', work, '-o',
                        os.path.join(d, 'reduced.wat')],
                       capture_output=True)
        for name, cmd in (('reduced.node.txt', node_cmd()),
                          ('reduced.interp.txt', interp_cmd(args.driver,
                                                            fusion))):
            lines = run_engine(cmd, [work]).get('reduced.wasm', [])
            with open(os.path.join(d, name), 'w') as f:
                f.write('\n'.join(lines) + '\n')
    for p in (test, test + '.out'):
        if os.path.exists(p):
            os.unlink(p)


def cmd_check(args):
    """wasm-reduce's test: prints 'interesting' and exits 1 when FILE
    still shows a mismatch of kind K."""
    path = os.path.abspath(args.file)
    js = run_engine(node_cmd(), [path], 10).get(os.path.basename(path), [])
    vm = run_engine(interp_cmd(args.driver, not args.no_fusion), [path],
                    10).get(os.path.basename(path), [])
    c = classify(js, vm)
    if c == 'mismatch:' + args.kind and (
            args.group is None or group_of(js, vm, args.kind) == args.group):
        print('interesting')
        return 1
    return 0

# }=====
# {===== the run


class Totals:
    def __init__(self):
        self.compared = self.exports = self.failed = 0
        self.skipped = {}
        self.mismatches = []  # (seed, kind, dir)
        self.start = time.time()

    def line(self):
        secs = max(time.time() - self.start, 1e-9)
        skipped = sum(self.skipped.values())
        detail = ', '.join('%s %d' % kv for kv in sorted(self.skipped.items()))
        return ('%d modules compared, %d skipped (%s), %d exports called, '
                '%d mismatches, %.1f modules/s'
                % (self.compared, skipped, detail or 'none', self.exports,
                   len(self.mismatches), (self.compared + skipped) / secs))


def run_repros(args, work, totals):
    """tests/fuzzdiff/repro/*.wat: mismatches found before, cut down by
    hand; compared like the seeds on every run, so that a fix stays."""
    repro = os.path.join(HERE, 'repro')
    names = sorted(f[:-4] for f in os.listdir(repro) if f.endswith('.wat'))
    files, flags = [], {}
    for name in names:
        path = os.path.join(work, 'repro-%s.wasm' % name)
        subprocess.run(['wat2wasm', os.path.join(repro, name + '.wat'),
                        '-o', path], check=True)
        files.append(path)
        flags['repro-' + name] = FEATURES
    compare_files(args, ['repro-' + n for n in names], files, flags, totals)


def run_batch(args, seeds, work, totals):
    files, flags = [], {}
    for s in seeds:
        path = os.path.join(work, '%d.wasm' % s)
        flags[s] = generate(s, path)
        files.append(path)
    compare_files(args, seeds, files, flags, totals)


def compare_files(args, seeds, files, flags, totals):
    js = run_engine(node_cmd(), files)
    vms = {fusion: run_engine(interp_cmd(args.driver, fusion), files)
           for fusion in (True, False)}
    for s, path in zip(seeds, files):
        name = os.path.basename(path)
        compare_one(args, s, path, flags[s], js.get(name, []), vms, totals)
        os.unlink(path)


def nan_only(args, path, flags, fusion):
    """Does the mismatch go away once NaNs are made 0 (wasm-opt --denan)?
    Then it is NaN bits: the spec lets an operation on NaNs return any
    NaN (V8's f32.min canonicalises, the interpreter keeps the payload),
    which shows once the bits are stored and read back as integers."""
    denan = path + '.denan.wasm'
    features = [f for f in flags if f.startswith('--')]
    r = subprocess.run(['wasm-opt', path, '--denan', *features, '-o', denan],
                       capture_output=True)
    if r.returncode != 0:
        return False
    name = os.path.basename(denan)
    js = run_engine(node_cmd(), [denan]).get(name, [])
    vm = run_engine(interp_cmd(args.driver, fusion), [denan]).get(name, [])
    os.unlink(denan)
    return classify(js, vm) == 'ok'


SIMD_NAN_OPS = re.compile(r'\b(f32x4|f64x2)\.(min|max|add|sub|mul|div|sqrt|'
                          r'ceil|floor|trunc|nearest|demote|promote)')


def simd_nan_possible(path):
    """Does the module have SIMD float arithmetic? --denan (binaryen 108)
    only rewrites scalar floats, so NaN bits of f32x4.min and the like (V8
    canonicalises, the interpreter keeps the payload) still differ."""
    text = subprocess.run(['wasm-dis', path], capture_output=True,
                          text=True).stdout
    return SIMD_NAN_OPS.search(text) is not None


def set_aside(args, seed, path, js, vm):
    """Keeps a mismatch that is likely NaN bits in SIMD lanes, for a look,
    without failing the run."""
    d = os.path.join(args.out, 'mismatch', 'simd-nan-seed-%s' % seed)
    os.makedirs(d, exist_ok=True)
    shutil.copy(path, os.path.join(d, 'module.wasm'))
    for name, lines in (('node.txt', js), ('interp.txt', vm)):
        with open(os.path.join(d, name), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def compare_one(args, seed, path, flags, js, vms, totals):
    name = os.path.basename(path)
    results = {f: classify(js, vms[f].get(name, [])) for f in (True, False)}
    if results[True].startswith('mismatch') and nan_only(args, path, flags,
                                                         True):
        results[True] = 'skip-nan'
    same = vms[True].get(name) == vms[False].get(name)
    if results[False].startswith('mismatch') and (
            results[True] == 'skip-nan' if same
            else nan_only(args, path, flags, False)):
        results[False] = 'skip-nan'
    # Also when the first call to differ is a seeds/ function's (they have
    # no SIMD): it shares memory with the -ttf functions, and a NaN's bits
    # can reach it through an address or a stored value (seed 1005908:
    # f32x4.min's NaN, masked into a store address, moved what a later
    # k_imm loop loaded).
    for f in (True, False):
        vm = vms[f].get(name, [])
        if results[f].startswith('mismatch') and not isinstance(seed, str) \
                and simd_nan_possible(path):
            set_aside(args, seed, path, js, vm)
            results[f] = 'skip-simd-nan'
    c = results[True]
    if c.startswith('skip') or results[False].startswith('skip'):
        k = c if c.startswith('skip') else results[False]
        totals.skipped[k[5:]] = totals.skipped.get(k[5:], 0) + 1
        return
    totals.compared += 1
    totals.exports += sum(1 for l in js if l.startswith('call '))
    for fusion in (True, False):
        if results[fusion] == 'ok':
            continue
        other = results[not fusion]
        d, group = save_mismatch(args, seed, path, flags, js,
                                 vms[fusion].get(name, []), fusion,
                                 results[fusion])
        totals.mismatches.append((seed, results[fusion], fusion, other, d,
                                  group))
        break  # fusion off too (if it fails) is in `other`


def report(totals):
    groups = {}
    for seed, kind, fusion, other, d, group in totals.mismatches:
        off = ('also with fusion off' if other != 'ok'
               else 'fusion off: ok (a peephole bug)')
        if not fusion:
            off = 'only with fusion off'
        if len(totals.mismatches) <= 20 or group not in groups:
            print('MISMATCH seed %s: %s (%s), group %s: %s/{seed.txt,'
                  'node.txt,interp.txt,reduced.wat}'
                  % (seed, kind, off, group, d))
        groups[group] = groups.get(group, 0) + 1
    for group, n in sorted(groups.items()):
        print('mismatch group %s: %d modules' % (group, n))
    print(totals.line())
    failed = len(totals.mismatches)
    print('%d passed, %d failed' % (totals.compared - failed, failed))


def cmd_run(args):
    work = os.path.join(args.out, 'work')
    os.makedirs(work, exist_ok=True)
    shutil.rmtree(os.path.join(args.out, 'mismatch'), ignore_errors=True)
    totals = Totals()
    args.reduced_groups = set()
    run_repros(args, work, totals)
    last = time.time()
    for start in range(args.seed, args.seed + args.n, args.batch):
        seeds = range(start, min(start + args.batch, args.seed + args.n))
        run_batch(args, list(seeds), work, totals)
        if args.time_limit and time.time() - totals.start > args.time_limit:
            print('time limit reached after seed %d' % seeds[-1])
            break
        if args.progress and time.time() - last >= 10:
            print('[seeds %d..%d] %s' % (args.seed, seeds[-1], totals.line()),
                  flush=True)
            last = time.time()
    report(totals)
    return 1 if totals.mismatches else 0


def cmd_reduce(args):
    """Reduces a saved mismatch again (OUT/mismatch/seed-N/), e.g. with
    more time."""
    meta = {}
    with open(os.path.join(args.dir, 'seed.txt')) as f:
        for line in f:
            k, _, v = line.rstrip('\n').partition(' ')
            meta[k] = v
    reduce(args, args.dir, meta['flags'].split(), meta['fusion'] == 'on',
           meta['kind'].split(':', 1)[1], meta.get('group', ''))
    print(os.path.join(args.dir, 'reduced.wat'))
    return 0


def cmd_selftest(args):
    """Both runners print selftest.expected for selftest.wasm (one of
    every value, trap kind, log and export kind), and classify() tells
    equal transcripts, mismatches and skips apart."""
    with open(os.path.join(HERE, 'selftest.expected')) as f:
        want = parse_transcript(f.read())['selftest.wasm']
    bad = 0
    for who, cmd in (('node', node_cmd()), ('interp', interp_cmd(args.driver,
                                                                  True)),
                     ('interp --no-fusion', interp_cmd(args.driver, False))):
        got = run_engine(cmd, [args.wasm]).get('selftest.wasm', [])
        i = first_difference(want, got)
        if i is not None:
            bad += 1
            print('selftest: %s line %d: want %r, got %r' % (
                who, i + 2, want[i] if i < len(want) else None,
                got[i] if i < len(got) else None))
    changed = [l.replace('ret 7', 'ret 8') for l in want]
    cases = [(want, want, 'ok'), (want, changed, 'mismatch:ret/ret'),
             (want, want[:5] + ['timeout'], 'mismatch:log/timeout'),
             (want[:5] + ['timeout'], want[:5] + ['timeout'], 'skip-hang'),
             (['load error', 'end'], ['load error', 'end'], 'skip-invalid'),
             (['load error', 'end'], ['end'], 'mismatch:load/end')]
    for js, vm, expect in cases:
        if classify(js, vm) != expect:
            bad += 1
            print('selftest: classify gave %s, want %s' % (classify(js, vm),
                                                          expect))
    print('fuzz-diff selftest: %s' % ('FAILED' if bad else 'ok'))
    return 1 if bad else 0


def cmd_gen(args):
    print(' '.join(generate(args.seed, args.o)))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--driver', required=True)
    r.add_argument('--out', default='build/fuzz-diff')
    r.add_argument('--n', type=int, default=300)
    r.add_argument('--seed', type=int, default=1)
    r.add_argument('--batch', type=int, default=50)
    r.add_argument('--progress', action='store_true')
    r.add_argument('--no-reduce', action='store_true')
    r.add_argument('--reduce-timeout', type=int, default=150,
                   help='seconds of wasm-reduce per mismatch')
    r.add_argument('--max-reduce', type=int, default=3,
                   help='mismatches reduced per run (the rest are saved)')
    r.add_argument('--time-limit', type=float, default=0,
                   help='stop after this many seconds (0: no limit)')
    g = sub.add_parser('gen')
    g.add_argument('--seed', type=int, required=True)
    g.add_argument('-o', required=True)
    t = sub.add_parser('selftest')
    t.add_argument('--driver', required=True)
    t.add_argument('--wasm', required=True, help='selftest.wat, assembled')
    d = sub.add_parser('reduce')
    d.add_argument('--driver', required=True)
    d.add_argument('--reduce-timeout', type=int, default=300)
    d.add_argument('dir')
    c = sub.add_parser('check')
    c.add_argument('--driver', required=True)
    c.add_argument('--no-fusion', action='store_true')
    c.add_argument('--kind', required=True)
    c.add_argument('--group', help='and the same seeds/ function differs first')
    c.add_argument('file')
    args = p.parse_args()
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing and args.cmd in ('run', 'selftest'):
        # like `make spec` without the suite: say so, let the rest run
        print('fuzz-diff: skipped: %s not found (make deps installs them)'
              % ', '.join(missing))
        return 0
    return {'run': cmd_run, 'gen': cmd_gen, 'check': cmd_check,
            'reduce': cmd_reduce, 'selftest': cmd_selftest}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
