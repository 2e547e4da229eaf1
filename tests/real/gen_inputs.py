"""Deterministic inputs for make test-real: files to compress, SQL scripts.

Everything is generated from fixed seeds, so every run (and every engine)
sees the same bytes. Imported by run.py; `python3 gen_inputs.py DIR` writes
them for a look.
"""
import os
import random
import sys

# Files for the compressors: (name, size, kind).
COMPRESS_FILES = [
    ("empty.bin", 0, "zero"),
    ("one.bin", 1, "random"),
    ("text-4k.txt", 4096, "text"),
    ("zeros-100k.bin", 100_000, "zero"),
    ("random-64k.bin", 65_536, "random"),
    ("text-300k.txt", 300_000, "text"),
    ("mixed-1m.bin", 1_000_000, "mixed"),
]

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt ut labore et dolore magna aliqua runtime process "
         "mailbox spawn link monitor wasm module memory table global").split()


def _text(rng, size):
    out = []
    n = 0
    line = 0
    while n < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
        s = "%05d %s\n" % (line, " ".join(words))
        out.append(s)
        n += len(s)
        line += 1
    return "".join(out).encode()[:size]


def file_bytes(size, kind, seed):
    rng = random.Random(seed)
    if kind == "zero":
        return bytes(size)
    if kind == "random":
        return rng.randbytes(size)
    if kind == "text":
        return _text(rng, size)
    # mixed: runs of text, random bytes and repeats of what came before
    out = bytearray()
    while len(out) < size:
        k = rng.randrange(3)
        n = rng.randint(100, 20_000)
        if k == 0:
            out += _text(rng, n)
        elif k == 1:
            out += rng.randbytes(n)
        elif out:
            start = rng.randrange(len(out))
            out += out[start:start + n]
    return bytes(out[:size])


