-- bench/real/bench.lua: a CPU-bound Lua workload for make bench-real.
-- lua bench.lua SCALE: SCALE rounds of table, string, closure and
-- recursion work; prints one line per part and a final checksum, all
-- integers, so every engine must print the same bytes as the native build.
local scale = math.tointeger(tonumber(arg[1])) or 10

local function mix(h, x) return (h * 31 + x) & 0xffffffff end

-- records in an array, sorted with a comparator closure, then scanned
local function tables(round)
  local recs = {}
  local seed = round * 7919 + 1
  for i = 1, 4000 do
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    recs[i] = { id = i, score = seed % 1000, tag = "t" .. (seed % 37) }
  end
  table.sort(recs, function(a, b)
    if a.score ~= b.score then return a.score < b.score end
    return a.id < b.id
  end)
  local h, groups = 0, {}
  for i, r in ipairs(recs) do
    h = mix(h, r.id * i)
    groups[r.tag] = (groups[r.tag] or 0) + r.score
  end
  local keys = {}
  for k in pairs(groups) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do h = mix(h, groups[k]) end
  return h
end

-- formatting, pattern matching, gsub, concat, word counts
local WORDS = { "spawn", "link", "monitor", "mailbox", "module", "memory", "table",
                "global", "process", "signal", "message", "node" }
local function strings(round)
  local parts = {}
  for i = 1, 1500 do
    parts[#parts + 1] = string.format("%s-%d:%s", WORDS[(i * round) % #WORDS + 1], i, WORDS[i % #WORDS + 1])
  end
  local text = table.concat(parts, " ")
  local counts, h = {}, 0
  for w in text:gmatch("%a+") do counts[w] = (counts[w] or 0) + 1 end
  for _, w in ipairs(WORDS) do h = mix(h, counts[w] or 0) end
  local up = text:gsub("(%a+)-(%d+)", function(w, n) return w:upper() .. (#n) end)
  h = mix(h, #up)
  for n in up:gmatch("%u+(%d)") do h = mix(h, tonumber(n)) end
  local s, e = text:find("node-1", 1, true)
  h = mix(h, s or 0)
  return mix(h, #text:rep(3, ","))
end

-- closures: counters, compose, map/filter/fold over arrays
local function closures(round)
  local function counter(step)
    local n = 0
    return function() n = n + step; return n end
  end
  local function compose(f, g) return function(x) return f(g(x)) end end
  local function map(t, f) local o = {} for i = 1, #t do o[i] = f(t[i]) end return o end
  local function filter(t, p) local o = {} for i = 1, #t do if p(t[i]) then o[#o + 1] = t[i] end end return o end
  local function fold(t, f, a) for i = 1, #t do a = f(a, t[i]) end return a end
  local c = counter(round % 5 + 1)
  local xs = {}
  for i = 1, 3000 do xs[i] = c() end
  local f = compose(function(x) return x * 3 end, function(x) return x + round end)
  local ys = filter(map(xs, f), function(x) return x % 7 ~= 0 end)
  return fold(ys, function(a, x) return mix(a, x) end, 0)
end

-- recursion and a coroutine generator
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local function queens(n)
  local cols, d1, d2, count = {}, {}, {}, 0
  local function place(r)
    if r > n then count = count + 1; return end
    for c = 1, n do
      if not cols[c] and not d1[r + c] and not d2[r - c + n] then
        cols[c], d1[r + c], d2[r - c + n] = true, true, true
        place(r + 1)
        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil
      end
    end
  end
  place(1)
  return count
end
local function recursion(round)
  local gen = coroutine.wrap(function()
    for i = 1, 2000 do coroutine.yield(i * round) end
  end)
  local h = 0
  for _ = 1, 2000 do h = mix(h, gen()) end
  return mix(mix(h, fib(18 + round % 3)), queens(6 + round % 2))
end

local total = 0
local parts = { tables = 0, strings = 0, closures = 0, recursion = 0 }
for round = 1, scale do
  local a, b, c, d = tables(round), strings(round), closures(round), recursion(round)
  parts.tables = mix(parts.tables, a)
  parts.strings = mix(parts.strings, b)
  parts.closures = mix(parts.closures, c)
  parts.recursion = mix(parts.recursion, d)
  total = mix(mix(mix(mix(total, a), b), c), d)
end
for _, k in ipairs({ "tables", "strings", "closures", "recursion" }) do
  print(k, parts[k])
end
print("checksum", total)
