#!/usr/bin/env python3
"""gen_super.py: writes the wasm module that test_super.c checks every
superinstruction of vm/super_list.h with.

usage: gen_super.py vm/super_list.h OUT.wat

For each row of the table (read from the file, so that a new row is picked
up without touching this script) it writes exported functions whose body is
the wasm sequence that vm/fuse.c turns into that row's superinstruction,
for each family of rows a template below. Operands come from a local (a
param), a constant, a load (plain, at an address taken from a param, and at
a constant address) and a just-computed temporary, where the pattern allows
each; constants, offsets and the order of commuting operands vary too.
Beside each pattern are its near misses, which must compile to correct
code whether fused or not: a param or a load where a fusion needs a
constant, a constant where it needs a slot, a local overwritten between
two reads of it (clobber), a loop head between the instructions, and a
v128 pushed first (the compiler's typed slot layout). Variants are chosen
one factor at a time: the defaults first, then each factor alone changed,
so their number stays linear in the choices.

Inputs are params, so that the test can feed edge values; every function
returns a value (for branches: which way it went) or writes memory, which
the test compares. An export name is `ROW:variant`; `!n` in it tells the
test that a NaN result may differ in payload (arithmetic, where the spec
lets an engine choose the NaN), so only "is NaN" is compared then.

A row of a family with no template gets no function, and a row that no
function written for it selects is untested: test_super.c fails naming it.
"""
import copy
import re
import sys

# {===== the table


class Row:
    def __init__(self, name, family, base, wasm):
        self.name, self.family, self.wasm = name, family, wasm
        self.op = wasm_op(base)
        self.t = self.op.split('.')[0]


def wasm_op(base):
    """OP_I64_LOAD8_S's wasm text: i64.load8_s; MEMORY_COPY: memory.copy."""
    head, _, tail = base.lower().partition('_')
    return head + '.' + tail


def read_rows(path):
    """The SI(...) rows, in table order (the order of their iops)."""
    rows = []
    pat = re.compile(r'^SI(?:_EXTRA)?\((\w+),\s*(\w+),\s*(\w+),\s*\d+,\s*"([^"]*)"')
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            if m:
                rows.append(Row(*m.groups()))
    return rows

# }=====
# {===== values and operands


# Constants per type. The first is the default; the others are tried one
# at a time. i64 and f64 include constants that do not fit the 32-bit
# immediate fields (a fusion must then not happen, or be exact).
KS = {
    'i32': ['5', '0', '1', '-1', '0x7fffffff', '-0x80000000', '31', '32', '-16', '65536'],
    'i64': ['5', '0', '-1', '0x7fffffffffffffff', '-0x8000000000000000', '63', '64',
            '0x100000001', '-0x80000000', '0x7fffffff'],
    'f32': ['1.5', '0', '-0', 'nan', 'nan:0x200001', '-nan', 'inf', '-inf', '0x1p-149',
            '0x1.fffffep+127'],
    'f64': ['1.5', '0', '-0', 'nan', 'nan:0x4000000000001', '-nan:0xfffffffffffff', 'inf',
            '-inf', '0x1p-1074', '0x1.fffffffffffffp+1023'],
}
SHIFTS = ['3', '0', '1', '31', '32', '33', '63', '64', '65', '-1']
# Address immediates: wrap-around (-16 with a base near 2^32), the page end.
ADDR_KS = ['32', '0', '-4', '-16', '65532', '65536', '0x7fffffff', 'local', 'load']
OFFSETS = ['0', '16', '65532', '4294967295']
# Constant addresses: the last in-bounds bytes of the page, one past, wrap.
ABS_ADDRS = ['8', '0', '65528', '65532', '65534', '65535', '65536', '-16', '-1']

FLOAT = ('f32', 'f64')


def is_cmp(op):
    return re.search(r'\.(eq|ne|[lg][te](_[su])?)$', op) is not None


def commutes(op):
    return op.split('.')[1] in ('add', 'mul', 'and', 'or', 'xor', 'eq', 'ne')


def result_type(op):
    return 'i32' if is_cmp(op) else op.split('.')[0]


def access_width(op):
    """Bytes a load or store of wasm op touches."""
    m = re.search(r'(load|store)(8|16|32)?', op)
    if m.group(2):
        return int(m.group(2)) // 8
    return 8 if op[1:3] == '64' else 4


LOADS = ['i32.load', 'i64.load', 'f32.load', 'f64.load', 'i32.load8_s', 'i32.load8_u',
         'i32.load16_s', 'i32.load16_u', 'i64.load8_s', 'i64.load8_u', 'i64.load16_s',
         'i64.load16_u', 'i64.load32_s', 'i64.load32_u']


class Fn:
    """One exported test function under construction."""

    def __init__(self, row, variant, result=None, nan=False):
        desc = ','.join('%s=%s' % kv for kv in variant.items() if kv[1] is not None)
        self.name = '%s:%s%s' % (row.name, desc, ' !n' if nan else '')
        self.params, self.locals, self.body = [], [], []
        self.result = result

    def param(self, t):
        self.params.append(t)
        return '$p%d' % (len(self.params) - 1)

    def local(self, t):
        self.locals.append(t)
        return '$l%d' % (len(self.locals) - 1)

    def wat(self):
        head = '(func (export "%s")' % self.name
        head += ''.join(' (param $p%d %s)' % (i, t) for i, t in enumerate(self.params))
        if self.result:
            head += ' (result %s)' % self.result
        head += ''.join(' (local $l%d %s)' % (i, t) for i, t in enumerate(self.locals))
        return head + '\n    ' + '\n    '.join(self.body) + ')\n'


