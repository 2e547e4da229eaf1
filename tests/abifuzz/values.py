"""Argument expressions by role: each role of specs.py becomes one or two
WAT expressions, chosen by the program's random generator. Most choices
are plausible, so that calls get past argument checks and reach the deep
code; the rest are the hostile ones: pointers at and past the end of
memory (computed from memory.size at run time, so they stay hostile after
memory.grow), lengths near 2^32, stale, foreign and negative ids, huge
counts, output buffers overlapping the inputs."""

import struct

import layout as L
import pools

I32_EDGES = [0, 1, 2, 3, -1, 0x7FFFFFFF, -0x80000000, 0xFFFF, 0x10000]
I64_EDGES = [0, 1, 2, 3, -1, -2, 2**63 - 1, -2**63, 2**32, 2**32 + 1]


def i32(v):
    v &= 0xFFFFFFFF
    return f"(i32.const {v - (1 << 32) if v >= 1 << 31 else v})"


def i64(v):
    v &= (1 << 64) - 1
    return f"(i64.const {v - (1 << 64) if v >= 1 << 63 else v})"


def mem_end(delta):
    """The address delta bytes from the end of memory, at run time."""
    return (f"(i32.add (i32.shl (memory.size) (i32.const 16)) "
            f"{i32(delta)})")


class Data:
    """Bytes placed in the DATA region, deduplicated; emitted as data
    segments. Addresses are fixed at generation time."""

    def __init__(self):
        self.at, self.blobs, self.end = {}, [], L.DATA

    def add(self, b, align=8):
        if b not in self.at:
            self.end = (self.end + align - 1) // align * align
            self.at[b] = self.end
            self.blobs.append((self.end, b))
            self.end += len(b)
        return self.at[b], len(b)

    @property
    def buf(self):  # the buffer host calls write into, after the data
        return (self.end + 0xFFFF) // 0x10000 * 0x10000


