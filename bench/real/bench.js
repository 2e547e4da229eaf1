// bench/real/bench.js: a CPU-bound JavaScript workload for make bench-real
// (run by mujs). mujs bench.js SCALE: SCALE rounds of object, array,
// string, closure and recursion work; prints one line per part and a final
// checksum, all integers, so every engine must print the same bytes.
var scale = scriptArgs.length > 0 ? parseInt(scriptArgs[0], 10) : 10;

function mix(h, x) { return ((h * 31) + x) >>> 0; }

// objects in an array, sorted with a comparator, grouped by a string key
function objects(round) {
  var recs = [], seed = round * 7919 + 1, i;
  for (i = 0; i < 1500; i++) {
    seed = (seed * 1103 + 12345) % 2147483647;
    recs.push({ id: i, score: seed % 1000, tag: "t" + (seed % 37) });
  }
  recs.sort(function (a, b) { return a.score - b.score || a.id - b.id; });
  var h = 0, groups = {};
  for (i = 0; i < recs.length; i++) {
    h = mix(h, recs[i].id * (i + 1) % 65536);
    groups[recs[i].tag] = (groups[recs[i].tag] || 0) + recs[i].score;
  }
  var keys = Object.keys(groups).sort();
  for (i = 0; i < keys.length; i++) h = mix(h, groups[keys[i]]);
  return h;
}

// string building, split/join, regular expressions, JSON
var WORDS = ["spawn", "link", "monitor", "mailbox", "module", "memory", "table",
             "global", "process", "signal", "message", "node"];
function strings(round) {
  var parts = [], i;
  for (i = 1; i <= 600; i++)
    parts.push(WORDS[(i * round) % WORDS.length] + "-" + i + ":" + WORDS[i % WORDS.length]);
  var text = parts.join(" "), counts = {}, h = 0;
  var words = text.split(/[^a-z]+/);
  for (i = 0; i < words.length; i++) if (words[i]) counts[words[i]] = (counts[words[i]] || 0) + 1;
  for (i = 0; i < WORDS.length; i++) h = mix(h, counts[WORDS[i]] || 0);
  var up = text.replace(/([a-z]+)-(\d+)/g, function (m, w, n) { return w.toUpperCase() + n.length; });
  h = mix(h, up.length);
  var json = JSON.stringify({ round: round, counts: counts, first: parts.slice(0, 20) });
  var back = JSON.parse(json);
  h = mix(h, json.length);
  h = mix(h, back.first.length + back.counts.node);
  return mix(h, text.indexOf("node-1"));
}

// closures: counters, compose, map/filter/reduce
function closures(round) {
  function counter(step) { var n = 0; return function () { n += step; return n; }; }
  function compose(f, g) { return function (x) { return f(g(x)); }; }
  var c = counter(round % 5 + 1), xs = [], i;
  for (i = 0; i < 1500; i++) xs.push(c());
  var f = compose(function (x) { return x * 3; }, function (x) { return x + round; });
  return xs.map(f).filter(function (x) { return x % 7 !== 0; })
           .reduce(function (a, x) { return mix(a, x); }, 0);
}

// recursion and a tiny class hierarchy through prototypes
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function Shape(n) { this.n = n; }
Shape.prototype.area = function () { return this.n * this.n; };
function Rect(n, m) { Shape.call(this, n); this.m = m; }
Rect.prototype = Object.create(Shape.prototype);
Rect.prototype.area = function () { return this.n * this.m; };
function recursion(round) {
  var h = mix(0, fib(14 + round % 3)), i;
  for (i = 0; i < 1000; i++) {
    var s = i % 3 ? new Rect(i, round) : new Shape(i);
    h = mix(h, s.area() % 100000);
  }
  return h;
}

var total = 0, parts = { objects: 0, strings: 0, closures: 0, recursion: 0 };
for (var round = 1; round <= scale; round++) {
  var a = objects(round), b = strings(round), c = closures(round), d = recursion(round);
  parts.objects = mix(parts.objects, a);
  parts.strings = mix(parts.strings, b);
  parts.closures = mix(parts.closures, c);
  parts.recursion = mix(parts.recursion, d);
  total = mix(mix(mix(mix(total, a), b), c), d);
}
["objects", "strings", "closures", "recursion"].forEach(function (k) { print(k + " " + parts[k]); });
print("checksum " + total);
