// node_grow.mjs: runs an import-free module's _start (bench/grow/grow.wat)
// under node, for `make bench-grow`: node bench/grow/node_grow.mjs M.wasm
// A trap becomes an exception, so a nonzero exit.
import { readFile } from 'node:fs/promises';
import process from 'node:process';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/grow/node_grow.mjs MODULE.wasm');
  process.exit(2);
}
const { instance } = await WebAssembly.instantiate(await readFile(file), {});
instance.exports._start();
