-- closures.lua: upvalues, varargs, higher-order functions, metatables, goto.
local function counter()
  local n = 0
  return function(step) n = n + (step or 1); return n end
end
local c1, c2 = counter(), counter()
for _ = 1, 10 do c1() end
print(c1(), c2(5), c1(100), c2())
local fns = {}
for i = 1, 10 do fns[i] = function() return i * i end end
local s = 0
for _, f in ipairs(fns) do s = s + f() end
print(s)
local function map(f, t) local r = {} for i, v in ipairs(t) do r[i] = f(v) end return r end
local function filter(p, t) local r = {} for _, v in ipairs(t) do if p(v) then r[#r + 1] = v end end return r end
local function reduce(f, acc, t) for _, v in ipairs(t) do acc = f(acc, v) end return acc end
local nums = {}
for i = 1, 1000 do nums[i] = i end
print(reduce(function(a, b) return a + b end, 0, map(function(x) return x * x end, filter(function(x) return x % 3 == 0 end, nums))))
local function va(...) local n = select("#", ...) return n, ... end
print(va(), va(nil, nil), va(1, 2, 3))
local function compose(...)
  local fs = { ... }
  return function(x) for i = #fs, 1, -1 do x = fs[i](x) end return x end
end
print(compose(function(x) return x + 1 end, function(x) return x * 2 end)(20))
local Vec = {}
Vec.__index = Vec
Vec.__add = function(a, b) return setmetatable({ x = a.x + b.x, y = a.y + b.y }, Vec) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
Vec.__lt = function(a, b) return a.x < b.x end
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local v = Vec.new(1, 2) + Vec.new(3, 4)
print(tostring(v), v:len2(), v == Vec.new(4, 6), Vec.new(1, 0) < Vec.new(2, 0))
local i = 0
::top::
i = i + 1
if i < 5 then goto top end
print("goto", i)
local ok, err = pcall(function() return 42 end)
print(ok, err)
do
  local log = {}
  do
    local x <close> = setmetatable({}, { __close = function() log[#log + 1] = "closed" end })
    log[#log + 1] = "body"
  end
  print(table.concat(log, ","))
end
local t = setmetatable({}, { __mode = "k" })
collectgarbage()
print(type(collectgarbage("count")), next(t))
