// tflite_run.js — the TFLite runtime itself (TFLite + XNNPACK compiled to WebAssembly, from npm
// @tensorflow/tfjs-tflite, loaded directly in Node without a browser) runs a .tflite model.
//   node tflite_run.js MODEL.tflite IN.f32 OUT_PREFIX [--bench N]
// IN.f32: float32 NHWC input tensor. Writes OUT_PREFIX.<i>.f32 per output, in output order, and
// prints one line per output "name dims". --bench N: prints median/min ms of N Infer() calls.
'use strict';
const fs = require('fs');
const path = require('path');
const wasmDir = path.join(__dirname, 'node_modules/@tensorflow/tfjs-tflite/wasm');

function vec(v) {
  const out = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  v.delete();
  return out;
}

async function main() {
  const [model, input, prefix] = process.argv.slice(2);
  const bi = process.argv.indexOf('--bench');
  const benchRuns = bi > 0 ? parseInt(process.argv[bi + 1], 10) : 0;
  const simd = !process.argv.includes('--no-simd');
  const name = simd ? 'tflite_web_api_cc_simd' : 'tflite_web_api_cc';
  const factory = require(path.join(wasmDir, name + '.js'));
  const mod = await factory({
    wasmBinary: fs.readFileSync(path.join(wasmDir, name + '.wasm')),
    locateFile: (f) => path.join(wasmDir, f),
    print: () => {}, printErr: () => {},
  });
  const bytes = fs.readFileSync(model);
  const ptr = mod._malloc(bytes.length);
  mod.HEAPU8.set(bytes, ptr);
  const res = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length,
      {numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 1024});
  if (!res.ok()) throw new Error('CreateFromBufferAndOptions: ' + res.errorMessage());
  const runner = res.value();
  const ins = vec(runner.GetInputs());
  const x = new Float32Array(fs.readFileSync(input).buffer.slice(0));
  const dst = ins[0].data();
  if (dst.length !== x.length) throw new Error(`input has ${x.length} values, model wants ${dst.length}`);
  dst.set(x);
  if (!runner.Infer()) throw new Error('Infer failed');
  const outs = vec(runner.GetOutputs());
  outs.forEach((t, i) => {
    const d = t.data();
    fs.writeFileSync(`${prefix}.${i}.f32`, Buffer.from(new Float32Array(d).buffer));
    console.log(`output ${i} ${d.length}`);
  });
  if (benchRuns > 0) {
    const ms = [];
    for (let r = 0; r < benchRuns; r++) {
      const t0 = process.hrtime.bigint();
      runner.Infer();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`bench ${name} runs ${benchRuns} median_ms ${ms[ms.length >> 1].toFixed(3)} min_ms ${ms[0].toFixed(3)}`);
  }
}
main().catch((e) => { console.error('tflite_run: ' + (e && e.stack || e)); process.exit(1); });
