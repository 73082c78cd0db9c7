#!/usr/bin/env node
// Peer for bench/tokenizer_bench.cpp: times Hugging Face `tokenizers` (Rust, via @anush008/tokenizers)
// encoding the same corpus single-threaded. Usage:
//   TOKENIZERS_PARALLELISM=false node tools/bench_hf_tokenizers.js <corpus.txt> <name>=<tokenizer.json>...
// The corpus has one document per line. Prints one JSON line per tokenizer:
//   {"name", "bytes", "seconds" (best wall time of the timed passes, encode only), "cpu_seconds" (best
//   process CPU time of the passes: robust on a shared, loaded machine), "tokens"}.
'use strict';
const fs = require('fs');
const path = require('path');
process.env.TOKENIZERS_PARALLELISM = 'false';  // encodeBatch then runs on one thread
const { Tokenizer } = require(path.join(__dirname, 'node_modules/@anush008/tokenizers'));

async function main() {
  const [corpusPath, ...specs] = process.argv.slice(2);
  const docs = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0);
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq);
    const tok = Tokenizer.fromFile(spec.slice(eq + 1));
    let best = Infinity, bestCpu = Infinity, tokens = 0;
    for (let pass = 0; pass < 4; pass++) {  // pass 0 warms the word cache, like the C++ side
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const encs = await tok.encodeBatch(docs, { addSpecialTokens: false });
      const t1 = process.hrtime.bigint();
      const c = process.cpuUsage(c0);
      if (pass > 0) {
        best = Math.min(best, Number(t1 - t0) / 1e9);
        bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
      }
      tokens = encs.reduce((n, e) => n + e.getLength(), 0);
    }
    console.log(JSON.stringify({ name, bytes, seconds: best, cpu_seconds: bestCpu, tokens }));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
