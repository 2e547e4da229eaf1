"""client.py: the other end of the WASI guests that talk over sockets or
pipes (run by tests/wasi/run.sh, always under `timeout`).

  client.py echo PORT LOG   wait until LOG says the server is waiting, then
                            (late, so the accept has parked) send a line to
                            127.0.0.1:PORT and check the upper-cased reply
                            byte for byte up to EOF; then connect again and
                            hang up without sending (the server sees EOF)
  client.py slowread N      sleep 1 s, then read stdin to EOF and check it
                            is the N-byte pattern of guests/bigwrite.c
"""
import socket
import sys
import time


def fail(msg):
    print("client: " + msg)
    sys.exit(1)


def wait_for(log, text, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(log, "rb") as f:
            if text in f.read():
                return
        time.sleep(0.05)
    fail("the server never said %r" % text)


def echo(port, log):
    wait_for(log, b"waiting for a client")
    time.sleep(0.5)
    msg = b"hello, Lunatic 42 \xc3\xa9 z!\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(msg)
        reply = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            reply += d
    want = msg.upper()  # ASCII letters only, as the guest does
    if reply != want:
        fail("reply %r, want %r" % (reply, want))
    socket.create_connection(("127.0.0.1", port), timeout=10).close()
    print("client ok: %d bytes echoed" % len(reply))


def slowread(n):
    time.sleep(1)
    data = sys.stdin.buffer.read()
    if len(data) != n:
        fail("read %d bytes, want %d" % (len(data), n))
    want = bytes(((i * 7 + i // 251) & 0xFF) for i in range(n))
    if data != want:
        at = next(i for i in range(n) if data[i] != want[i])
        fail("first difference at byte %d" % at)
    print("reader ok: %d bytes in order" % n)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo(int(sys.argv[2]), sys.argv[3])
    else:
        slowread(int(sys.argv[2]))
