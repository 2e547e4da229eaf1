-- tables.lua: arrays, hashes, sorting with and without a comparator.
math.randomseed(42)
local t = {}
for i = 1, 5000 do t[i] = math.random(1, 100000) end
table.sort(t)
local ok = true
for i = 2, #t do if t[i - 1] > t[i] then ok = false end end
print("sorted", ok, t[1], t[2500], t[5000])
local recs = {}
for i = 1, 2000 do recs[i] = { id = i, key = (i * 7919) % 1013, name = "n" .. ((i * 31) % 97) } end
table.sort(recs, function(a, b) if a.key ~= b.key then return a.key < b.key end return a.id > b.id end)
for i = 1, 2000, 250 do io.write(recs[i].id, ":", recs[i].key, ":", recs[i].name, " ") end
print()
local words = {}
for w in ("the quick brown fox jumps over the lazy dog and the cat"):gmatch("%a+") do
  words[w] = (words[w] or 0) + 1
end
local keys = {}
for k in pairs(words) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", words[k], " ") end
print()
local q = {}
for i = 1, 100 do table.insert(q, i) end
for i = 1, 50 do table.remove(q, 1) end
table.insert(q, 1, -1)
print(#q, q[1], q[2], q[#q], table.unpack(q, 1, 5))
print(select("#", table.unpack({1, 2, nil, 4}, 1, 4)), table.pack(1, nil, 3).n)
local m = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
print(table.concat(m, " "))
local sum = 0
local big = {}
for i = 1, 100000 do big[i] = i * 2 end
for i, v in ipairs(big) do sum = sum + v end
print(sum, #big)
local h = {}
for i = 1, 20000 do h["k" .. i] = i end
local c, s = 0, 0
for k, v in pairs(h) do c = c + 1; s = s + v end
print(c, s, h.k123, h.k20000, h.k20001)
for i = 1, 20000, 2 do h["k" .. i] = nil end
c = 0
for _ in pairs(h) do c = c + 1 end
print(c, next({}), rawlen({1, 2, 3}), rawequal(h, h))
local mt = setmetatable({}, { __index = function(_, k) return k * 2 end, __len = function() return 99 end })
print(mt[21], #mt)
