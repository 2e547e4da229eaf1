-- strings.lua: the pattern matcher, gsub, byte/char, utf8.
local s = "Hello, World! The year is 2024; pi is 3.14159."
print(s:upper(), s:lower(), #s, s:sub(8, 12), s:sub(-8), s:reverse())
print(s:find("World"), s:find("o", 6), s:find("%d+"), s:find(".", 1, true), s:match("(%d+)%.(%d+)"))
print(s:gsub("o", "0"), s:gsub("%w+", string.upper, 3), s:gsub("(%w+), (%w+)", "%2 %1"))
for k, v in ("a=1, b=22, ccc=333"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, ";") end
print()
print(("  trim me  "):match("^%s*(.-)%s*$"), ("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
print(string.byte("ABC", 1, -1), string.char(72, 105), ("%bxy"):len(), ("f(a(b)c)d"):match("%b()"))
print(("hello world from lua"):gsub("(%w+)", "<%1>"))
print(("abc"):rep(5), ("x"):rep(0), ("a,b,,c"):gsub(",", ";"))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #utf8.char(128512))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
local parts = {}
for i = 1, 3000 do parts[i] = tostring(i) end
local joined = table.concat(parts, "+")
print(#joined, joined:sub(1, 30), select(2, joined:gsub("%+", "")))
local acc = ""
for i = 1, 500 do acc = acc .. string.char(65 + i % 26) end
print(#acc, acc:sub(1, 40), acc:find("XYZ"), acc:find("ZYX"))
print(string.format("%s", ("x"):rep(10000)):len(), ("frontier THE (quick) fox"):find("%f[%a]%a+%f[%A]"))
print(tostring(nil), tostring(true), tonumber("0x1p4"), tonumber("  12  "), tonumber("z", 36), tonumber("1e2"), tonumber("abc"))
print(string.pack and #string.pack("i4i8d", 1, 2, 3.0), string.unpack("<i4", string.pack("<i4", -5)))
