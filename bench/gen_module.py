#!/usr/bin/env python3
"""Writes a valid WebAssembly module of about --size bytes for the load-time benchmark
(bench/loadtime.c): thousands of functions with varied bodies (integer and float arithmetic,
loops, if/else, br_table, direct and indirect calls, loads and stores, locals, globals), so
decoding and validation see a realistic instruction mix rather than one repeated pattern.
Deterministic: the same --size and --seed always give the same bytes.

    python3 bench/gen_module.py --size 1048576 -o build/bench-results/gen1mb.wasm
"""
import argparse
import random
import struct


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def name(s):
    return uleb(len(s)) + s.encode()


I32, I64, F64 = 0x7F, 0x7E, 0x7C
# the function types: 0 for the arithmetic, loop, call and control-flow bodies, 1 for the
# memory bodies, 2 for the float bodies
TYPE_SECTION = [([I32], [I32]), ([I32, I32], [I32]), ([I64, F64], [F64])]


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def i32c(v):
    return b"\x41" + sleb(v)


def lget(i):
    return b"\x20" + uleb(i)


def lset(i):
    return b"\x21" + uleb(i)


def ltee(i):
    return b"\x22" + uleb(i)


def memarg(align, offset):
    return uleb(align) + uleb(offset)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.unary = []   # indices of the functions of type 0 written so far

    def arith(self):
        """(i32) -> i32: a chain of integer ops on the parameter and two locals."""
        r = self.r
        code = lget(0) + lset(1)
        for _ in range(r.randint(6, 30)):
            op = r.choice([0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x76, 0x77])  # add sub mul and or xor shl shr_u rotl
            code += lget(1) + i32c(r.randint(-5000, 5000)) + bytes([op])
            if r.random() < 0.3:
                code += lget(0) + b"\x6A"  # + param
            code += lset(1)
            if r.random() < 0.2:
                code += lget(1) + b"\x45" + b"\x04\x40" + lget(2) + i32c(1) + b"\x6A" + lset(2) + b"\x0B"  # if (!x) y++
        code += lget(1) + lget(2) + b"\x73"
        return [(2, I32)], code

    def loop(self):
        """(i32) -> i32: a counted loop with an accumulator (block/loop/br_if/br)."""
        r = self.r
        n = r.randint(1, 4)
        code = i32c(0) + lset(1) + i32c(0) + lset(2)
        code += b"\x02\x40\x03\x40"                                   # block loop
        code += lget(1) + lget(0) + b"\x4F" + b"\x0D\x01"             # i >= n: br_if 1
        for _ in range(n):
            code += lget(2) + lget(1) + i32c(r.randint(1, 99)) + b"\x6C\x6A" + lset(2)
            if r.random() < 0.5:
                code += lget(2) + i32c(r.randint(1, 31)) + b"\x78" + lset(2)   # rotr
        code += lget(1) + i32c(1) + b"\x6A" + lset(1) + b"\x0C\x00"   # i++; br 0
        code += b"\x0B\x0B" + lget(2)
        return [(2, I32)], code

    def calls(self, table_size):
        """(i32) -> i32: direct calls to earlier functions, and call_indirect via the table."""
        r = self.r
        code = lget(0)
        for _ in range(r.randint(1, 6)):
            if self.unary and r.random() < 0.7:
                code += b"\x10" + uleb(r.choice(self.unary))           # call f
            else:
                # call_indirect type 0 on a constant slot: the table holds only type-0
                # functions, so the call would also run
                code += i32c(r.randint(0, 50)) + b"\x6A"
                code += b"\x41" + sleb(r.randint(0, table_size - 1))
                code += b"\x11" + uleb(0) + uleb(0)
            code += i32c(r.randint(1, 7)) + b"\x6A"
        return [], code

    def memory(self):
        """(i32, i32) -> i32: loads and stores of every width at masked addresses."""
        r = self.r
        code = b""
        for _ in range(r.randint(3, 14)):
            k = r.randint(0, 6)
            addr = lget(0) + i32c(r.choice([0xFFF, 0x7FF0, 0xFF80])) + b"\x71"
            off = r.randint(0, 64)
            if k == 0:
                code += addr + lget(1) + b"\x36" + memarg(2, off)                       # i32.store
            elif k == 1:
                code += addr + lget(1) + b"\x3A" + memarg(0, off)                       # i32.store8
            elif k == 2:
                code += addr + lget(1) + b"\xAD" + b"\x37" + memarg(3, off)             # i64.extend_i32_u; i64.store
            elif k == 3:
                code += lget(1) + addr + b"\x28" + memarg(2, off) + b"\x6A" + lset(1)   # += i32.load
            elif k == 4:
                code += lget(1) + addr + b"\x2D" + memarg(0, off) + b"\x73" + lset(1)   # ^= i32.load8_u
            elif k == 5:
                code += lget(1) + addr + b"\x29" + memarg(3, off) + b"\xA7\x6A" + lset(1)  # += i32.wrap(i64.load)
            else:
                code += lget(1) + addr + b"\x2F" + memarg(1, off) + b"\x6C" + lset(1)   # *= i32.load16_u
        code += b"\x23\x00" + lget(1) + b"\x6A" + b"\x24\x00"                           # global += x
        code += lget(1)
        return [], code

    def floats(self):
        """(i64, f64) -> f64: f64 arithmetic with conversions, sqrt, max, select."""
        r = self.r
        code = lget(0) + b"\xB9" + lset(2)                    # f64.convert_i64_s
        for _ in range(r.randint(3, 16)):
            k = r.randint(0, 4)
            c = b"\x44" + struct.pack("<d", r.uniform(-100, 100))
            if k == 0:
                code += lget(2) + c + b"\xA2" + lget(1) + b"\xA0" + lset(2)        # x = x*c + p
            elif k == 1:
                code += lget(2) + b"\x99\x9F" + lset(2)                            # sqrt(abs(x))
            elif k == 2:
                code += lget(2) + c + b"\xA5" + lset(2)                            # max
            elif k == 3:
                code += lget(2) + c + lget(2) + lget(1) + b"\x63" + b"\x1B" + lset(2)  # select(x, c, x < p)
            else:
                code += lget(0) + i32c(r.randint(1, 63)) + b"\xAC\x86" + lset(3)  # i = i64(x) << k
                code += lget(2) + lget(3) + b"\xB9\xA1" + lset(2)                  # x -= f64(i)
        code += lget(2)
        return [(1, F64), (1, I64)], code

    def control(self):
        """(i32) -> i32: nested blocks with br_table, if/else with results, and a select."""
        r = self.r
        n = r.randint(2, 8)
        code = b"\x02\x40" * (n + 1)                       # n+1 nested blocks
        code += lget(0) + i32c(7) + b"\x71"               # x & 7
        code += b"\x0E" + uleb(n) + b"".join(uleb(i) for i in range(n)) + uleb(n)  # br_table
        code += b"\x0B"
        for i in range(n):
            code += lget(1) + i32c(r.randint(1, 1000) * (i + 1)) + b"\x6A" + lset(1) + b"\x0B"
        code += lget(0) + i32c(r.randint(0, 100)) + b"\x48"                 # x < k
        code += b"\x04\x7F" + lget(1) + i32c(3) + b"\x6C" + b"\x05" + lget(1) + i32c(5) + b"\x6D\x0B"  # if i32 ... else div_s
        code += lget(0) + lget(0) + lget(1) + b"\x4B\x1B"  # select(r, x, x > y)
        return [(1, I32)], code

    def body(self, kind, table_size):
        if kind == 0:
            locs, code = self.r.choice([self.arith, self.loop])()
        elif kind == 1:
            locs, code = self.memory()
        elif kind == 2:
            locs, code = self.floats()
        elif kind == 3:
            locs, code = self.calls(table_size)
        else:
            locs, code = self.control()
        locals_ = vec([uleb(n) + bytes([t]) for n, t in locs])
        b = locals_ + code + b"\x0B"
        return uleb(len(b)) + b


