#!/usr/bin/python3
"""Generates reference values for tests/metrics from reference implementations.

Run with Debian's python3 (python3-sklearn, python3-numpy):  /usr/bin/python3 tools/make_metrics_fixtures.py
Writes tests/fixtures/metrics/{sklearn,pass_at_k,python_text}.json.

- sklearn.json: sklearn.metrics.matthews_corrcoef / f1_score (binary, pos_label) / f1_score(average='macro').
- pass_at_k.json: exact 1 - C(n-c,k)/C(n,k) with math.comb and fractions.Fraction (n up to 200).
- python_text.json: Python str/re semantics the C++ code must reproduce: str.lower on Cyrillic/Greek,
  SQuAD v1.1 normalize_answer/F1 (written here from the official script's definition), lm-eval
  exact_match order of operations, rouge-score's tokenizer regexes, lm-eval count_words, perplexities.
"""
import json
import math
import os
import re
import string
import warnings
from collections import Counter
from fractions import Fraction

import sklearn
from sklearn.metrics import f1_score, matthews_corrcoef

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "metrics")

# ---------------------------------------------------------------- sklearn
CLS_CASES = [
    ("balanced_binary", ["0", "1", "1", "0", "1", "0", "1", "1"], ["0", "1", "0", "0", "1", "1", "1", "0"]),
    ("perfect", ["1", "0", "1", "0"], ["1", "0", "1", "0"]),
    ("all_wrong_binary", ["1", "0", "1", "0"], ["0", "1", "0", "1"]),
    ("one_class_only_true_and_pred", ["1", "1", "1"], ["1", "1", "1"]),
    ("one_class_only_negative", ["0", "0", "0", "0"], ["0", "0", "0", "0"]),
    ("constant_prediction", ["0", "1", "1", "0", "1"], ["1", "1", "1", "1", "1"]),
    ("constant_prediction_negative", ["0", "1", "1", "0", "1"], ["0", "0", "0", "0", "0"]),
    ("multiclass", ["a", "b", "c", "a", "b", "c", "a", "c"], ["a", "c", "c", "a", "b", "b", "b", "c"]),
    ("multiclass_all_wrong", ["a", "b", "c"], ["b", "c", "a"]),
    ("disjoint_label_sets", ["a", "a", "b"], ["x", "y", "y"]),
    ("pred_has_extra_label", ["yes", "no", "yes", "no"], ["yes", "no", "maybe", "maybe"]),
    ("cyrillic_labels", ["да", "нет", "да", "да", "нет"], ["да", "да", "да", "нет", "нет"]),
    ("imbalanced", ["0"] * 9 + ["1"], ["0"] * 8 + ["1", "1"]),
    ("numeric_strings_sorted_lexically", ["10", "9", "10", "2"], ["9", "9", "10", "2"]),
]


def sklearn_cases():
    out = []
    for name, y_true, y_pred in CLS_CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case = {
                "name": name,
                "y_true": y_true,
                "y_pred": y_pred,
                "mcc": float(matthews_corrcoef(y_true, y_pred)),
                "f1_macro": float(f1_score(y_true, y_pred, average="macro")),
            }
            labels = sorted(set(y_true) | set(y_pred))
            if len(labels) <= 2:
                pos = "1" if "1" in labels or all(l in "01" for l in labels) else labels[-1]
                if pos in labels or len(labels) < 2:
                    case["pos_label"] = pos
                    case["f1"] = float(f1_score(y_true, y_pred, pos_label=pos, average="binary"))
        out.append(case)
    return {"source": "sklearn %s (Debian python3-sklearn)" % sklearn.__version__, "cases": out}


