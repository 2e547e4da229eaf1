"""Prebuilt argument blobs: iovec arrays, poll_oneoff subscriptions, spawn
parameter blobs, receive tag filters, bincode bind lists. Each table is a
list of (address, length-or-count) for values.Args.table."""

import struct

import layout as L
from values import spawn_param

U32, U64 = struct.Struct("<I"), struct.Struct("<Q")


def iovecs(buf):
    """Fixed arrays at L.IOV, 64 bytes apart: (blob, count) each."""
    arrays = [
        ([(buf, 16), (buf + 64, 100)], 2),
        ([(0xFFFFFFF0, 64)], 1),                 # buffer past the end
        ([(buf, 0xFFFFFFFF)], 1),                # length near 2^32
        ([(L.IOV + 3 * 64, 64)], 1),             # the array itself
        ([(0, 0)] * 4, 4),
        ([(buf, 16), (buf + 64, 100)], 0x10000000),  # huge count
        ([(L.DATA, 32)], 1),
        ([(buf, 8)] * 7, 0xFFFFFFFF),
    ]
    return [(b"".join(struct.pack("<II", p, n) for p, n in a), c)
            for a, c in arrays]


def subscription(tag, fd_or_clock, timeout=0, flags=0, userdata=7):
    s = U64.pack(userdata) + bytes([tag]) + bytes(7)
    s += U32.pack(fd_or_clock) + bytes(4) + U64.pack(timeout)
    s += U64.pack(0) + struct.pack("<H", flags) + bytes(6)
    assert len(s) == 48
    return s


def subscriptions():
    """Arrays at L.SUBS: a clock, fds, bad tags and clocks."""
    ms = 1_000_000
    return [subscription(0, 1, ms),
            subscription(1, 0) + subscription(0, 1, ms),
            subscription(9, 0),
            subscription(0, 77, ms) + subscription(2, 1),
            subscription(0, 0, 1, flags=1),
            subscription(0, 1, 2**63)]  # forever: the root kills it


def params():
    """Spawn parameter blobs at L.PARAMS: (blob, length)."""
    p = [(spawn_param(0x7E, 1), 17), (b"", 0), (spawn_param(0x7F, 3), 17),
         (spawn_param(0x7B, 9), 17), (spawn_param(0x00, 0), 17),
         (spawn_param(0x7E, 2), 16),
         (spawn_param(0x7E, 1) * 3, 51), (spawn_param(0x7E, 0), 0x7FFFFFF0)]
    return p


def bincode_lists():
    """lunatic::sqlite bind lists (LUNATIC_ABI.md 1.3.10), good and bad."""
    def key_num(n):
        return U32.pack(1) + U64.pack(n)

    def text(s, n=None):
        return U32.pack(2) + U64.pack(len(s) if n is None else n) + s

    def lst(n, *pairs):
        return U64.pack(n) + b"".join(pairs)
    return [
        lst(2, key_num(1) + U32.pack(4) + U32.pack(5),
            key_num(2) + text(b"hi")),
        lst(1, U32.pack(2) + U64.pack(2) + b":n" + U32.pack(5) + U64.pack(7)),
        lst(1, key_num(1) + text(b"x", 2**62)),
        lst(1, key_num(1) + U32.pack(1) + U64.pack(2**64 - 1)),
        lst(1, key_num(1) + U32.pack(9)),
        lst(2**63),
        lst(1),
        lst(1, key_num(0) + U32.pack(0)),
        lst(1, key_num(2**40) + U32.pack(3) + struct.pack("<d", 1.5)),
        lst(1, U32.pack(0) + U32.pack(0)),
    ]


def tag_filters(data):
    a, _ = data.add(struct.pack("<qq", 1, 7))
    return [(0, 0), (0, 0), (a, 2), (0xFFFFFFF0, 1), (a, 0x10000000),
            (L.DATA, 3)]


def ips(data):
    return [data.add(b)[0] for b in (bytes([127, 0, 0, 1]),
                                     bytes(15) + b"\x01", bytes(4),
                                     bytes([255] * 16))]
