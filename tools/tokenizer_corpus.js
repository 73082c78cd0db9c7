// The parity corpus for evalrun's tokenizer: hand-written texts plus generated combinations of
// whitespace, newlines, numbers and special-token texts. Used by make_tokenizer_fixtures.js (fixtures)
// and bench_hf_tokenizers.js (benchmark). Deterministic: no randomness without a fixed seed.
'use strict';

const prose = [
  // English prose
  "The quick brown fox jumps over the lazy dog. It wasn't the first time, and it won't be the last.",
  "In 1969, Neil Armstrong became the first person to walk on the Moon; he said: \"That's one small step for man.\"",
  "She'll arrive at 10:30 a.m. on Tuesday — or maybe Wednesday? We've never been sure what they'd decide.",
  "HELLO WORLD!!! I'M SHOUTING. You're NOT. THEY'RE whispering... He'D gone; we'LL see; I'VE got it.",
  "Mr. O'Neil's dog's bone: it's the dog's, not the cat's. Don't, can't, shouldn't've, y'all'd've.",
  "Machine learning models are evaluated on benchmarks such as MMLU, HellaSwag, ARC-Challenge and GSM8K.",
  "e.g. i.e. etc. vs. U.S.A. Ph.D. 3.14159 1,000,000 $5.99 €12,50 £3 ¥1000 50% #hashtag @mention",
  "Email: john.doe+test@example.com, URL: https://example.org/path?query=1&b=two#frag",
  // Russian prose
  "Москва — столица России, крупнейший по численности населения город страны.",
  "Однажды весною, в час небывало жаркого заката, в Москве, на Патриарших прудах, появились два гражданина.",
  "Всё смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме француженкою-гувернанткой.",
  "Ёлка, ёж, ЁЖИК, объём, съёмка; подъезд, «кавычки-ёлочки», „лапки“ и — длинное тире – короткое.",
  "ПРИВЕТ, МИР! Как дела? У меня всё хорошо: работаю над проектом №42 с 9:00 до 18:00.",
  "Он сказал: «Я приду в 19.30», но пришёл только в 20:15 — как обычно, с опозданием на 45 минут.",
  "В 2023 году ВВП вырос на 3,6 %, а инфляция составила 7,4 % (по данным Росстата).",
  // MERA-style prompts
  "Задание: прочитайте текст и ответьте на вопрос.\nТекст: Кошка сидела на окне и смотрела на улицу.\nВопрос: Где сидела кошка?\nОтвет:",
  "Ниже приведён вопрос с вариантами ответа. Выберите правильный вариант.\nВопрос: Сколько будет 2 + 2?\nA) 3\nB) 4\nC) 5\nD) 22\nОтвет:",
  "Дана ситуация и два варианта. Определите, какой вариант является причиной.\nСитуация: Мужчина открыл кран.\n1. Вода потекла.\n2. Вода замёрзла.\nОтвет: 1",
  "Прочитайте утверждение и ответьте «Да» или «Нет».\nУтверждение: Солнце вращается вокруг Земли.\nОтвет: Нет",
  "Решите задачу. В классе 25 учеников, из них 12 девочек. Сколько мальчиков в классе?\nОтвет: 13",
  "Question: What is the capital of France?\nAnswer: Paris\n\nQuestion: What is 7 * 8?\nAnswer:",
  "### Instruction:\nTranslate to Russian.\n\n### Input:\nGood morning!\n\n### Response:\nДоброе утро!",
  // Code with tabs and indentation
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
  "int main(void) {\n\tint x = 42;\n\tif (x > 0) {\n\t\tprintf(\"%d\\n\", x);\n\t}\n\treturn 0;\n}\n",
  "for (let i = 0; i < arr.length; i++) {\n  const v = arr[i] ?? null;\n  console.log(`item ${i}: ${v}`);\n}",
  "class Foo:\n\t\"\"\"Docstring.\"\"\"\n\n\tdef __init__(self, x: int = 0) -> None:\n\t\tself._x = x  # comment\n",
  "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;",
  "    \n\t\n  \t  mixed   indentation\t\tand\ttabs   \n\n\n",
  "if __name__ == '__main__':\n    main()\r\n    # windows line ending\r\n",
  "x=[1,2,3];y={'a':1,\"b\":[2,3]};z=x[::-1]+[i**2 for i in range(10)]",
  "<html><body><div class=\"a\">Hi &amp; bye</div></body></html>",
  "#include <vector>\nstd::vector<int> v{1, 2, 3};\nauto it = std::find(v.begin(), v.end(), 2);",
  // Emojis, CJK, combining marks, other scripts
  "I love 🍕 and 🍣! 👍🏽 👨‍👩‍👧‍👦 🇷🇺 🇺🇸 ❤️ ✨🎉",
  "日本語のテキストです。東京は日本の首都です。中文文本：你好，世界！한국어 텍스트입니다.",
  "Combining: e\u0301 a\u0300 o\u0308 n\u0303 — precomposed: é à ö ñ; Cyrillic й vs и\u0306; ё vs е\u0308.",
  "Ａｂｃ１２３ full-width, ﬁ ligature, ① circled, ² superscript, ½ fraction, Ⅻ roman, ｶﾀｶﾅ half-width.",
  "العربية مرحبا بالعالم. עברית שלום עולם. हिन्दी नमस्ते दुनिया. ไทย สวัสดีชาวโลก. Ελληνικά Γειά σου Κόσμε.",
  "Zero\u200bwidth\u200cjoiners\u200d and\u00a0nbsp\u2009thin\u3000ideographic\u2028line\u2029para\u0085nel",
  "Math: ∀x∈ℝ, x²≥0; ∑_{i=1}^{n} i = n(n+1)/2; √2 ≈ 1.41421356; π≈3.14; ∞ ≠ −∞.",
  "Ǆǅǆ ǈ İstanbul ΣΑΣ ὈΔΥΣΣΕΎΣ ß ẞ ŉ ǰ ﬀ ŀ Ŀ",
  "\u00ad soft hyphen \ufeff bom \ufffd replacement \u{1F600}\u{1F601}\u{10348} gothic \u{1D400} math bold",
];