def sql_script(n_rows=2000, seed=7):
    """A few thousand statements: schema, inserts in transactions, indexes,
    updates, deletes, and queries over most of SQLite's SQL (joins,
    aggregates, window functions, CTEs, JSON, printf, string functions).
    No random(), no dates, no floating results printed beyond what SQLite's
    own printf formats."""
    rng = random.Random(seed)
    s = []
    a = s.append
    a("CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT NOT NULL, weight REAL);")
    a("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER REFERENCES grp(id),"
      " val REAL, qty INTEGER, data BLOB, note TEXT);")
    for g in range(1, 21):
        a("INSERT INTO grp VALUES(%d, 'group-%02d', %s);" % (g, g, repr(g * 0.75)))
    a("BEGIN;")
    for i in range(1, n_rows + 1):
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 12)))
        note = "NULL" if i % 11 == 0 else "'%s'" % " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
        a("INSERT INTO item VALUES(%d, '%s', %d, %s, %d, x'%s', %s);" % (
            i, name, rng.randint(1, 20), repr(round(rng.uniform(-1000, 1000), 3)),
            rng.randint(0, 500), rng.randbytes(rng.randint(0, 8)).hex(), note))
        if i % 500 == 0:
            a("COMMIT;")
            a("BEGIN;")
    a("COMMIT;")
    a("CREATE INDEX item_grp ON item(grp, val);")
    a("CREATE INDEX item_name ON item(name);")
    a("SELECT count(*), sum(qty), total(val), min(name), max(name) FROM item;")
    a("SELECT g.label, count(*), sum(i.qty), printf('%.3f', avg(i.val)), min(i.val), max(i.val)"
      " FROM item i JOIN grp g ON g.id = i.grp GROUP BY g.id ORDER BY g.id;")
    for k in range(300):
        lo = rng.randint(1, n_rows)
        a("SELECT id, name, printf('%%8.2f', val), qty, hex(data), coalesce(note, '-')"
          " FROM item WHERE id BETWEEN %d AND %d ORDER BY id;" % (lo, lo + rng.randint(0, 4)))
    for k in range(300):
        a("UPDATE item SET qty = qty + %d, val = round(val * 1.5, 3) WHERE id %% %d = %d;" % (
            k % 7, 37 + k % 11, k % 37))
    for k in range(200):
        a("DELETE FROM item WHERE id = %d;" % rng.randint(1, n_rows))
    for k in range(200):
        a("INSERT OR REPLACE INTO item(id, name, grp, val, qty, note) VALUES(%d, upper('r%d'), %d, %d.25, %d, 'replaced');" % (
            rng.randint(1, n_rows + 100), k, rng.randint(1, 20), k, k))
    for g in range(1, 21):
        a("SELECT %d, count(*), group_concat(substr(name, 1, 2), ''), sum(length(note)) FROM item WHERE grp = %d;" % (g, g))
    for k in range(100):
        a("SELECT name, val FROM item WHERE name LIKE '%s%%' ORDER BY val DESC, id LIMIT 3;" % rng.choice("abcdefghij"))
    a("SELECT grp, id, val, row_number() OVER w, rank() OVER w, sum(qty) OVER w FROM item"
      " WHERE id % 97 = 0 WINDOW w AS (PARTITION BY grp ORDER BY val DESC) ORDER BY grp, id;")
    a("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)"
      " SELECT count(*), sum(x), sum(x * x), printf('%.6e', total(1.0 / x)) FROM c;")
    a("WITH RECURSIVE fib(a, b, n) AS (SELECT 0, 1, 0 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 80)"
      " SELECT n, a FROM fib WHERE n % 10 = 0;")
    a("SELECT json_object('id', id, 'name', name, 'tags', json_array(grp, qty)) FROM item WHERE id % 250 = 3 ORDER BY id;")
    a("SELECT json_extract('{\"a\":[1,2,{\"b\":\"c\"}]}', '$.a[2].b'), json_array_length('[1,2,3,4]');")
    a("SELECT upper(name), lower('ÀB'), length(name), instr(name, 'a'), replace(name, 'a', '_'), trim('  x  '),"
      " substr(name, -3), name GLOB '*e*', quote(data), typeof(val) FROM item WHERE id % 400 = 1 ORDER BY id;")
    a("SELECT 7 / 2, 7 % 3, -7 / 2, 7.0 / 2, cast('12abc' AS INTEGER), cast(3.99 AS INTEGER), abs(-5), round(2.5),"
      " round(-2.567, 2), 1e308 * 10, 9223372036854775807 + 1, hex(zeroblob(4)), char(72, 105), unicode('é');")
    a("CREATE VIEW summary AS SELECT grp, count(*) AS n, sum(qty) AS q FROM item GROUP BY grp;")
    a("SELECT s.grp, s.n, s.q, g.label FROM summary s LEFT JOIN grp g ON g.id = s.grp WHERE s.n > 90 ORDER BY s.q DESC;")
    a("CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, msg TEXT);")
    a("CREATE TRIGGER item_del AFTER DELETE ON item BEGIN INSERT INTO log(msg) VALUES('deleted ' || old.id); END;")
    a("DELETE FROM item WHERE qty > 480;")
    a("SELECT count(*), min(msg), max(id) FROM log;")
    a("SELECT grp, count(*) FROM item GROUP BY grp HAVING count(*) > 100 ORDER BY 2 DESC, 1;")
    a("SELECT a.id, b.id FROM item a JOIN item b ON a.qty = b.qty AND a.id < b.id WHERE a.id < 60 ORDER BY 1, 2 LIMIT 40;")
    a("SELECT id FROM item WHERE id IN (SELECT max(id) FROM item GROUP BY grp) ORDER BY id;")
    a("SELECT DISTINCT grp % 5 FROM item ORDER BY 1;")
    a("SELECT count(*) FROM item WHERE note IS NULL UNION ALL SELECT count(*) FROM item WHERE note IS NOT NULL;")
    a("PRAGMA integrity_check;")
    a("SELECT count(*), sum(qty), printf('%.3f', total(val)) FROM item;")
    return "\n".join(s) + "\n"


SQL_READBACK = ("SELECT count(*), sum(qty), printf('%.3f', total(val)) FROM item;\n"
                "SELECT * FROM grp ORDER BY id DESC LIMIT 3;\n"
                "SELECT id, name, hex(data) FROM item ORDER BY id LIMIT 5;\n"
                "PRAGMA integrity_check;\n")


def write_all(d):
    """Write every input into folder d (only the ones missing)."""
    os.makedirs(d, exist_ok=True)
    files = {}
    for i, (name, size, kind) in enumerate(COMPRESS_FILES):
        files[name] = lambda size=size, kind=kind, i=i: file_bytes(size, kind, 1000 + i)
    files["script.sql"] = lambda: sql_script().encode()
    files["readback.sql"] = lambda: SQL_READBACK.encode()
    for name, make in files.items():
        p = os.path.join(d, name)
        if not os.path.exists(p):
            with open(p + ".tmp", "wb") as f:
                f.write(make())
            os.replace(p + ".tmp", p)
    return d


if __name__ == "__main__":
    write_all(sys.argv[1] if len(sys.argv) > 1 else "inputs")
