// ort_bench.js — time ONNX files in ONNX Runtime (npm onnxruntime-node, CPU EP).
//
// usage: node ort_bench.js --threads 1,2 --runs 50 --warmup 5 NAME=MODEL.onnx:INPUT.f32[:REF.json] ...
// For each model and thread count: one session with intraOpNumThreads = T, interOpNumThreads = 1,
// sequential execution, graphOptimizationLevel 'all'; warm-up runs, then `runs` timed runs of
// session.run on the 1×3×S×S float32 input. Prints one JSON object per line:
//   {"runtime":"onnxruntime-node","version":...,"model":NAME,"threads":T,"runs":R,
//    "median_ms":...,"min_ms":...,"cpu_median_ms":...,"max_err_vs_torch":...}
// cpu_median_ms: process CPU time per run (all threads). At 1 thread it is close to what the wall
// clock would show on an idle machine, so it helps read numbers taken on a loaded one.
// The exported graphs keep a dynamic batch axis ('batch_size'); ORT_STATIC=1 (bench/run.sh's
// default) fixes it to 1 (freeDimensionOverrides) so ORT folds the shape arithmetic: its fast
// case ("static": true in the row), the one emoc is compared with.
// max_err_vs_torch (when REF.json is given) = max |ORT output − PyTorch scores|: a check that the
// exported graph computes what the PyTorch replica computes.
// session_create_ms: wall time of InferenceSession.create (file → ready session, ORT's "model
// load"), first_run_ms: the first session.run after it — the start-up peers of emoc's load_ms
// and first_run_ms (docs/startup.md).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const STATIC = process.env.ORT_STATIC === '1';

function parseArgs(argv) {
  const a = { threads: [1, 2], runs: 50, warmup: 5, models: [] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--threads') a.threads = argv[++i].split(',').map(Number);
    else if (v === '--runs') a.runs = Number(argv[++i]);
    else if (v === '--warmup') a.warmup = Number(argv[++i]);
    else a.models.push(v);
  }
  if (!a.models.length || !(a.runs >= 1)) {
    console.error('usage: node ort_bench.js [--threads 1,2] [--runs 50] [--warmup 5] NAME=M.onnx:IN.f32[:REF.json] ...');
    process.exit(2);
  }
  return a;
}

function readF32(file) {
  const b = fs.readFileSync(file);
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

function median(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

async function benchOne(name, onnxPath, inputPath, refPath, threads, runs, warmup) {
  const data = readF32(inputPath);
  const side = Math.round(Math.sqrt(data.length / 3));
  if (side * side * 3 !== data.length) throw new Error(`${inputPath}: not 1x3xSxS float32`);
  const tc0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(onnxPath, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    ...(STATIC ? { freeDimensionOverrides: { batch_size: 1 } } : {}),
  });
  const sessionCreateMs = Number(process.hrtime.bigint() - tc0) / 1e6;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, side, side]) };
  const tf0 = process.hrtime.bigint();
  let out = await session.run(feeds);
  const firstRunMs = Number(process.hrtime.bigint() - tf0) / 1e6;
  for (let i = 0; i < warmup; i++) out = await session.run(feeds);
  const times = [], cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const result = {
    runtime: 'onnxruntime-node', version: require('onnxruntime-node/package.json').version,
    model: name, static: STATIC, threads, runs, median_ms: +median(times).toFixed(3),
    min_ms: +Math.min(...times).toFixed(3), cpu_median_ms: +median(cpu).toFixed(3),
    session_create_ms: +sessionCreateMs.toFixed(3), first_run_ms: +firstRunMs.toFixed(3),
  };
  if (refPath) {
    const ref = JSON.parse(fs.readFileSync(refPath, 'utf8')).scores;
    const got = out[session.outputNames[0]].data;
    let err = got.length === ref.length ? 0 : Infinity;
    for (let i = 0; i < ref.length && i < got.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
    result.max_err_vs_torch = err;
  }
  if (session.release) await session.release();
  return result;
}

(async () => {
  const a = parseArgs(process.argv.slice(2));
  for (const spec of a.models) {
    const eq = spec.indexOf('=');
    const [onnxPath, inputPath, refPath] = spec.slice(eq + 1).split(':');
    const name = eq > 0 ? spec.slice(0, eq) : path.basename(onnxPath, '.onnx');
    for (const t of a.threads) {
      const r = await benchOne(name, onnxPath, inputPath, refPath, t, a.runs, a.warmup);
      console.log(JSON.stringify(r));
    }
  }
})().catch((e) => { console.error('ort_bench: ' + (e && e.stack || e)); process.exit(1); });
