#!/usr/bin/env python3
"""signals.py: send signals to a running `lunatic` and check how it ends.

Usage: signals.py LUNATIC APP.wasm SIGNAL COUNT WANT_STATUS [APP ARGS...]

Starts LUNATIC APP.wasm, lets it run for half a second, then sends SIGNAL
(INT or TERM) COUNT times, 0.3 s apart. Before each signal after the first
the process must still be running (else the case tests nothing). It must
then exit with exactly WANT_STATUS within 3 s: a positive status, so a
death by the signal itself (the default action) does not pass as
128 + N. Prints one line and exits 0 when it does."""
import signal
import subprocess
import sys
import time


def main():
    lunatic, app, name, count, want = sys.argv[1:6]
    sig = getattr(signal, "SIG" + name)
    p = subprocess.Popen([lunatic, app] + sys.argv[6:], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    time.sleep(0.5)
    if p.poll() is not None:
        sys.exit("ended before any signal, status %d" % p.returncode)
    for i in range(int(count)):
        if i:
            time.sleep(0.3)
            if p.poll() is not None:
                sys.exit("signal %d of %s came too late: it already ended "
                         "with %d" % (i + 1, count, p.returncode))
        p.send_signal(sig)
    sent = time.monotonic()
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        sys.exit("still running 3 s after the last SIG%s" % name)
    took = time.monotonic() - sent
    err = p.stderr.read().decode(errors="replace").strip()
    if p.returncode != int(want):
        sys.exit("status %d, want %s (stderr: %s)" % (p.returncode, want, err))
    print("ended with %d %.2f s after the last SIG%s" % (p.returncode,
                                                        took, name))


if __name__ == "__main__":
    main()
