// fib.js: recursion, numbers and their formatting.
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
for (var n = 0; n <= 22; n += 2) print(n + " " + fib(n));
var a = 0, b = 1;
for (var i = 0; i < 100; i++) { var t = a + b; a = b; b = t; }
print(a, b, a % 1000, (a / 3).toFixed(4), a.toExponential(6), a.toPrecision(12));
print(0.1 + 0.2, 1 / 3, -1 / 3, 1e21, 1e-7, 123456789.125, 2 / 0, -2 / 0, 0 / 0, -0);
print((255).toString(16), (255).toString(2), (-255).toString(36), parseInt("ff", 16), parseFloat("3.5e3x"), Number("0x10"));
print(Math.floor(-3.5), Math.ceil(-3.5), Math.round(2.5), Math.round(-2.5), Math.abs(-7), Math.max(1, 9, 3), Math.min());
print(Math.sqrt(2), Math.sin(1), Math.exp(1), Math.log(10), Math.pow(2, 0.5), Math.atan2(1, 2), Math.PI);
print(7 % -2, -7 % 2, 7 / 2 | 0, -7 >> 1, -7 >>> 28, 1 << 31, ~5, 5 ^ 3, 0x7fffffff + 1);
var s = 0;
for (var k = 1; k <= 200000; k++) s += 1 / k;
print(s.toFixed(12), s);