def src(fn, kind, t, k=None):
    """Instructions that push one operand of type t from `kind`: a local,
    a constant k, a plain load at a param-chosen address of the edge table
    (bytes 0..255, written by the test), a load at a constant address, or
    a temporary just computed by an op that no fusion takes up and that
    keeps the value (rotl by 0, copysign with itself), or a local computed
    after overwriting param 0 (clobber)."""
    if kind == 'local':
        return ['local.get ' + fn.param(t)]
    if kind == 'const':
        return ['%s.const %s' % (t, k if k is not None else KS[t][0])]
    if kind == 'load':
        return ['local.get ' + fn.param('i32'), 'i32.const 0xf8', 'i32.and', t + '.load']
    if kind == 'abs':
        return ['i32.const %d' % (8 * (len(fn.body) % 31)), t + '.load']
    if kind == 'clobber':  # a local, read after local 0 was overwritten
        out = []
        if fn.params and fn.params[0] == 'i32':
            out = ['local.get ' + fn.param('i32'), 'local.set $p0']
        return out + ['local.get ' + fn.param(t)]
    if kind == 'temp':
        p = fn.param(t)
        if t in FLOAT:
            return ['local.get ' + p, 'local.get ' + p, t + '.copysign']
        return ['local.get ' + p, t + '.const 0', t + '.rotl']
    raise ValueError(kind)


def k32(fn, k):
    """An i32 constant, or for k == 'local' or 'load' a param or a load in
    its place: the near misses that a fusion needing a constant must leave
    alone (x + i32.load(p) once became an address with a stale operand)."""
    if k in ('local', 'load'):
        return '\n    '.join(src(fn, k, 'i32'))
    return 'i32.const ' + k


def ofat(axes, extra=()):
    """Variants one factor at a time: the defaults (each axis' first
    choice), then each other choice of each axis alone; then the partial
    overrides in extra."""
    base = {name: choices[0] for name, choices in axes}
    out = [dict(base)]
    for name, choices in axes:
        for c in choices[1:]:
            out.append(dict(base, **{name: c}))
    for e in extra:
        out.append(dict(base, **e))
    return out


# clobber: the operand is a local, but computing it sets local 0 (param 0),
# which an operand pushed before may still name (it must keep the old value)
OPERANDS = ['local', 'load', 'abs', 'temp', 'clobber']


def across_loop(fn, rt, after):
    """A loop head between an i32 just computed and the instructions
    `after` that use it, then a back edge that enters the loop once more
    with another value (a param): what came before the label must not be
    fused with what comes after it. The loop's result is of type rt."""
    n, c = fn.local('i32'), fn.param('i32')
    return (['loop $l (param i32) (result %s)' % rt] + after +
            ['local.get ' + n, 'i32.eqz', 'if (param %s) (result %s)' % (rt, rt), 'drop',
             'i32.const 1', 'local.set ' + n, 'local.get ' + c, 'br $l', 'end', 'end'])

# }=====
# {===== branches


def wrap_branch(fn, cond, how):
    """Ends fn with a branch on the i32 condition `cond` pushes: br_if to a
    block (a jump when true), if/else (a jump when false), br_if to the
    function with a value (a jump when false over the return), or the
    condition negated by i32.eqz. Returns 9 when the branch is taken (or
    the then-arm runs), 7 otherwise."""
    fn.result = 'i32'
    if how == 'brif':
        fn.body += ['block $b'] + cond + ['br_if $b', 'i32.const 7', 'return', 'end',
                                          'i32.const 9']
    elif how == 'if':
        fn.body += cond + ['if (result i32)', 'i32.const 9', 'else', 'i32.const 7', 'end']
    elif how == 'brret':
        fn.body += ['i32.const 9'] + cond + ['br_if 0', 'drop', 'i32.const 7']
    elif how == 'eqz':
        fn.body += ['block $b'] + cond + ['i32.eqz', 'br_if $b', 'i32.const 7', 'return',
                                          'end', 'i32.const 9']


WRAPS = ['brif', 'if', 'brret', 'eqz']


def gen_br_cmp(row):
    """a OP b; br_if (BR_CMP, and BR_F64/BR_NOT_F64: `if` jumps when false)."""
    t = row.t
    first = 'if' if row.family.startswith('BR_NOT') else 'brif'
    wraps = [first] + [w for w in WRAPS if w != first]
    fns = []
    for v in ofat([('a', OPERANDS + ['const']), ('b', OPERANDS), ('br', wraps)],
                  [{'a': 'temp', 'b': 'temp'}, {'a': 'load', 'b': 'load'}]):
        fn = Fn(row, v)
        cond = src(fn, v['a'], t) + src(fn, v['b'], t) + [row.op]
        wrap_branch(fn, cond, v['br'])
        fns.append(fn)
    return fns


