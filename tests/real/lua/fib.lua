-- fib.lua: recursion, integer and float arithmetic, memoisation.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
for n = 0, 24, 3 do print(n, fib(n)) end
local memo = {}
local function mfib(n)
  if n < 2 then return n end
  local v = memo[n]
  if v then return v end
  v = mfib(n - 1) + mfib(n - 2)
  memo[n] = v
  return v
end
print(mfib(90), mfib(92), math.type(mfib(92)))
local f = 0.0
for i = 1, 100000 do f = f + 1 / i end
print(string.format("%.12f", f), f)
local a, b = 0, 1
for _ = 1, 200 do a, b = b, a + b end  -- wraps around: Lua integers are 64-bit
print(a, b, a // 7, a % 1000, -a >> 3, a ~ b, 7 // -2, 7 % -2, -7 // 2, 7.5 // 2)
print(math.maxinteger + 1 == math.mininteger, 1e308 * 10, -1e308 * 10, 2^53, 10 / 4, 3 | 5)
print(math.floor(-3.5), math.ceil(-3.5), math.fmod(-7, 3), math.abs(math.mininteger), math.ult(1, -1))
print(math.sqrt(2), math.sin(1), math.exp(1), math.log(10), math.log(8, 2), math.pi)
print(tostring(0/0) == tostring(0/0), 1/0, -1/0, math.tointeger(3.0), 3 == 3.0, 0x7fffffffffffffff)
