// Runs a WASI (preview1) command module under node's built-in `wasi` module, for the
// bench runner: node --no-warnings bench/node_wasi.mjs PROG.wasm [args...]
// Exit status is the module's exit code (proc_exit or 0 when _start returns).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --no-warnings bench/node_wasi.mjs PROG.wasm [args...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...rest],
  env: {},
  returnOnExit: true, // proc_exit returns here instead of killing node mid-write
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance) ?? 0;