def gen_br_cmp_k(row):
    """a OP k; br_if, k a constant on either side (BR_CMP_I, BR_F64_K)."""
    t = row.t
    first = 'if' if row.family.startswith('BR_NOT') else 'brif'
    wraps = [first] + [w for w in WRAPS if w != first]
    fns = []
    for v in ofat([('a', OPERANDS), ('k', KS[t]), ('ord', ['ak', 'ka']), ('br', wraps)]):
        fn = Fn(row, v)
        a, k = src(fn, v['a'], t), src(fn, 'const', t, v['k'])
        cond = (a + k if v['ord'] == 'ak' else k + a) + [row.op]
        wrap_branch(fn, cond, v['br'])
        fns.append(fn)
    return fns


def gen_br_addi(row):
    """x + k, then compared with b (a slot, or a constant for BR_ADDI_I):
    a loop counter's step and test; the sum a temporary, or kept in a
    local by local.tee, whose value is then part of the result."""
    fns = []
    axes = [('x', ['local', 'load', 'temp']),
            ('k', ['1', '-1', '0x7fffffff', '-16', 'local', 'load']),
            ('tee', ['no', 'yes']), ('br', ['brif', 'if', 'loop'])]
    if row.family == 'BR_ADDI':
        axes.append(('b', ['local', 'temp']))
    else:
        axes.append(('k2', KS['i32'][:6]))
    for v in ofat(axes):
        fn = Fn(row, v, 'i32')
        t = fn.local('i32')
        cond = src(fn, v['x'], 'i32') + [k32(fn, v['k']), 'i32.add']
        if v['tee'] == 'yes':
            cond.append('local.tee ' + t)
        test = src(fn, v.get('b', 'const'), 'i32', v.get('k2')) + [row.op]
        if v['br'] == 'loop':  # the add before a loop head, the compare after
            fn.body += cond + across_loop(fn, 'i32', test + ['if (result i32)', 'i32.const 9',
                                                             'else', 'i32.const 7', 'end'])
        else:
            wrap_branch(fn, cond + test, v['br'])
        fn.body += ['local.get ' + t, 'i32.const 16', 'i32.shl', 'i32.xor']
        fns.append(fn)
    return fns


def gen_br_bits(row):
    """(x & m); br_if (BR_BITS) or when false (BR_NO_BITS)."""
    first = 'if' if row.family == 'BR_NO_BITS' else 'brif'
    wraps = [first] + [w for w in WRAPS if w != first]
    fns = []
    for v in ofat([('x', OPERANDS),
                   ('m', ['1', '0x80000000', '0xff', '-1', '0', 'local', 'load']),
                   ('ord', ['xm', 'mx']), ('br', wraps)]):
        fn = Fn(row, v)
        x, m = src(fn, v['x'], 'i32'), [k32(fn, v['m'])]
        wrap_branch(fn, (x + m if v['ord'] == 'xm' else m + x) + ['i32.and'], v['br'])
        fns.append(fn)
    return fns



def gen_br_global(row):
    """A branch on an i32 global, read right before (BR_GLOBAL,
    BR_NOT_GLOBAL), or compared with a constant on either side first
    (BR_GLOBAL_I); the global is set from an operand first. Near misses: the
    value kept by local.tee too (then part of the result), a global.set
    between the read and the branch, a loop head between them."""
    cmp = row.family == 'BR_GLOBAL_I'
    first = 'if' if row.family == 'BR_NOT_GLOBAL' else 'brif'
    wraps = [first] + [w for w in WRAPS if w != first]
    axes = [('v', ['local', 'load', 'temp', 'clobber']), ('br', wraps),
            ('miss', ['none', 'tee', 'set', 'loop'])]
    if cmp:
        axes[1:1] = [('k', KS['i32'][:6]), ('ord', ['gk', 'kg'])]
    fns = []
    for v in ofat(axes):
        fn = Fn(row, v, 'i32')
        t = fn.local('i32')
        fn.body += src(fn, v['v'], 'i32') + ['global.set $g']
        read = ['global.get $g']
        if v['miss'] == 'tee':
            read.append('local.tee ' + t)
        elif v['miss'] == 'set':
            read += ['local.get ' + fn.param('i32'), 'global.set $g']
        cond = read
        if cmp:
            k = ['i32.const ' + v['k']]
            cond = (read + k if v['ord'] == 'gk' else k + read) + [row.op]
        if v['miss'] == 'loop':
            test = ['i32.const ' + v['k'], row.op] if cmp else []
            fn.body += ['global.get $g'] + across_loop(
                fn, 'i32', test + ['if (result i32)', 'i32.const 9', 'else',
                                   'i32.const 7', 'end'])
        else:
            wrap_branch(fn, cond, v['br'])
        fn.body += ['local.get ' + t, 'i32.const 16', 'i32.shl', 'i32.xor',
                    'global.get $g', 'i32.const 8', 'i32.shl', 'i32.xor']
        fns.append(fn)
    return fns



