"""Where things live in a fuzz program's linear memory (every process runs
the same module, so every process has this layout), and the constants the
generated code and the runner share."""

OUT = 0x100        # the out-pointer cells host calls write ids and counts to
OUT_SIZE = 0x100
SLOTS = 0x400      # id rings: SLOT_BYTES per kind (see KINDS)
SLOT_BYTES = 48    # i32 counter at +0, four i64 entries from +8
MARK = 0x800       # marker strings the runner and the harness use
IOV = 0xA00        # prebuilt iovec arrays
SUBS = 0xC00       # prebuilt poll_oneoff subscriptions
PARAMS = 0xE00     # prebuilt spawn parameter blobs
DATA = 0x1000      # string pools, bincode blobs, child modules, bytes
BUF_SIZE = 0x10000  # the buffer host calls write into (after DATA)
ALLOC_SIZE = 0x10000  # lunatic_alloc's bump region (after the buffer)

# The resource kinds whose ids the program keeps, in slot order. "pid" and
# "fd" are not resources but are kept the same way.
KINDS = ["config", "module", "error", "conn", "stmt", "timer", "dns", "tcpl",
         "tcps", "tlsl", "tlss", "udp", "pid", "fd", "query"]

# Processes the fuzz code must never kill, link, or send to: the root and
# the ping pair, which the root spawns first (so pids 2 and 3). Guarded at
# run time by $safe_pid.
ROOT_PID, PONG_PID, PING_PID = 1, 2, 3
PING_TAG, PONG_TAG, COUNT_TAG = 0x70696E67, 0x706F6E67, 0x636F756E

# Lines the program prints (the runner reads them from stdout).
PING_LINE = "ABIFUZZ-PING"
END_LINE = "ABIFUZZ-END"
ESCAPE_LINE = "ABIFUZZ-ESCAPE"
BADPID_LINE = "ABIFUZZ-BADPIDS"
CALLS_METRIC = "abifuzz.calls"


def slot(kind):
    return SLOTS + KINDS.index(kind) * SLOT_BYTES
