// objects.js: objects, arrays, sorting, JSON, closures, prototypes.
var recs = [];
for (var i = 0; i < 2000; i++) recs.push({ id: i, key: (i * 7919) % 1013, name: "n" + ((i * 31) % 97) });
recs.sort(function (a, b) { return a.key - b.key || b.id - a.id; });
var out = [];
for (var j = 0; j < 2000; j += 250) out.push(recs[j].id + ":" + recs[j].key + ":" + recs[j].name);
print(out.join(" "));
var nums = [];
for (var k = 0; k < 3000; k++) nums.push((k * 2654435761) % 100003);
nums.sort(function (a, b) { return a - b; });
print(nums.slice(0, 5).join(","), nums.slice(-3).join(","), nums.length);
var words = "the quick brown fox jumps over the lazy dog and the cat".split(" ");
var count = {};
words.forEach(function (w) { count[w] = (count[w] || 0) + 1; });
var keys = Object.keys(count).sort();
print(keys.map(function (w) { return w + "=" + count[w]; }).join(" "));
print(JSON.stringify({ a: [1, 2, { b: null, c: "x\ny\"z" }], d: true, e: 1.5e-7, f: "\u00e9" }));
print(JSON.stringify(JSON.parse('{"x":[1,2,3],"y":{"z":"w"},"n":-0.5}'), null, 2));
function Counter() { var n = 0; return { inc: function (s) { n += s || 1; return n; }, get: function () { return n; } }; }
var c1 = Counter(), c2 = Counter();
for (var m = 0; m < 10; m++) c1.inc();
print(c1.get(), c2.inc(5), c1.inc(100));
function Animal(name) { this.name = name; }
Animal.prototype.speak = function () { return this.name + " makes a sound"; };
function Dog(name) { Animal.call(this, name); }
Dog.prototype = Object.create(Animal.prototype);
Dog.prototype.speak = function () { return this.name + " barks"; };
print(new Animal("cat").speak(), new Dog("rex").speak(), new Dog("a") instanceof Animal);
var sq = nums.filter(function (x) { return x % 3 === 0; }).map(function (x) { return x * x; })
  .reduce(function (a, b) { return a + b; }, 0);
print(sq);
var o = { x: 1, y: 2 };
Object.defineProperty(o, "z", { value: 3, enumerable: false });
var props = [];
for (var p in o) props.push(p);
print(props.join(","), o.z, Object.getOwnPropertyNames(o).sort().join(","), "z" in o, o.hasOwnProperty("w"));
var arr = [5, 1, 4];
arr.reverse(); arr.unshift(0); arr.splice(1, 1, "a", "b");
print(arr, arr.indexOf(4), arr.concat([9, [8]]).length, Array.isArray(arr), typeof arr, typeof null);
