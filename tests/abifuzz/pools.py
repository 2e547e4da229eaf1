"""The byte strings a fuzz program passes where a host function wants a
string: per pool, plausible values first, then hostile ones. Entries that
hit a known, open runtime bug carry its KNOWN_OPEN flag name and are left
out unless that flag is enabled (gen.py --enable)."""

LONG = b"a" * 5000

POOLS = {
    # registry and get_or_spawn names
    "name": [b"a", b"abifuzz/n1", b"abifuzz/n2", b"", b"x" * 300,
             b"\xff\xfe", b"a\x00b"],
    # exported functions to spawn: the leaves, then wrong ones
    "fn": [b"leaf_exit", b"leaf_i64", b"leaf_trap", b"leaf_block",
           b"leaf_script", b"leaf_grow", b"nosuch", b"memory",
           b"lunatic_alloc", b"_lunatic_catch_trap", b"", b"\xc3\x28"],
    "db": [b":memory:", b":memory:", b"abifuzz.db", b"./sub/x.db",
           b"../outside.db", b"/tmp/abifuzz-escape/open.db",
           b"file:/tmp/abifuzz-escape/uri.db?mode=rwc", b"", b"\xff",
           b"sub\x00x"],
    "sql": [b"CREATE TABLE IF NOT EXISTS t(a, b)",
            b"INSERT INTO t VALUES (1, 'x'), (2, x'00ff'), (3, 2.5)",
            b"SELECT * FROM t", b"SELECT ?1, ?2, :n, @m, $o",
            b"SELECT a, b, a || b AS c FROM t WHERE a > ?",
            b"SELEC", b"", b"\x00", b";;;", b"SELECT 1; SELECT 2",
            b"SELECT '" + b"q" * 60000 + b"'",
            b"SELECT 1" + b" UNION ALL SELECT 1" * 600,
            b"SELECT " + b"(" * 1000 + b"1" + b")" * 1000,
            b"CREATE TABLE e.t(x)",
            b"PRAGMA writable_schema = 1",
            b"SELECT load_extension('/lib/x.so')",
            b"SELECT randomblob(100000)", b"\xff\xfe SELECT"],
    "metric": [b"m1", b"m2", b"", b"\xff", b"m" * 2000],
    "env": [b"K", b"ABIFUZZ", b"=", b"", b"\xff", b"a=b"],
    "arg": [b"x", b"", b"--flag", b"\xff", LONG],
    "dir": [b".", b"sub", b"/nonexistent-abifuzz", b"", b"\xff", b"a\x00b"],
    "path": [b"f", b"d", b"d/f", b"sub", b"sub/x.db", b"lnk", b".", b"",
             b"..", b"../x", b"a/../../b", b"/etc/passwd", b"/", LONG,
             b"x\x00y", b"\xff\xfe", b"d/" * 200],
    "addr": [b"localhost:1", b"127.0.0.1:9", b"[::1]:9", b"nohost", b"",
             b":", b"a" * 300 + b":1", b"\xff:1", b"localhost:99999"],
    "host": [b"localhost", b"127.0.0.1", b"", b"\xff", b"a" * 300],
    "query": [b"k=v", b"", b"&&==", b"\xff"],
    "pem": [b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"", b"\xff" * 40],
}

# Entries enabled only with their KNOWN_OPEN flag, by pool.
GATED = {
    # config_preopen_dir accepts any host path (issue 15, item 4)
    "preopen_host_path": {"dir": [b"/", b"/etc", b"..", b"/tmp"]},
    # found by this fuzzer: SQL names any host file (repro/
    # sqlite_attach_escape.wat)
    "sqlite_attach_escape": {"sql": [
        b"ATTACH DATABASE '/tmp/abifuzz-escape/attach.db' AS e",
        b"VACUUM INTO '/tmp/abifuzz-escape/vacuum.db'"]},
    # SQL that runs for seconds hogs a worker (issue 15, item 3)
    "sql_hog": {"sql": [b"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                        b"SELECT x + 1 FROM c WHERE x < 300000000) "
                        b"SELECT count(*) FROM c"]},
}


def pool(name, enabled):
    out = list(POOLS[name])
    for flag, extra in GATED.items():
        if flag in enabled:
            out += extra.get(name, [])
    return out