# ---------------------------------------------------------------- pass@k
def pass_at_k_cases():
    cases = []
    for n in (1, 2, 5, 10, 20, 50, 100, 150, 200):
        for c in sorted({0, 1, n // 3, n // 2, n - 1, n} - {-1}):
            if c < 0 or c > n:
                continue
            for k in sorted({1, 2, 5, 10, 50, 100, n}):
                if k > n:
                    continue
                exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
                cases.append({"n": n, "c": c, "k": k, "value": float(exact)})
    return {"source": "1 - math.comb(n-c,k)/math.comb(n,k) in fractions.Fraction, rounded once to float",
            "cases": cases}


# ---------------------------------------------------------------- Python text semantics
def squad_normalize(s):
    # SQuAD v1.1 evaluate-v1.1.py normalize_answer, written from its definition.
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def squad_f1(pred, gold):
    p, g = squad_normalize(pred).split(), squad_normalize(gold).split()
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0.0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)


SQUAD_CASES = [
    ("The Cat!", "cat"), ("an apple a day", "Apple day"), ("Theatre", "the atre"),
    ("A.  B.", "a b"), ("  Hello,   World  ", "hello world"), ("Москва", "МОСКВА"),
    ("Ёлка, the ёжик", "ёлка ЁЖИК"), ("Столица — Москва.", "столица москва"),
    ("«Война и мир»", "война и мир"), ("the", ""), ("", ""), ("Пётр I", "пётр i"),
    ("aThe a-the", "athe the"), ("ОДИН два", "один три"), ("the the cat cat", "cat"),
    ("x_y", "xy"), ("ΟΔΟΣ", "οδος"),
]

EM_CASES = [
    # prediction, references, kwargs
    ("Hello World", ["hello world"], {}),
    ("Hello World", ["hello world"], {"ignore_case": True}),
    ("Hello, World!", ["hello world"], {"ignore_case": True, "ignore_punctuation": True}),
    ("Answer: 42", ["answer"], {"ignore_case": True, "ignore_punctuation": True, "ignore_numbers": True}),
    ("The answer is 42", ["42"], {"regexes_to_ignore": ["^The answer is "]}),
    ("ОТВЕТ: Да", ["ответ да"], {"ignore_case": True, "ignore_punctuation": True}),
    ("Ответ — да", ["ответ  да"], {"ignore_case": True, "ignore_punctuation": True}),
    ("Да.", ["Нет", "да"], {"ignore_case": True, "ignore_punctuation": True}),
    ("ABC", ["abc"], {"regexes_to_ignore": ["[a-z]"], "ignore_case": True}),
    ("x1y2", ["xy"], {"ignore_numbers": True}),
    ("Итог: 5", ["итог"], {"regexes_to_ignore": [": \\d"], "ignore_case": True}),
]


def exact_match(pred, refs, kw):
    def norm(x):
        for r in kw.get("regexes_to_ignore", []):
            x = re.sub(r, "", x)
        if kw.get("ignore_case"):
            x = x.lower()
        if kw.get("ignore_punctuation"):
            x = x.translate(str.maketrans("", "", string.punctuation))
        if kw.get("ignore_numbers"):
            x = x.translate(str.maketrans("", "", string.digits))
        return x
    return 1.0 if any(norm(pred) == norm(r) for r in refs) else 0.0


def rouge_tokens(text):
    # rouge-score tokenize.py: lowercase, non [a-z0-9] runs -> space, split, keep ^[a-z0-9]+$.
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return [t for t in re.split(r"\s+", text) if re.match(r"^[a-z0-9]+$", t)]


LOWER_CASES = ["ПРИВЕТ Мир", "ЁЛКА", "ΟΔΟΣ ΣΟΦΟΣ", "İstanbul", "Straße", "ǅ", "ABC def"]
WORD_CASES = ["one two three", "  leading", "trailing  ", "", "a\u00a0b\u2003c", "строка\nс\tпереводом", "x"]
TEXT_PPL = [(-10.5, "Привет мир"), (-3.25, "hello  world "), (-7.0, "ёж")]


def python_text():
    return {
        "source": "CPython %s str/re semantics" % (".".join(map(str, __import__("sys").version_info[:3]))),
        "lower": [{"text": t, "lower": t.lower()} for t in LOWER_CASES],
        "squad": [{"prediction": p, "gold": g, "normalized_prediction": squad_normalize(p),
                   "em": float(squad_normalize(p) == squad_normalize(g)), "f1": squad_f1(p, g)}
                  for p, g in SQUAD_CASES],
        "exact_match": [{"prediction": p, "references": r, "kwargs": k, "value": exact_match(p, r, k)}
                        for p, r, k in EM_CASES],
        "rouge_tokens": [{"text": t, "tokens": rouge_tokens(t)}
                         for t in ["The quick, brown FOX!", "Привет, мир! hello", "ÀB-c d3", "Ёж ёжик 42"]],
        "count_words": [{"text": t, "words": len(re.split(r"\s+", t)), "bytes": len(t.encode("utf-8"))}
                        for t in WORD_CASES],
        "weighted_perplexity": {
            "items": [{"logprob": ll, "text": t} for ll, t in TEXT_PPL],
            "perplexity": math.exp(-sum(ll for ll, _ in TEXT_PPL) / len(TEXT_PPL)),
            "word_perplexity": math.exp(-sum(ll for ll, _ in TEXT_PPL) /
                                        sum(len(re.split(r"\s+", t)) for _, t in TEXT_PPL)),
            "byte_perplexity": math.exp(-sum(ll for ll, _ in TEXT_PPL) /
                                        sum(len(t.encode("utf-8")) for _, t in TEXT_PPL)),
            "bits_per_byte": -sum(ll for ll, _ in TEXT_PPL) /
                             sum(len(t.encode("utf-8")) for _, t in TEXT_PPL) / math.log(2),
        },
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in (("sklearn.json", sklearn_cases()), ("pass_at_k.json", pass_at_k_cases()),
                       ("python_text.json", python_text())):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print("wrote", os.path.join(OUT, name))


if __name__ == "__main__":
    main()