class Args:
    def __init__(self, rng, data, enabled, prebuilt):
        self.r, self.data, self.enabled = rng, data, enabled
        self.pre = prebuilt  # iov, subs, params, bind, wasm, ip tables

    def chance(self, p):
        return self.r.random() < p

    # {===== pointers and lengths
    def hostile_ptr(self):
        c = self.r.randrange(9)
        if c < 4:
            return mem_end(self.r.choice([0, -1, -4, -7, -8, -16, 1, 8]))
        if c < 6:
            return i32(self.r.choice([0xFFFFFFFF, 0xFFFFFFF8, 0x80000000,
                                      0x7FFFFFFF, 0xFFFF0000]))
        if c < 8:  # overlap: an input region the same call may read
            return i32(self.r.choice([L.IOV, L.SUBS, L.PARAMS, L.DATA,
                                      self.data.end - 4]))
        return i32(0)

    def hostile_len(self, valid):
        return self.r.choice([
            i32(0), i32(1), i32(valid + 1), i32(0xFFFFFFFF), i32(0xFFFFFFF0),
            i32(0x80000000), i32(0x7FFFFFFF), mem_end(0),
            i32(self.r.randrange(1 << 32))])

    def out_cell(self, slot_no):
        return L.OUT + 8 * slot_no

    def ptr(self, cell):
        return self.hostile_ptr() if self.chance(0.25) else i32(cell)

    def pair(self, addr, n):
        """A (pointer, length) pair, hostile one time in five."""
        c = self.r.randrange(10)
        if c == 0:
            return [self.hostile_ptr(), i32(n)]
        if c == 1:
            return [i32(addr), self.hostile_len(n)]
        return [i32(addr), i32(n)]

    def out_buf(self):
        base, size = self.data.buf, L.BUF_SIZE
        off = self.r.randrange(0, size, 8)
        n = self.r.choice([0, 1, 8, 64, 4096, size - off])
        if self.chance(0.15):  # written where the call reads from
            return [i32(self.r.choice([L.DATA, L.IOV, L.OUT])), i32(n)]
        return self.pair(base + off, n)

    def in_buf(self):
        end = self.data.end
        a = self.r.randrange(L.DATA, max(L.DATA + 1, end - 16))
        return self.pair(a, self.r.randrange(0, min(4096, end - a) + 1))

    def string(self, pool):
        b = self.r.choice(pools.pool(pool, self.enabled))
        return self.pair(*self.data.add(b, align=1))

    def table(self, name):
        """One of the prebuilt blobs of a kind: (addr, len or count)."""
        a, n = self.r.choice(self.pre[name])
        return self.pair(a, n)
    # }=====

    # {===== ids and numbers
    def slot_id(self, kind):
        j = self.r.randrange(4)
        return f"(call $pick (i32.const {L.KINDS.index(kind)}) (i32.const {j}))"

    def id(self, kind):
        if self.chance(0.7):
            return self.slot_id(kind)
        return i64(self.r.choice(I64_EDGES + [self.r.randrange(1 << 64)]))

    def pid(self):
        c = self.r.randrange(10)
        if c < 4:
            e = self.slot_id("pid")
        elif c < 5:
            e = "(call $self_pid)"
        elif c < 8:  # siblings, their children, the protected ones
            e = i64(self.r.randrange(0, 48))
        else:
            e = i64(self.r.choice(I64_EDGES + [self.r.randrange(1 << 64)]))
        return f"(call $safe_pid {e})"

    def ms(self):
        return i64(self.r.choice([0, 0, 1, 5, 20, 100, 2**62]
                                 + ([-1] if self.chance(0.1) else [])))
    # }=====

    def role(self, role, arg, cell):
        """Expressions for one role; cell is this parameter's out cell."""
        r = self.r
        simple = {
            "tag": lambda: i64(r.choice([0, 1, 7, -1, L.PING_TAG,
                                         r.randrange(1 << 64)])),
            "i64": lambda: i64(r.choice(I64_EDGES + [r.randrange(1 << 64)])),
            "cap": lambda: i64(r.choice([0, 16, 4096, 1 << 20, 1 << 31,
                                         1 << 40, -1])),
            "mem": lambda: i64(r.choice([0, 65536, 1 << 20, 1 << 26,
                                         (1 << 32) - 1, -1, 1 << 40])),
            "fuel": lambda: i64(r.choice([0, 1, 10, 1000, -1])),
            "msgidx": lambda: i64(r.choice([0, 0, 1, 2, -1, 1 << 40])),
            "off": lambda: i64(r.choice([0, 1, 4096, 1 << 32, -1, 1 << 62,
                                         -2**63, r.randrange(1 << 20)])),
            "f64": lambda: r.choice(["(f64.const 0)", "(f64.const 1.5)",
                                     "(f64.const -1e308)", "(f64.const inf)",
                                     "(f64.const -inf)", "(f64.const nan)"]),
            "flag": lambda: i32(r.choice([0, 1, 2, -1])),
            "i32": lambda: i32(r.choice(I32_EDGES + [r.randrange(1 << 32),
                                                     r.randrange(64)])),
            "addrtype": lambda: i32(r.choice([4, 4, 6, 0, 5, -1])),
            "port": lambda: i32(r.choice([0, 0, 1, 9, 65535, 65536, -1])),
            "catchfn": lambda: i32(r.choice(list(range(self.pre["ncatch"]))
                                            + [999, -1])),
            "cnt": lambda: i32(r.choice([0, 1, 1, 2, 3, 0x10000000, -1])),
            "ms": self.ms,
            "pid": self.pid,
        }
        if role in simple:
            return [simple[role]()]
        if role == "id":
            return [self.id(arg)]
        if role in ("ptr", "out4", "out8", "out"):
            return [self.ptr(cell)]
        if role == "fd":
            if self.chance(0.4):
                return [f"(i32.wrap_i64 {self.slot_id('fd')})"]
            return [i32(r.choice([0, 1, 2, 3, 3, 4, 5, 6, -1, 0x7FFFFFFF,
                                  1024]))]
        if role == "ipptr":
            return [self.hostile_ptr() if self.chance(0.15)
                    else i32(r.choice(self.pre["ip"]))]
        if role == "subs":
            return [self.hostile_ptr() if self.chance(0.15)
                    else i32(r.choice(self.pre["subs"])[0])]
        if role == "str":
            return self.string(arg)
        if role in ("buf", "certs"):
            return self.in_buf()
        if role in ("obuf", "nodes"):
            return self.out_buf()
        if role in ("iov", "oiov", "params", "tags", "bind", "wasm"):
            return self.table(role.lstrip("o"))
        raise SystemExit(f"abifuzz: values.py has no role '{role}'")


def spawn_param(kind, value):
    """One 17-byte entry of spawn's params: a type byte, 16 value bytes."""
    return bytes([kind]) + struct.pack("<QQ", value & (2**64 - 1), 0)
