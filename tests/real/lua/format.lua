-- format.lua: string.format and tostring, the C library's printf underneath.
print(string.format("%d\t x: %d\n", 4, 5))
io.write(string.format("%d\t x: %d\n", 4, 5))
print(string.format("%5d|%-5d|%05d|%+d|%x|%X|%o|%c%c%c", 42, 42, 42, 42, 255, 255, 8, 76, 117, 97))
print(string.format("%s|%10s|%-10s|%.3s|%q", "abc", "right", "left", "truncate", 'a "quoted"\n\0 string'))
print(string.format("%f|%.2f|%10.4f|%-10.1f|%e|%.3E|%g|%g|%g", math.pi, math.pi, -math.pi, 2.25, 12345.678, 0.000123, 1e20, 1e-5, 100.0))
print(string.format("%i %u", -7, 7), string.format("%%"), string.format("%q", 1/3), string.format("%q", math.mininteger))
for i = -3, 3 do io.write(string.format("[%3d:%6.2f:%-4s]", i, i / 3, tostring(i * 1.5))) end
print()
local parts = {}
for i = 1, 200 do parts[#parts + 1] = string.format("%d:%x:%.1f", i * i, i * 31, i / 7) end
print(#table.concat(parts, ","), table.concat(parts, ",", 190, 200))
print(tostring(1e15), tostring(1e16), tostring(-0.0), tostring(2^63), 123456789012 * 1000, 0.1 + 0.2)
print(("x"):rep(3, "-"), ("%d items"):format(3), #string.format("%099d", 1))
