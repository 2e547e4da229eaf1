// exceptions.js: throw and catch (a longjmp inside mujs), finally, errors
// raised by the engine itself.
function risky(n) { if (n % 3 === 0) throw new Error("bad " + n); return n * 2; }
var log = [];
for (var i = 0; i < 12; i++) {
  try { log.push(risky(i)); } catch (e) { log.push(e.message); } finally { log.push("f" + i); }
}
print(log.join(","));
function deep(n) { if (n === 0) throw { code: 42 }; return deep(n - 1) + 1; }
try { deep(50); } catch (e) { print("caught code", e.code); }
var kinds = [];
try { null.x; } catch (e) { kinds.push(e.name); }
try { undefinedName; } catch (e) { kinds.push(e.name); }
try { eval("1 +"); } catch (e) { kinds.push(e.name); }
try { new Array(-1); } catch (e) { kinds.push(e.name); }
try { JSON.parse("{bad"); } catch (e) { kinds.push(e.name); }
print(kinds.join(" "));
function nested() {
  try {
    try { throw new TypeError("inner"); } finally { print("inner finally"); }
  } catch (e) { print("outer caught", e.name, e.message); throw new RangeError("again"); }
}
try { nested(); } catch (e) { print("top caught", e instanceof RangeError, String(e)); }
var count = 0;
for (var k = 0; k < 2000; k++) { try { if (k % 2) throw k; count += 1; } catch (x) { count += x; } }
print(count);
