-- coroutines.lua: generators, producer/consumer, wrap, status.
-- A yield unwinds the C stack with longjmp (lua_yieldk throws LUA_YIELD).
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local s = 0
for v in gen(1000) do s = s + v end
print(s)
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
local function producer()
  return coroutine.create(function()
    for i = 1, 5 do coroutine.yield("item" .. i) end
    return nil
  end)
end
local p = producer()
local got = {}
while true do
  local _, item = coroutine.resume(p)
  if not item then break end
  got[#got + 1] = item
end
print(table.concat(got, " "), coroutine.isyieldable())
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local count = 0
for p2 in coroutine.wrap(function() permgen({ 1, 2, 3, 4, 5, 6 }) end) do
  count = count + 1
  if count <= 3 then print(table.concat(p2, "")) end
end
print(count)
print(pcall(error, "an error"))
print(select(2, pcall(function() local x = nil; return x.y end)))
