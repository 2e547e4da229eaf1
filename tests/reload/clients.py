"""clients.py: the socket side of tests/reload/run.sh.
  http PORT PID APP V1 V2 RELOADS  one keep-alive connection through
      RELOADS reloads (APP replaced by V2, V1, V2... then SIGHUP to PID):
      after each, new connections get the new version's reply and the old
      connection, still open, gets it within two requests
  chat PORT PID APP  clients connected through a reload stay connected and
      see messages before and after it, with a client of the new version
Exits 0 when every check holds, else prints why and exits 1."""
import os, shutil, signal, socket, sys, time

REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def fail(msg):
    print("clients: FAIL: " + msg)
    sys.exit(1)


def http_get(sock):
    sock.sendall(REQ)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            fail("connection closed by the server")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l for l in head.split(b"\r\n")
             if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(body) < n:
        body += sock.recv(4096)
    return body.decode()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def replace(app, src):
    tmp = app + ".tmp"
    shutil.copyfile(src, tmp)
    os.replace(tmp, app)


def http(port, pid, app, v1, v2, reloads):
    old = connect(port)
    if "version 1" not in http_get(old):
        fail("the first reply is not version 1's")
    for i in range(reloads):
        want, src = ("version 2", v2) if i % 2 == 0 else ("version 1", v1)
        replace(app, src)
        os.kill(pid, signal.SIGHUP)
        deadline = time.time() + 10
        while True:  # the reload is done when a new connection sees it
            s = connect(port)
            got = http_get(s)
            s.close()
            if want in got:
                break
            if time.time() > deadline:
                fail("reload %d: new connections still get %r" % (i, got))
            time.sleep(0.01)
        replies = [http_get(old) for _ in range(2)]
        if want not in replies[1]:
            fail("reload %d: the open connection got %r" % (i, replies))
    old.close()
    print("clients: http: %d reloads, the open connection moved each time"
          % reloads)


class Client:
    def __init__(self, port, name):
        self.s = connect(port)
        self.buf = b""
        self.name = name
        self.expect("Welcome")

    def say(self, line):
        self.s.sendall(line.encode() + b"\r\n")

    def expect(self, text):
        deadline = time.time() + 10
        while text.encode() not in self.buf:
            self.s.settimeout(max(0.1, deadline - time.time()))
            try:
                chunk = self.s.recv(4096)
            except socket.timeout:
                chunk = None
            if not chunk:
                fail("%s: no %r (got %r)" % (self.name, text, self.buf[-200:]))
            self.buf += chunk
        i = self.buf.index(text.encode()) + len(text)
        self.buf = self.buf[i:]


def chat(port, pid, app):
    cs = [Client(port, "c%d" % i) for i in range(3)]
    for c in cs:
        c.say("/nick " + c.name)
    cs[0].say("before the reload")
    for c in cs:
        c.expect("c0: before the reload")
    replace(app, app)  # the same code again: a new version all the same
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.5)
    cs.append(Client(port, "new"))  # a client served by the new version
    cs[3].say("/nick new")
    cs[1].say("after the reload")
    for c in cs:
        c.expect("c1: after the reload")
    cs[3].say("hello from the new one")
    for c in cs:
        c.expect("new: hello from the new one")
    for c in cs:
        c.s.close()
    print("clients: chat: 3 clients kept through a reload, one joined after")


if __name__ == "__main__":
    mode, port, pid, app = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4]
    if mode == "http":
        http(port, pid, app, sys.argv[5], sys.argv[6], int(sys.argv[7]))
    else:
        chat(port, pid, app)