def gen_copy2(row):
    """Two moves in a row (local.set from a local): plainly, the second
    reading what the first wrote (chain), a swap through a temporary (the
    compiler copies the old value out first: three moves), three moves, and
    a loop head between two moves (no fusion across it)."""
    fns = []
    for v in ofat([('shape', ['plain', 'chain', 'swap', 'three', 'loop']),
                   ('t', ['i32', 'i64', 'f64'])]):
        t = v['t']
        fn = Fn(row, v, t, t in FLOAT)
        p0, p1 = fn.param(t), fn.param(t)
        l0, l1 = fn.local(t), fn.local(t)
        shape = v['shape']
        if shape == 'plain':
            fn.body += ['local.get ' + p0, 'local.set ' + l0, 'local.get ' + p1,
                        'local.set ' + l1]
        elif shape == 'chain':
            fn.body += ['local.get ' + p1, 'local.set ' + l0, 'local.get ' + l0,
                        'local.set ' + l1, 'local.get ' + p0, 'local.set ' + l0]
        elif shape == 'swap':
            fn.body += ['local.get ' + p0, 'local.get ' + p1, 'local.set ' + p0,
                        'local.set ' + p1, 'local.get ' + p0, 'local.set ' + l0,
                        'local.get ' + p1, 'local.set ' + l1]
        elif shape == 'three':
            fn.body += ['local.get ' + p1, 'local.set ' + l0, 'local.get ' + p0,
                        'local.set ' + l1, 'local.get ' + l1, 'local.set ' + p1]
        else:
            n = fn.local('i32')  # the loop runs twice
            fn.body += ['local.get ' + p0, 'local.set ' + l0, 'loop $l',
                        'local.get ' + l0, 'local.set ' + l1, 'local.get ' + p1,
                        'local.set ' + l0, 'local.get ' + n, 'i32.eqz', 'if',
                        'i32.const 1', 'local.set ' + n, 'br $l', 'end', 'end']
        mul = {'i32': 'i32.mul', 'i64': 'i64.mul', 'f64': 'f64.mul'}[t]
        mix = 'f64.sub' if t == 'f64' else t + '.xor'
        fn.body += ['local.get ' + l0, t + '.const 3', mul, 'local.get ' + l1, mix,
                    'local.get ' + p1, t + '.const 5', mul, mix]
        fns.append(fn)
    return fns


def gen_select_gk(row):
    """x; k; global.get g; select: the condition an i32 global (set from a
    param first), of each type and constant; near misses: the global's
    value also kept by local.tee, the constant first (SELECT_K1's order)."""
    fns = []
    for v in ofat([('t', ['i32', 'i64', 'f32', 'f64']), ('k', [0, 1, 2, 3, 4, 5]),
                   ('x', ['local', 'load', 'temp']), ('g', ['local', 'temp', 'load']),
                   ('miss', ['none', 'tee', 'kfirst'])],
                  [{'t': t, 'k': k} for t in ('i64', 'f32', 'f64') for k in range(1, 6)]):
        t = v['t']
        fn = Fn(row, v, t, t in FLOAT)
        tee = fn.local('i32')
        fn.body += src(fn, v['g'], 'i32') + ['global.set $g']
        k = src(fn, 'const', t, KS[t][v['k']])
        x = src(fn, v['x'], t, KS[t][1])
        fn.body += k + x if v['miss'] == 'kfirst' else x + k
        fn.body += ['global.get $g'] + (['local.tee ' + tee] if v['miss'] == 'tee' else [])
        fn.body += ['select', 'local.get ' + tee, 'drop']
        fns.append(fn)
    return fns


def gen_select_k(row):
    """A select with a constant as its first (SELECT_K1) or second
    (SELECT_K2) value: i32 and f32 constants, the other value and the
    condition from each kind of operand, the result kept by local.set
    (which retargets it). Near misses: i64 and f64 selects (not fused: the
    constant is written as a slot's u32), both values constant, a constant
    condition."""
    first = row.family == 'SELECT_K1'
    fns = []
    for v in ofat([('t', ['i32', 'i64', 'f32', 'f64']), ('k', [0, 1, 2, 3, 4, 5]),
                   ('x', ['local', 'load', 'temp', 'const']),
                   ('cond', ['local', 'temp', 'load', 'const']), ('set', ['no', 'yes'])],
                  [{'t': t, 'k': k} for t in ('i64', 'f32', 'f64') for k in range(1, 6)]):
        t = v['t']
        fn = Fn(row, v, t, t in FLOAT)
        k = src(fn, 'const', t, KS[t][v['k']])
        x = src(fn, v['x'], t, KS[t][1])
        fn.body += (k + x if first else x + k)
        fn.body += src(fn, v['cond'], 'i32', '0') + ['select']
        if v['set'] == 'yes':
            l = fn.local(t)
            fn.body += ['local.set ' + l, 'local.get ' + l]
        fns.append(fn)
    return fns

# }=====
# {===== arithmetic


def gen_imm(row):
    """a OP k (and k OP a: swapped when OP commutes, else left alone); for
    i32 add and sub also then + or - a second constant, which the fuser
    folds into the first."""
    t = row.t
    ks = SHIFTS if re.search(r'\.(shl|shr|rot)', row.op) else KS[t]
    axes = [('a', OPERANDS + ['const']), ('k', ks), ('ord', ['ak', 'ka'])]
    if row.op in ('i32.add', 'i32.sub'):
        axes.append(('then', ['none', 'i32.add 5', 'i32.sub 5', 'i32.add -0x80000000',
                              'i32.sub -1']))
    fns = []
    for v in ofat(axes, [{'a': 'load', 'k': ks[3]}, {'a': 'temp', 'k': ks[4]}]):
        fn = Fn(row, v, result_type(row.op), t in FLOAT)
        a, k = src(fn, v['a'], t, ks[1]), src(fn, 'const', t, v['k'])
        fn.body += (a + k if v['ord'] == 'ak' else k + a) + [row.op]
        if v.get('then', 'none') != 'none':
            op2, k2 = v['then'].split()
            fn.body += ['i32.const ' + k2, op2]
        fns.append(fn)
    return fns


