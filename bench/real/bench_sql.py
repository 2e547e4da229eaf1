"""The SQL workload of make bench-real: sqlite3 :memory: < bench.sql.

sql_script(rows) returns a script of a few thousand statements: two tables
filled by single-row INSERTs (the parser and the B-tree insert path) and by
INSERT ... SELECT over a recursive CTE, indexes, joins, GROUP BY
aggregates, window functions, correlated subqueries, UPDATEs and DELETEs,
string functions, ORDER BY with LIMIT. Deterministic (fixed seed); every
result printed is an integer or a string formatted by SQLite's own printf.
"""
import random

WORDS = ("spawn link monitor mailbox module memory table global process signal "
         "message node supervisor registry").split()


def sql_script(rows, seed=20):
    rng = random.Random(seed)
    customers = max(rows // 10, 10)
    s = []
    a = s.append
    a("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, region INTEGER, joined INTEGER);")
    a("CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER NOT NULL, amount INTEGER,"
      " day INTEGER, note TEXT);")
    a("BEGIN;")
    for i in range(1, customers + 1):
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        a("INSERT INTO customer VALUES(%d, '%s %d', %d, %d);" % (
            i, name, i, rng.randint(0, 16), rng.randint(0, 3650)))
    a("COMMIT;")
    a("BEGIN;")
    for i in range(1, rows + 1):
        note = "NULL" if i % 13 == 0 else "'%s'" % rng.choice(WORDS)
        a("INSERT INTO orders VALUES(%d, %d, %d, %d, %s);" % (
            i, rng.randint(1, customers), rng.randint(1, 100000), rng.randint(0, 364), note))
    a("COMMIT;")
    # the same again from SQL itself: no parsing per row
    a("WITH RECURSIVE c(x) AS (SELECT %d UNION ALL SELECT x + 1 FROM c WHERE x < %d)"
      " INSERT INTO orders SELECT x, (x * 7919) %% %d + 1, (x * 104729) %% 100000, x %% 365,"
      " 'gen ' || hex(x * x) FROM c;" % (rows + 1, rows * 4, customers))
    a("CREATE INDEX orders_cust ON orders(cust, day);")
    a("CREATE INDEX orders_amount ON orders(amount);")
    a("CREATE INDEX customer_region ON customer(region, name);")
    a("SELECT count(*), sum(amount), min(day), max(day), count(note) FROM orders;")
    a("SELECT c.region, count(*), sum(o.amount), printf('%.2f', avg(o.amount))"
      " FROM orders o JOIN customer c ON c.id = o.cust GROUP BY c.region ORDER BY c.region;")
    a("SELECT day / 30 AS month, count(*), sum(amount), max(amount) FROM orders"
      " GROUP BY month ORDER BY month;")
    for k in range(40):
        lo = rng.randint(1, 99000)
        a("SELECT count(*), sum(amount) FROM orders WHERE amount BETWEEN %d AND %d;" % (lo, lo + 1000))
    for k in range(40):
        a("SELECT c.name, sum(o.amount) AS t FROM customer c JOIN orders o ON o.cust = c.id"
          " WHERE c.id BETWEEN %d AND %d GROUP BY c.id ORDER BY t DESC, c.id LIMIT 3;" % (
              (k * 37) % customers + 1, (k * 37) % customers + 20))
    a("SELECT id, name, (SELECT count(*) FROM orders o WHERE o.cust = c.id) AS n FROM customer c"
      " ORDER BY n DESC, id LIMIT 10;")
    a("SELECT cust, day, amount, rank() OVER w, sum(amount) OVER w FROM orders"
      " WHERE cust %% %d = 1 WINDOW w AS (PARTITION BY cust ORDER BY amount DESC, id)"
      " ORDER BY cust, 4 LIMIT 200;" % max(customers // 20, 1))
    a("SELECT note, count(*), sum(length(note)) FROM orders GROUP BY note ORDER BY note;")
    a("SELECT upper(substr(name, 1, 4)), count(*) FROM customer WHERE name LIKE '%o%'"
      " GROUP BY 1 ORDER BY 2 DESC, 1;")
    for k in range(20):
        a("UPDATE orders SET amount = amount + %d WHERE day = %d;" % (k + 1, k * 17 % 365))
    a("DELETE FROM orders WHERE amount % 97 = 0;")
    a("SELECT count(*), sum(amount) FROM orders;")
    a("SELECT o.day, count(DISTINCT o.cust), sum(o.amount) FROM orders o"
      " WHERE o.cust IN (SELECT id FROM customer WHERE region < 4) GROUP BY o.day"
      " ORDER BY 3 DESC, 1 LIMIT 10;")
    a("SELECT a.cust, count(*) FROM orders a JOIN orders b ON a.cust = b.cust AND a.day = b.day"
      " AND a.id < b.id GROUP BY a.cust ORDER BY 2 DESC, 1 LIMIT 10;")
    a("PRAGMA integrity_check;")
    return "\n".join(s) + "\n"
