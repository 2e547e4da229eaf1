#!/usr/bin/env python3
"""peer.py: hostile and odd peers for tests/nodes/faults.sh.

  peer.py garbage HOST PORT            bytes that are not TLS
  peer.py client HOST PORT CERT KEY    a TLS client presenting CERT (one
                                       the node must refuse)
  peer.py serve PORT CERT KEY          a TLS server presenting CERT, for a
                                       node to dial (and refuse); runs
                                       until killed
  peer.py frames HOST PORT CERT KEY NAME CASE
                                       a member with a valid certificate
                                       that, after its HELLO, sends CASE:
                                       garbage, oversize, version, type,
                                       or spawn (SPAWNs of a module it then
                                       serves wrong bytes for, around a
                                       message to a process that does not
                                       exist)
  peer.py flood HOST PORT N            N TCP connections that never start
                                       a handshake

Each prints one line saying what happened; the exit status says whether
it is what the node must do. The frame layout is docs/nodes.md's."""
import os
import resource
import select
import socket
import ssl
import struct
import sys
import time

MAGIC, VERSION = 0xD7, 1
HELLO, HEARTBEAT, MESSAGE, CLOSE = 1, 2, 3, 5
SPAWN, SPAWN_REPLY, FETCH = 16, 17, 24
MAX_PAYLOAD = 65536


def frame(ftype, payload=b"", version=VERSION, length=None):
    n = len(payload) if length is None else length
    return struct.pack("<BBBBIQ", MAGIC, version, ftype, 0, n, 0) + payload


def hello(name):
    b = name.encode()
    return struct.pack("<HQH", 1, int.from_bytes(os.urandom(8), "little") | 1,
                       0) + struct.pack("<H", len(b)) + b


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the node is the one that checks
    ctx.load_cert_chain(cert, key)
    return ctx


def closed_within(sock, seconds):
    """True if the peer closes sock within seconds (data is read away)."""
    end = time.time() + seconds
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            if not sock.recv(65536):
                return True
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionError, ssl.SSLError, OSError):
            return True
    return False


def garbage(host, port):
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n" + os.urandom(200))
    ok = closed_within(s, 5)
    print("garbage before the handshake:", "closed" if ok else "NOT closed")
    return ok


def client(host, port, cert, key):
    raw = socket.create_connection((host, int(port)), timeout=5)
    try:
        s = tls_context(cert, key).wrap_socket(raw)
        # TLS 1.3: the server checks the client's certificate after the
        # client thinks the handshake is done; the refusal comes as EOF
        # or an alert on the first read.
        ok = closed_within(s, 5)
    except (ssl.SSLError, ConnectionError, OSError) as e:
        ok = True
        print("handshake failed:", e)
    print("refused client:", "closed" if ok else "NOT closed")
    return ok