CHAIN_OP2 = {'F64_THEN_ADD': 'f64.add', 'F64_THEN_SUB': 'f64.sub', 'F64_THEN_MUL': 'f64.mul'}


def gen_f64_chain(row):
    """(a op1 b) op2 c, or c op2 (a op1 b) when op2 commutes."""
    op2 = CHAIN_OP2[row.family]
    ords = ['left', 'right'] if commutes(op2) else ['left', 'right-unfused']
    fns = []
    for v in ofat([('a', OPERANDS + ['const']), ('b', OPERANDS + ['const']),
                   ('c', ['local', 'load', 'temp']),
                   ('ord', ords)], [{'a': 'temp', 'b': 'temp'}]):
        fn = Fn(row, v, 'f64', True)
        if v['ord'] == 'left':
            ab = src(fn, v['a'], 'f64') + src(fn, v['b'], 'f64') + [row.op]
            fn.body += ab + src(fn, 'local', 'f64') + [op2]
        else:
            c = src(fn, v['c'], 'f64')
            fn.body += c + src(fn, v['a'], 'f64') + src(fn, v['b'], 'f64') + [row.op, op2]
        fns.append(fn)
    return fns


def gen_add_ret(row):
    """a + b; return (and falling off the end)."""
    fns = []
    for v in ofat([('a', OPERANDS), ('b', OPERANDS), ('ret', ['return', 'end'])],
                  [{'a': 'temp', 'b': 'temp'}]):
        fn = Fn(row, v, 'i32')
        fn.body += src(fn, v['a'], 'i32') + src(fn, v['b'], 'i32') + ['i32.add']
        if v['ret'] == 'return':
            fn.body.append('return')
        fns.append(fn)
    return fns


def shr_field(fn, v):
    """(x >> k) & m, the mask on either side."""
    x = src(fn, v['x'], 'i32') + [k32(fn, v['k']), 'i32.shr_u']
    m = [k32(fn, v['m'])]
    return x + m + ['i32.and'] if v['ord'] == 'fm' else m + x + ['i32.and']


FIELD_AXES = [('x', OPERANDS), ('k', ['3', '0', '1', '31', '32', '33', 'local', 'load']),
              ('m', ['0xff', '0', '-1', '0x80000001', 'local', 'load']), ('ord', ['fm', 'mf'])]


def gen_bit_field(row):
    fns = []
    for v in ofat(FIELD_AXES):
        fn = Fn(row, v, 'i32')
        fn.body += shr_field(fn, v)
        fns.append(fn)
    return fns


def gen_bit_field_addi(row):
    """((x >> k) & m) + c, or - c."""
    fns = []
    for v in ofat(FIELD_AXES + [('c', ['5', '0', '-1', '-0x80000000', 'local', 'load']),
                                ('add', ['i32.add', 'i32.sub'])]):
        fn = Fn(row, v, 'i32')
        fn.body += shr_field(fn, v) + [k32(fn, v['c']), v['add']]
        fns.append(fn)
    return fns


def gen_addi_tail(row):
    """(x op k) + c: c after, before (commuted), or subtracted."""
    ks = SHIFTS[:6] if 'shr' in row.op else ['12', '0', '-1', '0x7fffffff', '-0x80000000']
    ks = ks + ['local', 'load']
    fns = []
    for v in ofat([('x', OPERANDS), ('k', ks),
                   ('c', ['100', '0', '-1', '-0x80000000', 'local', 'load']),
                   ('ord', ['xc', 'cx', 'sub'])]):
        fn = Fn(row, v, 'i32')
        x = src(fn, v['x'], 'i32') + [k32(fn, v['k']), row.op]
        c = [k32(fn, v['c'])]
        if v['ord'] == 'xc':
            fn.body += x + c + ['i32.add']
        elif v['ord'] == 'cx':
            fn.body += c + x + ['i32.add']
        else:
            fn.body += x + c + ['i32.sub']
        fns.append(fn)
    return fns


def gen_add_shifted(row):
    """base + (x >> k) or base + (x << k): base a local after the shift, or
    any slot before; then, for the shift left, the sum used as a value or
    as a load's address (which takes the fused add apart again)."""
    fns = []
    ks = KS['i32'] if row.op == 'i32.mul' else SHIFTS[:6]
    axes = [('x', OPERANDS), ('k', ks + ['local', 'load']),
            ('base', ['after', 'local', 'load', 'temp'])]
    if row.op in ('i32.shl', 'i32.mul'):
        axes.append(('use', ['value', 'load']))
    for v in ofat(axes):
        fn = Fn(row, v, 'i32')
        if v['base'] == 'after':
            fn.body += src(fn, v['x'], 'i32') + [k32(fn, v['k']), row.op]
            fn.body += src(fn, 'local', 'i32') + ['i32.add']
        else:
            base = src(fn, v['base'], 'i32')
            fn.body += base + src(fn, v['x'], 'i32') + [k32(fn, v['k']), row.op,
                                                         'i32.add']
        if v.get('use') == 'load':
            fn.body += ['i32.load offset=3']
        fns.append(fn)
    return fns

