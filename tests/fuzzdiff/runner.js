// runner.js: V8's side of the differential fuzzer (make fuzz-diff), the
// oracle. Runs each module named on the command line the way
// tests/fuzzdiff/run.c runs it on the interpreter and prints the same
// transcript (the format is described at the top of run.c).
// Needs --experimental-wasm-type-reflection: the export signatures tell
// what zero arguments to pass and how to print f32 results.
// Output goes through writeSync so that when the batch is killed for a
// hang, what was printed up to the hung call is on disk.
'use strict';
const fs = require('fs');

let out = [];
function emit(line) { out.push(line); }
function flush() {
  if (out.length) fs.writeSync(1, out.join('\n') + '\n');
  out = [];
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u64buf = new BigUint64Array(f64buf.buffer);

function hex(n, width) { return n.toString(16).padStart(width, '0'); }

// Same spelling as print_value() in run.c.
function fmt(type, v) {
  switch (type) {
    case 'i32': return String(v | 0);
    case 'i64': return String(BigInt.asIntN(64, v));
    case 'f32':
      if (Number.isNaN(v)) return 'nan';
      f32buf[0] = v;
      return 'f32:0x' + hex(u32buf[0], 8);
    case 'f64':
      if (Number.isNaN(v)) return 'nan';
      f64buf[0] = v;
      return 'f64:0x' + hex(u64buf[0], 16);
    case 'funcref': case 'externref': case 'anyfunc':
      return v === null ? 'null' : 'ref';
    default: return 'v128';
  }
}

// V8's trap messages mapped to the kinds run.c's trap_name() prints.
const TRAPS = [
  [/unreachable/, 'unreachable'],
  [/memory access out of bounds|data segment/, 'memory'],
  [/table index is out of bounds|element segment|table access/, 'table'],
  [/null function or function signature mismatch|function signature/, 'indirect'],
  [/divide by zero|remainder by zero/, 'divzero'],
  [/divide result unrepresentable|float unrepresentable/, 'overflow'],
  [/Maximum call stack size exceeded/, 'stack'],
];

function trapKind(e) {
  if (e instanceof TypeError) return 'host'; // a v128 crossing into JS
  const msg = String(e && e.message);
  for (const [re, kind] of TRAPS) if (re.test(msg)) return kind;
  return 'other:' + msg.replace(/\s+/g, '_');
}

function zero(type) { return type === 'i64' ? 0n : type.endsWith('ref') ||
  type === 'anyfunc' ? null : 0; }

// The fuzzing-support imports: every log-* function prints its arguments.
function makeImports(mod) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    const t = imp.type;
    if (imp.kind !== 'function' || imp.module !== 'fuzzing-support' ||
        !imp.name.startsWith('log') || t.results.length !== 0) {
      emit(`import-skip ${imp.module}.${imp.name}`);
      return null;
    }
    const params = t.parameters;
    imports[imp.module] = imports[imp.module] || {};
    imports[imp.module][imp.name] = (...args) => {
      params.forEach((p, i) => emit(`log ${letter(p)} ${fmt(p, args[i])}`));
    };
  }
  return imports;
}

// The sig letters run.c prints after "log".
function letter(type) {
  return { i32: 'i', i64: 'I', f32: 'f', f64: 'F', funcref: 'r',
           anyfunc: 'r', externref: 'e' }[type] || 'v';
}

function callExport(fn, type) {
  const sig = type.parameters.concat(type.results);
  if (sig.includes('v128')) { emit('skip v128'); return; }
  try {
    const r = fn(...type.parameters.map(zero));
    const vals = type.results.length === 1 ? [r] : (r === undefined ? [] : r);
    emit(['ret'].concat(type.results.map((t, i) => fmt(t, vals[i]))).join(' '));
  } catch (e) {
    emit('trap ' + trapKind(e));
  }
}

const RESET = 'hangLimitInitializer';

// Resets the hang limit; its logs and a trap (not in -ttf's code) show.
function callReset(fn) {
  try { fn(); } catch (e) { emit('reset trap ' + trapKind(e)); }
}

function fnv1a(bytes) {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  return h >>> 0;
}

function printState(mod, inst) {
  for (const e of WebAssembly.Module.exports(mod)) {
    const v = inst.exports[e.name];
    if (e.kind === 'memory') {
      const b = new Uint8Array(v.buffer);
      emit(`memory ${e.name} ${b.length} ${hex(fnv1a(b), 8)}`);
    } else if (e.kind === 'global') {
      let s = 'v128';
      if (e.type.value !== 'v128') s = fmt(e.type.value, v.value);
      emit(`global ${e.name} ${s}`);
    }
  }
}

function instantiate(mod) {
  const imports = makeImports(mod);
  if (imports === null) return null;
  try {
    return new WebAssembly.Instance(mod, imports);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) emit('inst error');
    else if (/segment|out of bounds/.test(String(e.message)) &&
             e instanceof WebAssembly.RuntimeError)
      emit('inst trap memory-or-table');
    else emit('inst trap ' + trapKind(e));
    return null;
  }
}

function runModule(path) {
  emit('module ' + path.split('/').pop());
  flush();
  let mod;
  try {
    mod = new WebAssembly.Module(fs.readFileSync(path));
  } catch (e) {
    emit('load error');
  }
  const inst = mod && instantiate(mod);
  if (inst) {
    // -ttf's hang limit (10 loop iterations and calls) is shared by all
    // calls; reset it before each, as binaryen's own harness does.
    const reset = inst.exports[RESET];
    for (const e of WebAssembly.Module.exports(mod)) {
      if (e.kind !== 'function') continue;
      emit('call ' + e.name);
      flush();
      if (typeof reset === 'function') callReset(reset);
      callExport(inst.exports[e.name], e.type);
    }
    printState(mod, inst);
  }
  emit('end');
  flush();
}

for (const path of process.argv.slice(2)) runModule(path);