// Texts mentioning special tokens of the three tokenizers (and look-alikes that must not match).
const specials = [
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nПривет!<|im_end|>\n<|im_start|>assistant\n",
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  "<s>[INST] Расскажи анекдот [/INST] Вот анекдот </s><s>[INST] Ещё [/INST]",
  "text <s> more text</s> and <unk> unknown <|endoftext|> end",
  "  <|im_start|>  spaces around  <|im_end|>  ",
  "<|im_start|><|im_end|><|im_start|><|im_end|>",
  "<|im_start|user|> <|im_end <s > </ s> <|begin_of_text| > <|BEGIN_OF_TEXT|> <S>",
  "<think>\nreasoning here\n</think>\n\nfinal answer",
  "<|endoftext|>",
  "<s>",
  "a<s>b</s>c<unk>d",
  "Ответ:<|im_end|>",
  "<|reserved_special_token_5|> and <|eot_id|><|eom_id|>",
  "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>",
];

// Whitespace runs and newlines in every combination (up to length 3 over a small alphabet), placed
// between, before and after words.
function whitespaceCombos() {
  const atoms = [" ", "\n", "\t", "\r\n", "\u00a0", "  "];
  const seqs = [];
  const rec = (prefix, depth) => {
    if (prefix.length) seqs.push(prefix);
    if (depth === 3) return;
    for (const a of atoms) rec(prefix + a, depth + 1);
  };
  rec("", 0);
  const out = [];
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i];
    const word = ["word", "Слово", "42", "!", "x", "日本"][i % 6];
    switch (i % 4) {
      case 0: out.push(`${word}${s}${word}`); break;
      case 1: out.push(`${s}${word}`); break;
      case 2: out.push(`${word}${s}`); break;
      default: out.push(s); break;
    }
  }
  return out;
}

function numbers() {
  const out = [];
  let n = "";
  for (let len = 1; len <= 24; len++) {
    n += String((len * 7) % 10);
    out.push(n, ` ${n}`, `x${n}y`, `${n}.${n.slice(0, 3)}`, `-${n}`);
  }
  out.push("0", "00", "007", "1 2 3 4 5 6 7 8 9 10", "3,141,592", "1e-10", "0x1F", "2024-01-31", "12:30:45",
           "١٢٣٤٥ ۱۲۳ ०१२ ௧௨", "1st 2nd 3rd 4th", "10%20%30", "+7 (999) 123-45-67", "v1.2.3-rc.4");
  return out;
}

// Edge cases: empty, single characters, long runs, apostrophes/contractions in odd places.
const edges = [
  "", " ", "  ", "\n", "\n\n", "\t", "a", "я", "!", "'", "'s", "''", "' s", "'S", "'Re", "'LL",
  "it's", "IT'S", "rock'n'roll", "’s curly", "don’t",
  "a".repeat(300), "ab ".repeat(80), "Привет".repeat(40), "\n".repeat(20), " ".repeat(33), "!?".repeat(50),
  "word\n", "\nword", " word", "word ", " \n word \n ", "a\r\nb\rc\nd", "a \n\n b", "a  \n  b",
  "...", "—", "…", "!!!???", "(()){}[]", "a.b,c;d:e", "__init__", "snake_case_name", "camelCaseName",
];

// Seeded random mixes of characters from every class the splitters care about.
function randomMix(seed, count) {
  const atoms = [' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u2028', 'a', 'Z', 'я', 'Ё', '日', '1', '23',
    '456', '٣', '²', 'Ⅻ', "'", "'s", "'LL", "'ſ", '!', '?', '.', ',', '—', '«', '"', '(', '{', '<', '>', '|', '_', '-',
    '/', '\\', '#', '$', '%', '&', '@', '^', '`', '~', '🍕', '👍🏽', '👨‍👩‍👧', '\u0301', 'e\u0301', '\u200d', '\u200b',
    '\ufeff', 'ﬁ', 'Ａ', 'ǅ', 'İ', 'ß', 'ΣΑΣ', '<s>', '</s>', '<unk>', '<|im_start|>', '<|im_end|>', '<|endoftext|>',
    '<|begin_of_text|>', '<|eot_id|>', '<think>', 'Ответ:', 'word', 'the', 'Привет', 'ing', '\u0085', '\x0b', '\x0c',
    '\x7f', '\u00ad', 'ـ', 'ा', '한', 'ア', 'ｶ'];
  let state = seed;
  const rnd = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(rnd() * 12);
    let t = '';
    for (let k = 0; k < n; k++) t += atoms[Math.floor(rnd() * atoms.length)];
    out.push(t);
  }
  return out;
}

function corpus() {
  return [...prose, ...specials, ...whitespaceCombos(), ...numbers(), ...edges, ...randomMix(2024, 400)];
}

// Prose-like text for the benchmark: the prose/code/special texts repeated with deterministic variation.
function benchText(targetBytes) {
  const base = [...prose, ...specials];
  const parts = [];
  let size = 0, i = 0, seed = 12345;
  while (size < targetBytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const t = base[i % base.length];
    const piece = (seed % 3 === 0 ? t.toUpperCase() : t) + " " + (seed % 100000) + "\n";
    parts.push(piece);
    size += Buffer.byteLength(piece);
    i++;
  }
  return parts.join("");
}

module.exports = { corpus, benchText };