# }=====
# {===== loads


def mem(op, off):
    return op + ('' if off == '0' else ' offset=' + off)


def gen_load_add(row):
    """load (a + b): two slots of any kind; and the sum computed before a
    loop whose head the load is, reached again by a back edge with another
    address c: the load must not fold in an add across the label."""
    fns = []
    for v in ofat([('a', OPERANDS), ('b', OPERANDS), ('off', OFFSETS), ('at', ['here', 'loop'])],
                  [{'a': 'temp', 'b': 'temp'}]):
        fn = Fn(row, v, row.t)
        fn.body += src(fn, v['a'], 'i32') + src(fn, v['b'], 'i32') + ['i32.add']
        if v['at'] == 'loop':
            fn.body += across_loop(fn, row.t, [mem(row.op, v['off'])])
        else:
            fn.body.append(mem(row.op, v['off']))
        fns.append(fn)
    return fns


def gen_load_addi(row):
    """load (a + k), k on either side."""
    fns = []
    for v in ofat([('a', OPERANDS), ('k', ADDR_KS), ('ord', ['ak', 'ka']), ('off', OFFSETS)]):
        fn = Fn(row, v, row.t)
        a, k = src(fn, v['a'], 'i32'), [k32(fn, v['k'])]
        fn.body += (a + k if v['ord'] == 'ak' else k + a) + ['i32.add', mem(row.op, v['off'])]
        fns.append(fn)
    return fns


def gen_load_abs(row):
    fns = []
    for v in ofat([('addr', ABS_ADDRS), ('off', OFFSETS)]):
        fn = Fn(row, v, row.t)
        fn.body += ['i32.const ' + v['addr'], mem(row.op, v['off'])]
        fns.append(fn)
    return fns


def gen_load_shl_add(row):
    """load ((x << k) + base): base a local after the shift, or any slot
    before it (the sum's other side)."""
    fns = []
    for v in ofat([('x', ['local', 'load', 'temp']),
                   ('k', ['2', '0', '3', '31', '33', 'local', 'load']),
                   ('base', ['after', 'local', 'load', 'temp', 'loop']), ('off', OFFSETS)]):
        fn = Fn(row, v, row.t)
        shl = [k32(fn, v['k']), 'i32.shl']
        if v['base'] == 'loop':  # the shift before a loop head, the add after
            after = src(fn, 'local', 'i32') + ['i32.add', mem(row.op, v['off'])]
            fn.body += src(fn, v['x'], 'i32') + shl + across_loop(fn, row.t, after)
            fns.append(fn)
            continue
        if v['base'] == 'after':
            fn.body += src(fn, v['x'], 'i32') + shl + src(fn, 'local', 'i32') + ['i32.add']
        else:
            base = src(fn, v['base'], 'i32')
            fn.body += base + src(fn, v['x'], 'i32') + shl + ['i32.add']
        fn.body.append(mem(row.op, v['off']))
        fns.append(fn)
    return fns


def gen_load_shl_addi(row):
    """load ((x << k) + b), b a constant on either side."""
    fns = []
    for v in ofat([('x', ['local', 'load', 'temp']),
                   ('k', ['2', '0', '3', '31', '33', 'local', 'load']),
                   ('b', ['256', '0', '-16', '65532', 'local', 'load']), ('ord', ['xb', 'bx']),
                   ('off', OFFSETS)]):
        fn = Fn(row, v, row.t)
        x = src(fn, v['x'], 'i32') + [k32(fn, v['k']), 'i32.shl']
        b = [k32(fn, v['b'])]
        fn.body += (x + b if v['ord'] == 'xb' else b + x) + ['i32.add', mem(row.op, v['off'])]
        fns.append(fn)
    return fns


def gen_load_add3(row):
    """load (a + b + c): the sum of two slots, then a third on either side
    (or a constant, which is no third slot)."""
    fns = []
    for v in ofat([('a', ['local', 'load', 'temp']), ('b', ['local', 'load', 'temp']),
                   ('c', ['after', 'local', 'load', 'temp', 'const', 'loop']),
                   ('off', OFFSETS)]):
        fn = Fn(row, v, row.t)
        ab = src(fn, v['a'], 'i32') + src(fn, v['b'], 'i32') + ['i32.add']
        if v['c'] == 'after':
            fn.body += ab + src(fn, 'local', 'i32') + ['i32.add']
        elif v['c'] == 'loop':  # a + b before a loop head, + c after
            after = src(fn, 'local', 'i32') + ['i32.add', mem(row.op, v['off'])]
            fn.body += ab + across_loop(fn, row.t, after)
            fns.append(fn)
            continue
        elif v['c'] == 'const':  # (a + b) + k: no sum of three slots
            fn.body += ab + ['i32.const 16', 'i32.add']
        else:
            fn.body += src(fn, v['c'], 'i32') + ab + ['i32.add']
        fn.body.append(mem(row.op, v['off']))
        fns.append(fn)
    return fns


def full_load(t):
    return t + '.load'