def build(size, seed):
    g = Gen(seed)
    table_size = 64
    bodies, types = [], []
    total = 0
    # the first functions are plain arithmetic (type 0): the table and the call template use them
    while total < size - 1200:   # the other sections take about 1 KB
        i = len(bodies)
        kind = 0 if i < table_size else g.r.choice([0, 0, 1, 2, 3, 4])
        body = g.body(kind, table_size)
        types.append({0: 0, 1: 1, 2: 2, 3: 0, 4: 0}[kind])
        if kind in (0, 3, 4):
            g.unary.append(i)
        bodies.append(body)
        total += len(body) + 1   # + its entry in the function section
    nfunc = len(bodies)
    mod = b"\0asm\1\0\0\0"
    mod += section(1, vec([functype(p, r) for p, r in TYPE_SECTION]))
    mod += section(3, vec([uleb(t) for t in types]))
    mod += section(4, vec([b"\x70\x00" + uleb(table_size)]))                 # table funcref
    mod += section(5, vec([b"\x01" + uleb(1) + uleb(16)]))                   # memory 1..16
    mod += section(6, vec([b"\x7F\x01" + i32c(0) + b"\x0B"]))                # global mut i32
    exports = [name("memory") + b"\x02\x00"]
    exports += [name(f"f{i}") + b"\x00" + uleb(i) for i in range(0, nfunc, 97)]
    mod += section(7, vec(exports))
    mod += section(9, vec([b"\x00" + i32c(0) + b"\x0B" + vec([uleb(i) for i in range(table_size)])]))
    mod += section(10, vec(bodies))
    mod += section(11, vec([b"\x00" + i32c(1024) + b"\x0B" + vec([bytes([i & 255]) for i in range(256)])]))
    return mod, nfunc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1 << 20, help="target size in bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    mod, nfunc = build(args.size, args.seed)
    with open(args.output, "wb") as f:
        f.write(mod)
    print(f"gen_module: {args.output}: {len(mod)} bytes, {nfunc} functions")


if __name__ == "__main__":
    main()
