// run_node.js: run a wasm32-wasi program on node's WASI (preview1).
//   node run_node.js [--dir HOST[:GUEST]]... [--env KEY=VALUE]... APP.wasm [ARGS...]
// The same command line as `lunatic run`: the guest gets argv[0] = APP.wasm
// as given, then ARGS; the host's environment plus each --env; the
// directories given with --dir and no other; this process's stdin, stdout
// and stderr. The exit status is the guest's proc_exit code (0 when _start
// returns); a trap prints one line and exits with 128 + 1.
'use strict';
const fs = require('fs');
const { WASI } = require('wasi');

function usage(msg) {
  process.stderr.write(`run_node.js: ${msg}\n` +
    'usage: node run_node.js [--dir HOST[:GUEST]]... [--env KEY=VALUE]... APP.wasm [ARGS...]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = Object.assign({}, process.env);
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--dir' || a === '--env') {
    const v = argv[++i];
    if (v === undefined) usage(`${a} needs a value`);
    if (a === '--dir') {
      const c = v.indexOf(':');
      const host = c < 0 ? v : v.slice(0, c);
      const guest = c < 0 ? v : v.slice(c + 1);
      if (!fs.existsSync(host) || !fs.statSync(host).isDirectory()) usage(`--dir ${host}: not a directory`);
      preopens[guest] = host;
    } else {
      const e = v.indexOf('=');
      if (e <= 0) usage(`--env ${v}: expected KEY=VALUE`);
      env[v.slice(0, e)] = v.slice(e + 1);
    }
  } else if (a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    break;
  }
}
if (i >= argv.length) usage('no APP.wasm');
const app = argv[i];
let bytes;
try {
  bytes = fs.readFileSync(app);
} catch (e) {
  process.stderr.write(`run_node.js: cannot read '${app}': ${e.message}\n`);
  process.exit(1);
}
const wasi = new WASI({ version: 'preview1', args: argv.slice(i), env, preopens, returnOnExit: true });
let status;
try {
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  status = wasi.start(instance);
} catch (e) {
  process.stderr.write(`run_node.js: trap in ${app}: ${e && e.message}\n`);
  status = 129;
}
// Let stdout drain before exiting (process.exitCode, not process.exit()).
process.exitCode = status & 255;