def gen_mem_operand(row, addi=False, byte=None):
    """a OP load(p) (or load(p) OP a, when OP commutes), the load's address
    p, p + k (addi) or, for the byte families, p + q or p + q + r."""
    t, fns = row.t, []
    load = 'i32.load8_u' if byte else full_load(t)
    axes = [('a', OPERANDS), ('p', ['local', 'temp']), ('ord', ['ap', 'pa'] if commutes(row.op)
                                                          else ['ap']),
            ('off', OFFSETS)]
    if addi:
        axes.append(('k', ['4', '-4', '-16', '32', 'local', 'load']))
    for v in ofat(axes):
        fn = Fn(row, v, t, t in FLOAT)
        a = src(fn, v['a'] if v['ord'] == 'ap' else 'local', t)
        p = src(fn, v['p'], 'i32')
        if addi:
            p += [k32(fn, v['k']), 'i32.add']
        elif byte == 'add':
            p += src(fn, 'local', 'i32') + ['i32.add']
        elif byte == 'add3':
            p += src(fn, 'local', 'i32') + ['i32.add'] + src(fn, 'local', 'i32') + ['i32.add']
        p.append(mem(load, v['off']))
        fn.body += (a + p if v['ord'] == 'ap' else p + a) + [row.op]
        fns.append(fn)
    return fns

# }=====
# {===== stores and moves


def store_val_type(op):
    return op.split('.')[0]


def gen_store_add(row, addi=False):
    """store (a + b) or (a + k), v: the value a local (the address add
    folds in only when the value needed no instruction)."""
    fns = []
    axes = [('a', OPERANDS), ('off', OFFSETS), ('v', ['local', 'temp'])]
    axes += [('k', ADDR_KS), ('ord', ['ak', 'ka'])] if addi else [('b', OPERANDS)]
    for v in ofat(axes):
        fn = Fn(row, v)
        a = src(fn, v['a'], 'i32')
        if addi:
            k = [k32(fn, v['k'])]
            addr = (a + k if v['ord'] == 'ak' else k + a) + ['i32.add']
        else:
            addr = a + src(fn, v['b'], 'i32') + ['i32.add']
        fn.body += addr + src(fn, v['v'], store_val_type(row.op)) + [mem(row.op, v['off'])]
        fns.append(fn)
    return fns


STORE_KS = {
    'i32': ['-1', '0', '0x12345678', '-0x80000000'],
    'i64': ['-1', '0x7fffffff', '-0x80000000', '0x100000001'],
    'f32': ['-0', 'nan:0x200001', '1.5', 'inf'],
    'f64': ['-nan:0xfffffffffffff', '0', '-0', '1.5'],
}


def gen_store_k(row):
    fns = []
    t = store_val_type(row.op)
    for v in ofat([('addr', ['local', 'load', 'temp']), ('k', STORE_KS[t]), ('off', OFFSETS)]):
        fn = Fn(row, v)
        fn.body += src(fn, v['addr'], 'i32') + ['%s.const %s' % (t, v['k']),
                                                 mem(row.op, v['off'])]
        fns.append(fn)
    return fns


def gen_store_abs(row):
    fns = []
    t = store_val_type(row.op)
    for v in ofat([('addr', ABS_ADDRS), ('v', ['local', 'load', 'temp']), ('off', OFFSETS)]):
        fn = Fn(row, v)
        fn.body += ['i32.const ' + v['addr']] + src(fn, v['v'], t) + [mem(row.op, v['off'])]
        fns.append(fn)
    return fns


def full_store(t):
    return t + '.store'


def gen_op_store(row):
    """store p (a OP b)."""
    fns = []
    t = row.t
    for v in ofat([('p', ['local', 'temp']), ('a', ['local', 'abs', 'temp']),
                   ('b', ['local', 'abs', 'temp', 'load', 'const']), ('off', OFFSETS)]):
        fn = Fn(row, v, None, t in FLOAT)
        fn.body += src(fn, v['p'], 'i32') + src(fn, v['a'], t) + src(fn, v['b'], t)
        fn.body += [row.op, mem(full_store(t), v['off'])]
        fns.append(fn)
    return fns


def gen_rmw(row):
    """*p = a OP *p (or *p OP a): one address local, the same offset; the
    variants with another address or offset must not fuse."""
    fns = []
    t = row.t
    ords = ['ap', 'pa'] if commutes(row.op) else ['ap']
    for v in ofat([('a', OPERANDS), ('ord', ords), ('off', OFFSETS),
                   ('st', ['same', 'other-off', 'other-addr'])]):
        fn = Fn(row, v, None, t in FLOAT)
        p = fn.param('i32')
        q = fn.param('i32') if v['st'] == 'other-addr' else p
        soff = '8' if v['st'] == 'other-off' else v['off']
        a = src(fn, v['a'] if v['ord'] == 'ap' else 'local', t)
        ld = ['local.get ' + p, mem(full_load(t), v['off'])]
        fn.body += ['local.get ' + q] + (a + ld if v['ord'] == 'ap' else ld + a)
        fn.body += [row.op, mem(full_store(t), soff)]
        fns.append(fn)
    return fns


def moves_of(store):
    """The (load, store) pairs that move a value of the store's width."""
    w = access_width(store)
    stores = [s for s in ('i32.store', 'i64.store', 'f32.store', 'f64.store', 'i32.store8',
                          'i32.store16', 'i64.store8', 'i64.store16', 'i64.store32')
              if access_width(s) == w]
    return ['%s>%s' % (ld, st) for st in stores for ld in LOADS
            if access_width(ld) == w and ld[:3] == st[:3]]