def serve(port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.check_hostname = False
    ctx.load_verify_locations(cert)  # anything: only the node decides
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        try:
            t = ctx.wrap_socket(c, server_side=True)
            closed_within(t, 2)
        except (ssl.SSLError, OSError):
            pass
        c.close()


class Link:
    """A member's side of a link: HELLO sent, heartbeats kept up."""

    def __init__(self, host, port, cert, key, name):
        raw = socket.create_connection((host, int(port)), timeout=5)
        self.s = tls_context(cert, key).wrap_socket(raw)
        self.buf = b""
        self.closed = None  # the CLOSE reason, or "EOF"
        self.s.sendall(frame(HELLO, hello(name)))

    def next_frame(self, seconds):
        """(type, payload) of the next frame other than a heartbeat, or
        None when the node hung up or nothing came in time."""
        end = time.time() + seconds
        while time.time() < end:
            if len(self.buf) >= 16:
                _, _, t, _, n, _ = struct.unpack("<BBBBIQ", self.buf[:16])
                if len(self.buf) >= 16 + n:
                    p, self.buf = self.buf[16:16 + n], self.buf[16 + n:]
                    if t == CLOSE:
                        self.closed = p.decode(errors="replace")
                        return None
                    if t != HEARTBEAT:
                        return t, p
                    continue
            self.s.sendall(frame(HEARTBEAT))
            self.s.settimeout(0.05)
            try:
                data = self.s.recv(65536)
            except (socket.timeout, TimeoutError, ssl.SSLWantReadError):
                continue
            except (ssl.SSLError, OSError):
                data = b""
            if not data:
                self.closed = self.closed or "EOF"
                return None
            self.buf += data
        return None

    def wait_for(self, ftype, seconds):
        end = time.time() + seconds
        while time.time() < end:
            f = self.next_frame(end - time.time())
            if f is None:
                return None
            if f[0] == ftype:
                return f[1]
        return None


BAD = {
    "garbage": lambda: b"\x00" + os.urandom(63),
    "oversize": lambda: frame(MESSAGE, b"", length=MAX_PAYLOAD + 1),
    "version": lambda: frame(HEARTBEAT, version=VERSION + 1),
    "type": lambda: frame(99),
}


def spawn_bad_module(link, req):
    """A SPAWN of a module only this peer has; the node fetches it and
    gets bytes that do not match the hash. The SPAWN_REPLY's rc."""
    h = os.urandom(16)
    func = b"f"
    link.s.sendall(frame(SPAWN, struct.pack("<Q", req) + h +
                         struct.pack("<H", len(func)) + func +
                         struct.pack("<I", 0)))
    asked = link.wait_for(FETCH, 5)
    if asked != h:
        return "no FETCH of the module"
    body = struct.pack("<QQq", 0, 0, FETCH) + h + b"\0asm not this one"
    link.s.sendall(frame(MESSAGE, body))
    r = link.wait_for(SPAWN_REPLY, 10)
    if r is None or len(r) < 12:
        return "no SPAWN_REPLY (%s)" % link.closed
    rreq, rc = struct.unpack("<Qi", r[:12])
    return "rc %d" % rc if rreq == req else "reply to another request"


def frames(host, port, cert, key, name, case):
    link = Link(host, port, cert, key, name)
    if link.wait_for(HELLO, 5) is None:
        print("no HELLO from the node:", link.closed)
        return False
    if case == "spawn":
        first = spawn_bad_module(link, 1)
        stray = struct.pack("<QQq", 5, 0x7FFFFFF0, 1) + b"to nobody"
        link.s.sendall(frame(MESSAGE, stray))
        second = spawn_bad_module(link, 2)
        print("spawn of a module served wrong: %s; after a message to no "
              "process: %s; link open: %s" %
              (first, second, link.closed is None))
        return first == second == "rc 2" and link.closed is None
    link.s.sendall(BAD[case]())
    while link.next_frame(5) is not None:
        pass
    print("%s: node closed the link: %s" % (case, link.closed))
    return link.closed not in (None, "EOF")


def flood(host, port, n):
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    n = min(n, want - 64)
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, int(port)))
        socks.append(s)
    start = time.time()
    open_ = {s.fileno(): s for s in socks}
    at = {}
    # poll, not select: more than 1024 descriptors
    p = select.poll()
    for fd in open_:
        p.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while open_ and time.time() - start < 15:
        for fd, _ in p.poll(100):
            try:
                gone = not open_[fd].recv(16)
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                p.unregister(fd)
                del open_[fd]
                at[fd] = time.time() - start
    times = sorted(at.values())
    early = sum(1 for t in times if t < 1)
    print("flood of %d: %d closed within 1 s, all %d closed after %.1f s, "
          "%d still open" % (n, early, len(times),
                             times[-1] if times else 0, len(open_)))
    for s in socks:
        s.close()
    return not open_


def main(argv):
    cmds = {"garbage": (garbage, 2), "client": (client, 4),
            "serve": (serve, 3), "frames": (frames, 6), "flood": (flood, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__)
        return 2
    return 0 if cmds[argv[1]][0](*argv[2:]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
