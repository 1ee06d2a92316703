#!/usr/bin/env node
// Runs one ONNX model with ONNX Runtime's CPU execution provider on one
// float32 input read from a raw little-endian file, and writes its first
// output as raw float32. tests/quant/test_quantize.py uses it to check that
// ONNX Runtime reads seam's QDQ models and computes what seam computes.
//
// usage: node ort_run.js --model M.onnx --input X.f32 --shape 16,1,28,28 --output Y.f32
//                       [--optimization disabled|all]
// --optimization all (the default) lets ONNX Runtime fuse the QDQ patterns into
// its integer kernels (QLinearConv, ...); disabled runs the graph as written
// (QuantizeLinear, DequantizeLinear and float operators), as seam does.
// Prints one JSON line: {"ort_version": ..., "output": name, "dims": [...]}.
//
// onnxruntime-node is looked up in bench/.ort/node_modules (bench/setup_ort.sh
// installs it there), then in the usual Node.js places; exit code 3 when it
// is not installed, so the caller can report a skip.
'use strict';

const fs = require('fs');
const path = require('path');

function loadOrt() {
  const scratch = path.join(__dirname, '..', '..', 'bench', '.ort', 'node_modules');
  for (const paths of [[scratch], undefined]) {
    let pkg;
    try {
      pkg = require.resolve('onnxruntime-node/package.json', paths ? { paths } : undefined);
    } catch (e) {
      continue;
    }
    return { ort: require(path.dirname(pkg)), version: require(pkg).version };
  }
  console.error('ort_run.js: onnxruntime-node not found; run bench/setup_ort.sh');
  process.exit(3);
}

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i + 1 < argv.length; i += 2) {
    if (!['--model', '--input', '--shape', '--output', '--optimization'].includes(argv[i])) {
      console.error(`ort_run.js: unknown option '${argv[i]}'`);
      process.exit(2);
    }
    a[argv[i].slice(2)] = argv[i + 1];
  }
  if (!a.model || !a.input || !a.shape || !a.output) {
    console.error('usage: node ort_run.js --model M.onnx --input X.f32 --shape D0,D1,... --output Y.f32');
    process.exit(2);
  }
  a.dims = a.shape.split(',').map(Number);
  return a;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const { ort, version } = loadOrt();
  const buf = fs.readFileSync(a.input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const count = a.dims.reduce((x, y) => x * y, 1);
  if (data.length !== count) throw new Error(`input holds ${data.length} floats, shape needs ${count}`);
  const level = a.optimization || 'all';
  if (!['disabled', 'all'].includes(level)) throw new Error(`--optimization is disabled or all, got '${level}'`);
  const session = await ort.InferenceSession.create(a.model, { intraOpNumThreads: 1, graphOptimizationLevel: level });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(data), a.dims) };
  const results = await session.run(feeds);
  const name = session.outputNames[0];
  const out = results[name];
  if (out.type !== 'float32') throw new Error(`output '${name}' is ${out.type}, not float32`);
  fs.writeFileSync(a.output, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  console.log(JSON.stringify({ ort_version: version, optimization: level, output: name, dims: out.dims }));
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message || e}`);
  process.exit(1);
});
