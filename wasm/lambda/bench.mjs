// bench.mjs measures the edge module under Node.js WASI (what Lambda@Edge
// runs): node bench.mjs EDGE.wasm CONFIG_WARM CONFIG_COLD PATH MASTER CAPS N
// prints JSON {gate_warm, gate_cold, rewrite} each {p50_ns, p99_ns, n},
// timing every call with process.hrtime.bigint().
import { readFileSync } from 'node:fs';
import { instantiate } from './index.mjs';

const [wasmFile, warmCfg, coldCfg, path, masterFile, caps, nArg] = process.argv.slice(2);
const n = Number(nArg || 10000);
const wasm = readFileSync(wasmFile);
const master = readFileSync(masterFile);

function measure(iterations, fn) {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm up the JIT
  const t = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const s = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - s);
  }
  t.sort((a, b) => a - b);
  return { p50_ns: t[Math.floor(iterations * 0.5)], p99_ns: t[Math.floor(iterations * 0.99)], n: iterations };
}

const warm = await instantiate(wasm, readFileSync(warmCfg));
const cold = await instantiate(wasm, readFileSync(coldCfg));
const now = Date.now();
const check = (m) => () => {
  if (m.gate(path, now).status !== 'allow') throw new Error('gate denied the bench token');
};
const out = {
  gate_warm: measure(n, check(warm)),
  gate_cold: measure(Math.max(100, Math.floor(n / 20)), check(cold)),
  rewrite: measure(n, () => {
    if (warm.rewrite(caps, master).status !== 'ok') throw new Error('rewrite failed');
  }),
  memory_bytes: warm.memoryBytes(),
};
process.stdout.write(JSON.stringify(out) + '\n');
