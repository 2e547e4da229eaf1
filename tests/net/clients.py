#!/usr/bin/env python3
"""clients.py: scripted clients for the networking end-to-end tests.

    clients.py echo PORT N          N concurrent connections, byte-exact echo
    clients.py hostile PORT N [KIND]
                                    a slow client, a garbage client and N
                                    connections opened and dropped at once,
                                    while normal clients keep being answered
                                    (KIND: echo, the default, http or chat:
                                    what a normal client does)
    clients.py chat PORT            several chat clients; a killed one leaves
    clients.py idle PORT N PID      N idle connections held open: the server
                                    (PID) must use ~no CPU; prints its RSS per
                                    connection
    clients.py churn PORT N PID [check|report [KIND]]
                                    N connections opened and dropped at once:
                                    the server's RSS returns to its baseline
                                    (report: print it, do not check)
    clients.py shutdown PORT        ask the server to exit cleanly (echo.c's
                                    shutdown request), so ASan checks leaks
Exits 0 and prints "ok NAME", or prints the failure and exits 1."""
import os, random, select, socket, sys, threading, time

def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise RuntimeError("EOF after %d of %d bytes" % (len(buf), n))
        buf += d
    return buf

def echo_once(port, size):
    s = connect(port)
    data = os.urandom(size)
    s.sendall(data)
    got = recv_exact(s, size)
    s.close()
    if got != data:
        raise RuntimeError("echo mismatch")

def echo(port, n):
    """n connections open at once, each sending a few random chunks."""
    socks = [connect(port) for _ in range(n)]
    want = {}
    for s in socks:
        data = os.urandom(random.randint(1, 20000))
        want[s] = data
        s.setblocking(False)
    pending = {s: 0 for s in socks}   # bytes sent
    got = {s: b"" for s in socks}
    deadline = time.time() + 60
    while any(len(got[s]) < len(want[s]) for s in socks):
        if time.time() > deadline:
            raise RuntimeError("echo: timed out")
        w = [s for s in socks if pending[s] < len(want[s])]
        r, wr, _ = select.select(socks, w, [], 1)
        for s in wr:
            try:
                pending[s] += s.send(want[s][pending[s]:pending[s] + 4096])
            except BlockingIOError:
                pass
        for s in r:
            try:
                d = s.recv(65536)
            except BlockingIOError:
                continue
            if not d:
                raise RuntimeError("echo: early EOF")
            got[s] += d
    for s in socks:
        if got[s] != want[s]:
            raise RuntimeError("echo: bytes differ")
        s.close()
    print("ok echo %d connections" % n)

def proc_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)

