#!/usr/bin/env node
// Times one ONNX model with ONNX Runtime's CPU execution provider (npm
// onnxruntime-node) the same way `seam bench` times it, and prints one JSON
// line with the same keys, so bench/run_benchmarks.py can compare the two.
//
// usage: node ort_bench.js --model M.onnx [--threads N] [--runs N] [--warmup N]
//
// Inputs follow seam bench's rules: the declared shapes with symbolic
// dimensions set to 1; float inputs get the same deterministic pseudo-random
// values in [-1, 1) (a 32-bit LCG seeded with 12345 + input index), every
// other dtype zeros.
//
// onnxruntime-node is looked up in bench/.ort/node_modules (bench/setup_ort.sh
// installs it there), then in the usual Node.js places.
'use strict';

const os = require('os');
const path = require('path');

// Returns { ort, version }.
function loadOrt() {
  const scratch = path.join(__dirname, '..', '.ort', 'node_modules');
  for (const paths of [[scratch], undefined]) {
    let pkg;
    try {
      pkg = require.resolve('onnxruntime-node/package.json', paths ? { paths } : undefined);
    } catch (e) {
      continue;
    }
    return { ort: require(path.dirname(pkg)), version: require(pkg).version };
  }
  console.error('ort_bench.js: onnxruntime-node not found; run bench/setup_ort.sh');
  process.exit(1);
}

function usage(code) {
  (code ? console.error : console.log)(
    'usage: node ort_bench.js --model M.onnx [--threads N] [--runs N] [--warmup N]\n\n' +
    '--threads 0 (default) means one thread per online core.');
  process.exit(code);
}

function parseArgs(argv) {
  const a = { model: null, threads: 0, runs: 20, warmup: 3 };
  for (let i = 0; i < argv.length; i++) {
    const opt = argv[i];
    if (opt === '--help' || opt === '-h') usage(0);
    if (i + 1 >= argv.length) {
      console.error(`ort_bench.js: ${opt} needs a value`);
      usage(2);
    }
    const val = argv[++i];
    if (opt === '--model') a.model = val;
    else if (opt === '--threads' || opt === '--runs' || opt === '--warmup') {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 0) {
        console.error(`ort_bench.js: ${opt} needs a whole number, got '${val}'`);
        usage(2);
      }
      a[opt.slice(2)] = n;
    } else {
      console.error(`ort_bench.js: unknown option '${opt}'`);
      usage(2);
    }
  }
  if (!a.model) usage(2);
  if (a.runs < 1) {
    console.error('ort_bench.js: --runs must be at least 1');
    usage(2);
  }
  return a;
}

// The same generator as cli/cmd_bench.c: x = x * 1664525 + 1013904223 (mod
// 2^32); value = (x >> 8) / 2^24 * 2 - 1.
function fillUniform(arr, seed) {
  let x = seed >>> 0;
  for (let i = 0; i < arr.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    arr[i] = (x >>> 8) / 16777216 * 2 - 1;
  }
}

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array, float16: Uint16Array,
};

function makeInputs(ort, session) {
  const feeds = {};
  session.inputMetadata.forEach((meta, index) => {
    if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor`);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const count = dims.reduce((p, d) => p * d, 1);
    const Arr = ARRAYS[meta.type];
    if (!Arr) throw new Error(`input '${meta.name}' has dtype ${meta.type}, which this script cannot fill`);
    const data = new Arr(count);
    if (meta.type === 'float32' || meta.type === 'float64') fillUniform(data, 12345 + index);
    feeds[meta.name] = new ort.Tensor(meta.type, data, dims);
  });
  return feeds;
}

function percentile(sorted, p) {
  // Linear interpolation between closest ranks (NumPy's default), as in cli/stats.c.
  if (sorted.length === 1) return sorted[0];
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const { ort, version } = loadOrt();
  const threads = a.threads > 0 ? a.threads : os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  let t0 = nowMs();
  const session = await ort.InferenceSession.create(a.model, options);
  const loadMs = nowMs() - t0;
  const feeds = makeInputs(ort, session);
  for (let i = 0; i < a.warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < a.runs; i++) {
    t0 = nowMs();
    await session.run(feeds);
    times.push(nowMs() - t0);
  }
  const sorted = times.slice().sort((x, y) => x - y);
  const round = (x) => Math.round(x * 1000) / 1000;
  const result = {
    engine: 'onnxruntime-node',
    version,
    model: a.model,
    threads,
    runs: a.runs,
    median_ms: round(percentile(sorted, 50)),
    p90_ms: round(percentile(sorted, 90)),
    min_ms: round(sorted[0]),
    mean_ms: round(times.reduce((s, x) => s + x, 0) / times.length),
    peak_rss_kb: process.resourceUsage().maxRSS,
    load_ms: round(loadMs),
  };
  console.error(`onnxruntime-node ${result.version}: ${a.model}, ${threads} thread(s), ` +
                `${a.runs} runs after ${a.warmup} warm-up: median ${result.median_ms} ms, p90 ${result.p90_ms} ms`);
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(`ort_bench.js: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
