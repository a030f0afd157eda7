// ort_frame.js — one ONNX file on one 1×3×H×W float32 frame in ONNX Runtime (npm
// onnxruntime-node, CPU EP), 1 thread, sequential, graphOptimizationLevel 'all'.
// usage: node ort_frame.js MODEL.onnx IN.f32 H W RUNS WARMUP → one JSON line {median_ms, min_ms}
// (ort_bench.js takes square inputs only; bench/retinaface_speed.py needs a 640×480 frame).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

(async () => {
  const [model, input, h, w, runs, warmup] = process.argv.slice(2);
  const b = fs.readFileSync(input);
  const data = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all'});
  const feeds = {input: new ort.Tensor('float32', data, [1, 3, Number(h), Number(w)])};
  for (let i = 0; i < Number(warmup); i++) await session.run(feeds);
  const t = [];
  for (let i = 0; i < Number(runs); i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((p, q) => p - q);
  console.log(JSON.stringify({median_ms: t[t.length >> 1], min_ms: t[0]}));
})();
