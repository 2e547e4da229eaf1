-- errors.lua: error, pcall, xpcall, error objects, errors inside coroutines
-- (each error is a longjmp inside Lua).
local function risky(n) if n % 3 == 0 then error("bad " .. n) end return n * 2 end
local out = {}
for i = 0, 11 do
  local ok, v = pcall(risky, i)
  out[#out + 1] = ok and tostring(v) or v
end
print(table.concat(out, ","))
local function deep(n) if n == 0 then error({ code = 42 }) end return deep(n - 1) + 1 end
local ok, e = pcall(deep, 150)
print(ok, type(e), e.code)
print(xpcall(function() return nil + 1 end, function(m) return "handled: " .. m end))
print(pcall(error))
print(pcall(error, "msg", 0), pcall(error, "msg", 2))
print(select(2, pcall(string.rep)), select(2, pcall(setmetatable, 1, {})))
local co = coroutine.create(function() coroutine.yield(1); error("in coroutine") end)
print(coroutine.resume(co))
print(coroutine.resume(co))
print(coroutine.status(co), coroutine.resume(co))
local count = 0
for i = 1, 2000 do
  local okk, v = pcall(function() if i % 2 == 1 then error(i, 0) end return 1 end)
  count = count + (okk and v or v)
end
print(count)
local t = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
print(pcall(function() return t.x end))
print(string.format("%s", select(2, pcall(load, "return +"))), load("return +"))