def proc_cpu_s(pid):
    """utime + stime of pid in seconds (/proc/PID/stat fields 14, 15)."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")

def settle_rss(pid, secs=1.0):
    """The RSS once it stops changing (freed processes are reaped async)."""
    prev = proc_rss_kib(pid)
    for _ in range(20):
        time.sleep(secs / 4)
        cur = proc_rss_kib(pid)
        if abs(cur - prev) < 64:
            return cur
        prev = cur
    return prev

def burst(port, n):
    """n connections opened at once, then reset (SO_LINGER 0) together."""
    import struct
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    time.sleep(0.2)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    return len(socks)

def http_once(port):
    s = connect(port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    got = b""
    while b"Hello, world!" not in got:
        d = s.recv(4096)
        if not d:
            raise RuntimeError("http: EOF after %r" % got)
        got += d
    s.close()

def chat_once(port):
    c = LineReader(connect(port))
    c.until(b" joined\r\n", 10)
    c.sock.sendall(b"/quit\r\n")
    c.sock.close()

# What a normal client of each server does once (and must see work).
PROBES = {"echo": lambda port: echo_once(port, 1000), "http": http_once,
          "chat": chat_once}

def churn_once(port, n, pid, probe=PROBES["echo"]):
    burst(port, n)
    for _ in range(5):
        probe(port)
    return settle_rss(pid, 2.0)

def churn(port, n, pid, check=True, kind="echo"):
    """The baseline is the RSS once bursts stop raising it: glibc malloc
    keeps each worker thread's arena at its high-water mark (with
    MALLOC_ARENA_MAX=1 the plateau comes after the first burst; with one
    arena per worker, after one burst per worker), which is not a leak.
    From there, three more bursts must leave the RSS at the baseline.
    check=False (the ASan run) only reports: ASan's quarantine holds freed
    memory back on purpose, and LSan checks for leaks at exit instead."""
    start = settle_rss(pid)
    slack = lambda kib: max(6144, kib // 10)   # KiB: 10%, at least 6 MiB
    # Which worker's arena a burst lands in varies, so warm up with at
    # least one burst per worker (plus one), until two in a row stay put.
    probe = PROBES[kind]
    base, stable, warm = churn_once(port, n, pid, probe), 0, 1
    while warm < 10 and (warm < os.cpu_count() + 1 or stable < 2):
        cur = churn_once(port, n, pid, probe)
        warm += 1
        stable = stable + 1 if cur <= base + slack(base) else 0
        base = max(base, cur)
    after = max(churn_once(port, n, pid, probe) for _ in range(3))
    ok = after <= base + slack(base) or not check
    print("%s churn: RSS %d KiB at start, baseline %d KiB (plateau of the "
          "allocator's arenas, after %d warm-up bursts), %d KiB after 3 more x %d connections opened "
          "and dropped (slack %d KiB%s)" % (
              "ok" if ok else "FAIL", start, base, warm, after, n, slack(base), "" if check else ", not checked under ASan"))
    if not ok:
        raise RuntimeError("RSS did not return to its baseline")

def idle(port, n, pid, secs=3.0):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    rss0 = settle_rss(pid)
    socks = []
    for i in range(n):
        socks.append(connect(port))
    # Each connection is served (one byte echoed) before the idle window,
    # so every server process has run and parked on its socket.
    for s in socks:
        s.sendall(b"x")
    for s in socks:
        recv_exact(s, 1)
    time.sleep(0.5)
    rss1 = settle_rss(pid)
    # one fd per connection: no process holds a directory it was not given
    fds = len(os.listdir("/proc/%d/fd" % pid))
    if fds > n + 64:
        raise RuntimeError("%d connections, but the server holds %d fds" %
                           (n, fds))
    cpu0, t0 = proc_cpu_s(pid), time.time()
    time.sleep(secs)
    cpu = proc_cpu_s(pid) - cpu0
    wall = time.time() - t0
    for s in socks:
        s.close()
    per = (rss1 - rss0) * 1024 / n
    msg = ("%d idle connections: server CPU %.3f s over %.1f s idle (%.1f%%), "
           "RSS %d -> %d KiB, %.1f KiB per connection, %d fds" % (
               n, cpu, wall, 100 * cpu / wall, rss0, rss1, per / 1024, fds))
    if cpu > 0.05 * wall:
        raise RuntimeError("idle connections cost CPU: " + msg)
    print("ok " + msg)

def shutdown(port):
    """echo.c's shutdown request, then one more connection: the acceptor
    notices the request when its accept returns."""
    s = connect(port)
    s.sendall(SHUTDOWN_REQ)
    if recv_exact(s, 4) != b"bye\n":
        raise RuntimeError("shutdown: no bye")
    s.close()
    try:
        connect(port, 2).close()
    except OSError:
        pass
    print("ok shutdown requested")

SHUTDOWN_REQ = b"\0lunatic-test: shutdown\n"

def hostile(port, n, kind="echo"):
    stop = threading.Event()
    errors = []
    def slow():
        s = connect(port)
        for b in b"slowloris":
            if stop.is_set():
                break
            s.send(bytes([b]))
            time.sleep(1)
        s.close()
    def garbage():
        s = connect(port)
        try:
            for _ in range(50):
                s.send(os.urandom(4096))
                s.recv(65536)
        except OSError:
            pass
        s.close()
    ts = [threading.Thread(target=slow), threading.Thread(target=garbage)]
    for t in ts:
        t.start()
    # n connections opened and dropped at once (RST on close: SO_LINGER 0)
    import struct
    burst = []
    for _ in range(n):
        try:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            burst.append(s)
        except OSError as e:
            errors.append(str(e))
            break
    time.sleep(0.2)
    for s in burst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    # the others keep being answered meanwhile
    t0 = time.time()
    for i in range(50):
        PROBES[kind](port)
    lat = time.time() - t0
    stop.set()
    for t in ts:
        t.join()
    if lat > 10:
        raise RuntimeError("server too slow under attack: %.1fs" % lat)
    print("ok hostile (%d dropped connections, 50 %s clients in %.2fs)" % (
        len(burst), kind, lat))

class LineReader:
    """A socket with a buffer: text past a match stays for the next wait."""
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
    def until(self, text, t=5):
        self.sock.settimeout(t)
        while text not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise RuntimeError("chat: EOF waiting for %r in %r" % (text, self.buf))
            self.buf += d
        i = self.buf.index(text) + len(text)
        got, self.buf = self.buf[:i], self.buf[i:]
        return got

def chat(port):
    import struct
    cs = []
    # One at a time, each waiting for its own "joined": then every later
    # broadcast reaches all five.
    # Each is greeted first, with how to use the chat.
    for _ in range(5):
        c = LineReader(connect(port, 5))
        hello = c.until(b" joined\r\n")
        for want in (b"* Welcome to the chat.", b"/nick NAME", b"/list",
                     b"/quit", b"longer than 512 bytes are cut"):
            if want not in hello or hello.index(want) > hello.index(b" joined"):
                raise RuntimeError("chat: no %r before joined in %r" % (want, hello))
        cs.append(c)
    names = ["ann", "bob", "cid", "dee", "eve"]
    for c, nm in zip(cs, names):
        c.sock.sendall(b"/nick " + nm.encode() + b"\r\n")
    for c in cs:
        c.until(b"is now eve")
    cs[0].sock.sendall(b"hello everyone\r\n")
    for c in cs:
        c.until(b"ann: hello everyone")
    cs[1].sock.sendall(b"/list\r\n")
    cs[1].until(b"* here:")
    # A line over 512 bytes: its first 512 go out, the sender is told, and
    # the rest is dropped, not said as a line of its own.
    # (The notice goes to the sender straight, the cut line through the
    # room: either may come first.)
    cs[0].sock.sendall(b"y" * 600 + b"\r\nafter the long one\r\n")
    cut = b"ann: " + b"y" * 512 + b"\r\n"
    for i, c in enumerate(cs):
        got = c.until(b"ann: after the long one\r\n")
        notice = b"only its first 512 were sent" in got
        if cut not in got or notice != (i == 0):
            raise RuntimeError("chat: client %d, long line: %r" % (i, got))
        if b"y" * 20 in got.replace(cut, b""):
            raise RuntimeError("chat: the cut line's rest was said: %r" % got)
    # abrupt disconnect of cid (RST): the others see it leave
    cs[2].sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cs[2].sock.close()
    for i in (0, 1, 3, 4):
        cs[i].until(b"* cid left")
    cs[3].sock.sendall(b"/quit\r\n")
    for i in (0, 1, 4):
        cs[i].until(b"* dee left")
    cs[1].sock.sendall(b"/list\r\n")
    cs[1].until(b"here:")
    line = cs[1].until(b"\r\n")
    if b"cid" in line or b"dee" in line:
        raise RuntimeError("chat: a gone client is still listed: %r" % line)
    print("ok chat")

def main():
    what, port = sys.argv[1], int(sys.argv[2])
    try:
        if what == "echo":
            echo(port, int(sys.argv[3]))
        elif what == "hostile":
            hostile(port, int(sys.argv[3]),
                    sys.argv[4] if len(sys.argv) > 4 else "echo")
        elif what == "chat":
            chat(port)
        elif what == "idle":
            idle(port, int(sys.argv[3]), int(sys.argv[4]))
        elif what == "churn":
            churn(port, int(sys.argv[3]), int(sys.argv[4]),
                  len(sys.argv) < 6 or sys.argv[5] != "report",
                  sys.argv[6] if len(sys.argv) > 6 else "echo")
        elif what == "shutdown":
            shutdown(port)
    except Exception as e:
        print("FAIL %s: %s" % (what, e))
        sys.exit(1)

main()