def gen_move(row, addi=False):
    """store dst (load src): the same width, any of the pairs."""
    fns = []
    axes = [('pair', moves_of(row.op)), ('dst', ['local', 'temp']), ('src', ['local', 'temp']),
            ('doff', OFFSETS), ('soff', OFFSETS)]
    if addi:
        axes.append(('k', ADDR_KS))
    for v in ofat(axes):
        fn = Fn(row, v)
        ld, st = v['pair'].split('>')
        s = src(fn, v['src'], 'i32')
        if addi:
            s += [k32(fn, v['k']), 'i32.add']
        fn.body += src(fn, v['dst'], 'i32') + s + [mem(ld, v['soff']), mem(st, v['doff'])]
        fns.append(fn)
    return fns


def gen_copy_fill(row):
    """memory.copy / memory.fill of a constant length (and value)."""
    fns = []
    fill = row.op == 'memory.fill'
    vk = ['local', 'load', 'temp'] if row.family == 'FILL_N' else ['const']
    for v in ofat([('dst', ['local', 'const', 'temp']), ('src', ['local', 'const', 'temp']
                                                           if not fill else vk),
                   ('n', ['16', '0', '1', '255', '65536', 'local', 'load']),
                   ('k', ['0xab', '0', '-1', '0x1ff'] if row.family == 'FILL_VN'
                    else ['65520'])]):
        fn = Fn(row, v)
        fn.body += src(fn, v['dst'], 'i32', '65520' if not fill else '65530')
        fn.body += src(fn, v['src'], 'i32', v['k'])
        fn.body += [k32(fn, v['n']), row.op]
        fns.append(fn)
    return fns

# }=====

FAMILIES = {
    'IMM': gen_imm,
    'BR_CMP': gen_br_cmp, 'BR_CMP_I': gen_br_cmp_k,
    'BR_ADDI': gen_br_addi, 'BR_ADDI_I': gen_br_addi,
    'BR_F64': gen_br_cmp, 'BR_F64_K': gen_br_cmp_k,
    'BR_NOT_F64': gen_br_cmp, 'BR_NOT_F64_K': gen_br_cmp_k,
    'LOAD_ADD': gen_load_add, 'LOAD_ADDI': gen_load_addi, 'LOAD_ABS': gen_load_abs,
    'LOAD_SHL_ADD': gen_load_shl_add, 'LOAD_SHL_ADDI': gen_load_shl_addi,
    'LOAD_ADD3': gen_load_add3,
    'STORE_ADD': gen_store_add, 'STORE_ADDI': lambda r: gen_store_add(r, True),
    'STORE_K': gen_store_k, 'STORE_ABS': gen_store_abs,
    'MEM_OPERAND': gen_mem_operand, 'MEM_OPERAND_ADDI': lambda r: gen_mem_operand(r, True),
    'OP_STORE': gen_op_store, 'RMW': gen_rmw,
    'BYTE': lambda r: gen_mem_operand(r, byte='plain'),
    'BYTE_ADDI': lambda r: gen_mem_operand(r, True, byte='addi'),
    'BYTE_ADD': lambda r: gen_mem_operand(r, byte='add'),
    'BYTE_ADD3': lambda r: gen_mem_operand(r, byte='add3'),
    'MOVE': gen_move, 'MOVE_ADDI': lambda r: gen_move(r, True),
    'F64_THEN_ADD': gen_f64_chain, 'F64_THEN_SUB': gen_f64_chain,
    'F64_THEN_MUL': gen_f64_chain,
    'ADD_RET': gen_add_ret,
    'BR_BITS': gen_br_bits, 'BR_NO_BITS': gen_br_bits,
    'BR_GLOBAL': gen_br_global, 'BR_NOT_GLOBAL': gen_br_global,
    'BR_GLOBAL_I': gen_br_global,
    'COPY2': gen_copy2,
    'SELECT_GK2': gen_select_gk,
    'SELECT_K1': gen_select_k, 'SELECT_K2': gen_select_k,
    'BIT_FIELD': gen_bit_field, 'BIT_FIELD_ADDI': gen_bit_field_addi,
    'ADDI_TAIL': gen_addi_tail, 'ADD_SHIFTED': gen_add_shifted,
    'ADD_SCALED': gen_add_shifted,
    'COPY_N': gen_copy_fill, 'FILL_N': gen_copy_fill, 'FILL_VN': gen_copy_fill,
}


def wide(fn):
    """The same function with a v128 pushed first: from there on the
    compiler lays out slots by type (compiler.wide), not one per entry."""
    w = copy.copy(fn)
    w.name = fn.name.replace(':', ':wide,', 1)
    w.body = ['v128.const i64x2 0 0', 'drop'] + fn.body
    return w


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: gen_super.py vm/super_list.h OUT.wat')
    rows = read_rows(sys.argv[1])
    out = ['(module', '  (memory 1)', '  (global $g (mut i32) (i32.const 0))']
    seen = set()
    for row in rows:
        gen = FAMILIES.get(row.family)
        if not gen:
            print('gen_super: no template for family %s (row %s): it stays untested'
                  % (row.family, row.name), file=sys.stderr)
            continue
        fns = gen(row)
        fns.append(wide(fns[0]))
        for fn in fns:
            if fn.name in seen:
                continue
            seen.add(fn.name)
            out.append('  ' + fn.wat())
    out.append(')')
    with open(sys.argv[2], 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
