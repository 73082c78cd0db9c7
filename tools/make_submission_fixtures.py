#!/usr/bin/python3
"""Fixtures for tests/submissions: a synthetic MERA run (evalrun's output format), the equivalent
lm-evaluation-harness 0.4.4 sample logs, and what MERA's scripts/log_to_submission.py makes of the
latter, re-stated here (same task classes, choices, shapes, ruTiE walk), plus the site's scores of
those submissions against the synthetic gold (modules/scoring/src/tasks re-stated; no ruDetox).

Run from the repository root with Debian python3 (sklearn): /usr/bin/python3 tools/make_submission_fixtures.py
"""
import collections
import hashlib
import json
import os
import random
import re
import string

from sklearn.metrics import f1_score, matthews_corrcoef

OUT = "tests/fixtures/submissions"
rng = random.Random(20261123)

# ---- synthetic MERA test documents (MERA JSON layout) ----
ABCD = ["A", "B", "C", "D"]
CLS = {  # class -> (src, choices or None for text tasks)
    "BPS": ("bps", ["0", "1"]), "LCS": ("lcs", [str(i) for i in range(10)]),
    "MathLogicQA": ("mathlogicqa", ABCD), "PARus": ("parus", ["1", "2"]), "RCB": ("rcb", ["1", "2", "3"]),
    "ruEthics": ("ruethics", ["0", "1"]), "ruHateSpeech": ("ruhatespeech", ["1", "2"]),
    "ruHHH": ("ruhhh", ["1", "2"]), "ruMMLU": ("rummlu", ABCD), "MaMuRAMu": ("mamuramu", ABCD),
    "ruOpenBookQA": ("ruopenbookqa", ABCD), "ruWorldTree": ("ruworldtree", ABCD), "RWSD": ("rwsd", ["Да", "Нет"]),
    "ruTiE": ("rutie", ["1", "2"]),
}
TEXT = {"CheGeKa": "chegeka", "MultiQ": "multiq", "ruDetox": "rudetox", "ruModAr": "rumodar",
        "ruMultiAr": "rumultiar", "SimpleAr": "simplear", "USE": "use", "ruHumanEval": "ruhumaneval",
        "ruCodeEval": "rucodeeval"}
GENERATIVE_TASKS = ["chegeka", "multiq", "rudetox", "ruhumaneval", "rucodeeval", "rumodar", "rumultiar",
                    "simplear", "use"]


def make_docs(cls):
    docs = []
    if cls == "ruTiE":
        for d in (0, 1):
            for q in range(3):
                docs.append({"instruction": "{question}\n1. {choice1}\n2. {choice2}",
                             "inputs": {"question": f"Вопрос {d}-{q}?", "choice1": "да", "choice2": "нет"},
                             "outputs": rng.choice(["1", "2"]), "meta": {"dialog_id": d, "question_id": q}})
        return docs
    n = 4
    for i in range(n):
        doc_id = 100 + 7 * i
        meta = {"id": doc_id}
        if cls in CLS:
            out = rng.choice(CLS[cls][1])
            inputs = {"text": f"вопрос {i}"}
            if cls == "ruEthics":
                out = {k: rng.choice([0, 1]) for k in ["virtue", "law", "moral", "justice", "utilitarianism"]}
                meta["question"] = ["correct", "good", "ethical"][i % 3]
            if cls in ("ruMMLU", "MaMuRAMu"):
                meta["domain"] = ["biology", "law"][i % 2]
            if cls == "ruHHH":
                meta["criteria"] = ["honest", "helpful", "harmless"][i % 3]
            if cls == "ruHateSpeech":
                inputs["target_group"] = ["женщины", "мужчины"][i % 2]
        elif cls in ("CheGeKa", "MultiQ"):
            out = ["Пушкин;Александр Пушкин", "Москва", "the Volga river", "1812"][i]
            inputs = {"text": f"текст {i}"}
        elif cls == "ruDetox":
            out = f"вежливый текст {i}"
            inputs = f"грубый текст {i}"
        elif cls in ("ruModAr", "ruMultiAr", "SimpleAr"):
            out = str(rng.randint(-50, 50))
            inputs = f"{out}+0="
        elif cls == "USE":
            kinds = [("text", "1", "осень", 1), ("matching", "8_0", "1,2,3,4", 4),
                     ("multiple_choice_based_on_text", "16", "1,3", 2), ("multiple_choice_independent_options", "2", "2", 1)]
            t, id_task, out, score = kinds[i]
            meta.update({"id_task": id_task, "type": t, "variant": 1 + i % 2, "score": score})
            inputs = {"task": "задание", "text": "текст", "choices": "1. a\n2. b"}
        else:  # code
            tests = [{"a": 1, "b": 2}, {"a": 5, "b": -1}]
            inputs = {"function": f"def add{i}(a, b):\n", "tests": repr(tests)}
            meta["entry_point"] = f"add{i}"
            out = ["3", "4"]
        docs.append({"instruction": "Задание: {text}", "inputs": inputs, "outputs": out, "meta": meta})
    return docs


def model_answer(cls, doc):
    """A deterministic 'model': right about 60% of the time."""
    right = rng.random() < 0.6
    gold = doc["outputs"]
    if cls in ("CheGeKa", "MultiQ"):
        return gold.split(";")[-1].upper() if right else "не знаю"
    if cls == "USE":
        return gold if right else "3,4"
    if cls in ("ruModAr", "ruMultiAr", "SimpleAr"):
        return gold if right else "0"
    if cls == "ruDetox":
        return gold if right else "текст"
    return None


def code_results(doc):
    # per generation: per-test str(result) or None (as MERA's scoring filter returns them)
    gens = []
    for g in range(10):
        r = rng.random()
        gens.append(list(doc["outputs"]) if r < 0.4 else (["3", None] if r < 0.7 else "timed out"))
    return gens


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def build_run():
    data, ev, lm = {}, {}, {}  # task -> docs ; evalrun name -> records ; lm-eval name -> records
    for cls in list(CLS) + list(TEXT):
        src = CLS[cls][0] if cls in CLS else TEXT[cls]
        docs = make_docs(cls)
        data[src] = docs
        modes = [("", False), ("_gen", True)] if cls in CLS else [("", True)]
        for suffix, gen in modes:
            name = src + suffix
            ev[name], lm[name] = [], []
            for i, doc in enumerate(docs):
                ctx = f"prompt {name} {i}"
                base = {"doc_id": i, "doc": doc, "filter": "none" if not gen else "scoring",
                        "metrics": [], "doc_hash": sha(json.dumps(doc)), "prompt_hash": sha(ctx)}
                if not gen:
                    choices = CLS[cls][1]
                    lps = [round(-rng.random() * 5, 4) for _ in choices]
                    if i == 1:
                        lps[-1] = lps[0] = max(lps) + 1  # a tie: numpy argmax takes the first
                    e = dict(base, target=0, arguments=[[ctx, " " + c] for c in choices],
                             resps=[[[lp, False]] for lp in lps], filtered_resps=[[lp, False] for lp in lps])
                    l = dict(base, target=0,
                             arguments={f"gen_args_{k}": {"arg_0": ctx, "arg_1": " " + c} for k, c in enumerate(choices)},
                             resps=[[[lp, False]] for lp in lps], filtered_resps=[[lp, False] for lp in lps])
                elif cls in ("ruHumanEval", "ruCodeEval"):
                    res = code_results(doc)
                    texts = [f"    return a + b  # {g}" for g in range(10)]
                    kw = {"until": ["\nclass"], "do_sample": True, "temperature": 0.6}
                    e = dict(base, target=doc["outputs"], arguments=[[ctx, kw]], resps=[texts],
                             filtered_resps=texts, code_results=res)
                    l = dict(base, target=doc["outputs"], arguments={"gen_args_0": {"arg_0": ctx, "arg_1": kw}},
                             resps=[texts], filtered_resps=[res])
                else:
                    ans = model_answer(cls, doc)
                    if ans is None:  # a classification task's _gen twin
                        # (ruEthics: the site float()s answers; an off-list one would be a doc_parse_output_error)
                        ans = rng.choice(CLS[cls][1] + ([] if cls == "ruEthics" else ["не знаю"]))
                    kw = {"until": ["\n"], "do_sample": False}
                    e = dict(base, target=str(doc["outputs"]), arguments=[[ctx, kw]], resps=[[ans + " "]],
                             filtered_resps=ans)
                    # MERA's ruDetox scoring filter keeps [input, answer]; log_to_submission takes [0][-1].
                    lf = [[doc["inputs"], ans]] if cls == "ruDetox" else [ans]
                    l = dict(base, target=str(doc["outputs"]), arguments={"gen_args_0": {"arg_0": ctx, "arg_1": kw}},
                             resps=[[ans + " "]], filtered_resps=lf)
                ev[name].append(e)
                lm[name].append(l)
    return data, ev, lm


# ---- log_to_submission.py re-stated on the lm-eval logs ----
def argmax(vals):
    best = 0
    for k, v in enumerate(vals):
        if v > vals[best]:
            best = k
    return best


def to_submission(cls, records, docs, gen):
    if cls in CLS:
        choices = CLS[cls][1]
    res = []
    if cls == "ruTiE":
        by_q = {}
        for r in records:
            m = r["doc"]["meta"]
            out = r["filtered_resps"][0] if gen else choices[argmax([x[0] for x in r["filtered_resps"]])]
            by_q[f"dialog_id:{int(m['dialog_id'])};question_id:{int(m['question_id'])}"] = out
        for q in docs:  # MERA loads the test split as one dialogue and stops at the first gap
            key = f"dialog_id:{q['meta']['dialog_id']};question_id:{q['meta']['question_id']}"
            if key not in by_q:
                break
            res.append({"outputs": by_q[key], "meta": {"dialog_id": q["meta"]["dialog_id"],
                                                        "question_id": q["meta"]["question_id"]}})
        return {"data": {"test": res}}
    by_id = {d["meta"]["id"]: d for d in docs}
    for r in records:
        doc_id = int(r["doc"]["meta"]["id"])
        outputs = r["filtered_resps"]
        if cls in CLS:
            out = outputs[0] if gen else choices[argmax([x[0] for x in outputs])]
            if cls == "ruEthics":
                out = str(out)
                out = {k: out for k in ["virtue", "law", "moral", "justice", "utilitarianism"]}
            item = {"outputs": out, "meta": {"id": doc_id}}
        elif cls == "ruDetox":
            item = {"outputs": outputs[0][-1], "meta": {"id": doc_id}}
        elif cls == "USE":
            o = by_id[doc_id]
            item = {"outputs": outputs[0], "meta": {"id": doc_id, "id_task": o["meta"]["id_task"],
                                                     "variant": o["meta"]["variant"]}}
        elif cls in ("ruHumanEval", "ruCodeEval"):
            item = {"outputs": outputs, "meta": {"id": doc_id}}
        else:
            item = {"outputs": outputs[0], "meta": {"id": doc_id}}
        res.append(item)
    return {"data": {"test": res}}


# ---- the site's scoring re-stated (modules/scoring/src/tasks, transformers squad_metrics) ----
def normalize_answer(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s, flags=re.UNICODE)
    return " ".join(s.split())


def squad_f1(gold, pred):
    g = normalize_answer(gold).split() if gold else []
    p = normalize_answer(pred).split() if pred else []
    if not g or not p:
        return int(g == p)
    common = collections.Counter(g) & collections.Counter(p)
    same = sum(common.values())
    if same == 0:
        return 0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)


def use_score(t, id_task, ans, pred):
    if t == "matching":
        p, a = pred.split(","), ans.split(",")
        return 0 if len(a) != len(p) else sum(1 for k, x in enumerate(a) if x == p[k])
    if t == "text":
        return int(re.sub(r"[\d+\W+]", "", pred).lower() in ans.split(","))
    p, a = pred.split(","), ans.split(",")
    if id_task == "16":
        while len(p) < len(a):
            p.append("-1")
        return max(0, len(set(a) & set(p)) - len(p) + len(a))
    return int(len(set(a) & set(p)) == len(set(a)) == len(set(p)))


def pass_k(n, c, k):
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def check_solution(y_true, y_pred):
    if len(y_pred) == 0 or len(y_true) != len(y_pred) or not isinstance(y_true[0], type(y_pred[0])):
        return 0
    return int(all(t == y_pred[k] for k, t in enumerate(y_true)))


def site_scores(cls, sub, docs):
    key = (lambda d: f"dialog_id:{d['meta']['dialog_id']};question_id:{d['meta']['question_id']}") if cls == "ruTiE" \
        else (lambda d: d["meta"]["id"])
    pred = {key(d): d for d in sub["data"]["test"]}
    vals = collections.defaultdict(list)
    for g in docs:
        p = pred[key(g)]
        yt, yp = g["outputs"], p["outputs"]
        if cls in ("CheGeKa", "MultiQ"):
            vals["f1"].append(max(squad_f1(x, yp) for x in yt.split(";")))
            vals["em"].append(max(int(normalize_answer(x) == normalize_answer(yp)) for x in yt.split(";")))
        elif cls in ("ruModAr", "ruMultiAr", "SimpleAr"):
            vals["em"].append(yt == yp)
        elif cls == "USE":
            m = g["meta"]
            s = use_score(m["type"], m["id_task"], yt, yp)
            vals["grade_norm"].append((s, m["variant"], m["score"]))
            vals[f"grade_norm.task{m['id_task']}"].append((s, m["id_task"], m["score"]))
        elif cls == "ruEthics":
            for cat in yt:
                vals[f"{g['meta']['question']}.{cat}"].append((float(yt[cat]), float(yp[cat])))
        elif cls in ("ruHumanEval", "ruCodeEval"):
            res = yp[0]
            c = sum(check_solution(yt, r) for r in res)
            for k in (1, 5, 10):
                vals[f"pass@{k}"].append(pass_k(len(res), c, k))
        else:
            vals["acc"].append(yt == yp)
            if cls in ("RCB", "ruOpenBookQA", "ruWorldTree"):
                vals["f1_macro"].append((yt, yp))
            grp = {"ruMMLU": lambda: g["meta"]["domain"], "MaMuRAMu": lambda: g["meta"]["domain"],
                   "ruHHH": lambda: g["meta"]["criteria"], "ruHateSpeech": lambda: g["inputs"]["target_group"]}
            if cls in grp:
                vals[f"acc.{grp[cls]()}"].append(yt == yp)
    out = {}
    for m, items in vals.items():
        if m == "f1_macro":
            out[m] = float(f1_score([a for a, _ in items], [b for _, b in items], average="macro"))
        elif cls == "ruEthics":
            out[m] = float(matthews_corrcoef([a for a, _ in items], [b for _, b in items]))
        elif m == "grade_norm":
            sc, mx = collections.defaultdict(float), collections.defaultdict(float)
            for s, v, ms in items:
                sc[v] += s
                mx[v] += ms
            out[m] = sum(sc[v] / mx[v] for v in sc) / len(sc)
        elif m.startswith("grade_norm."):
            out[m] = sum(s / ms for s, _, ms in items) / len(items)
        else:
            out[m] = sum(float(x) for x in items) / max(len(items), 1)
    return out


USE_IN_TOTAL = ["CheGeKa", "LCS", "MaMuRAMu", "MathLogicQA", "MultiQ", "PARus", "RCB", "ruCodeEval", "ruModAr",
                "ruMultiAr", "ruOpenBookQA", "ruTiE", "ruWorldTree", "RWSD", "USE"]


def main():
    data, ev, lm = build_run()
    for d in ["run", "lmeval_logs", "data", "expected_ll", "expected_gen"]:
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    for src, docs in data.items():
        os.makedirs(os.path.join(OUT, "data", src), exist_ok=True)
        with open(os.path.join(OUT, "data", src, "test.jsonl"), "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    results = {"results": {}, "configs": {}, "n-shot": {}, "n-samples": {}, "higher_is_better": {}, "versions": {},
               "config": {"model": "synthetic", "seed": 1234, "fewshot_seed": 1234, "limit": None, "gen_kwargs": {},
                          "predict_only": True},
               "evalrun_version": "0.1.0", "evalrun": {"shard": {"index": 0, "count": 1}}}
    shots = {"simplear": 2, "multiq": 0, "rumodar": 0, "ruethics": 0, "ruhhh": 0, "ruhumaneval": 0, "rucodeeval": 0}
    for name, recs in ev.items():
        src = name[:-4] if name.endswith("_gen") else name
        results["results"][name] = {"alias": name}
        results["n-shot"][name] = shots.get(src, 1)
        results["n-samples"][name] = {"original": len(recs), "effective": len(recs)}
        cfg = {"task": name, "dataset_name": src}
        if name in ("ruhumaneval", "rucodeeval"):
            cfg["generation_kwargs"] = {"do_sample": True, "temperature": 0.6, "until": ["\nclass"]}
        results["configs"][name] = cfg
        with open(os.path.join(OUT, "run", f"samples_{name}.jsonl"), "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open(os.path.join(OUT, "lmeval_logs", f"samples_{name}_2026-11-23T18-00-00.000000.jsonl"), "w",
                  encoding="utf-8") as f:
            for r in lm[name]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "run", "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=2)
    scores = {}
    for gen, folder in ((False, "expected_ll"), (True, "expected_gen")):
        per_task = {}
        for cls in list(CLS) + list(TEXT):
            src = CLS[cls][0] if cls in CLS else TEXT[cls]
            name = src + "_gen" if gen and cls in CLS else src
            sub = to_submission(cls, lm[name], data[src], gen)
            with open(os.path.join(OUT, folder, f"{cls}.json"), "w", encoding="utf-8") as f:
                json.dump(sub, f, ensure_ascii=False, indent=4)
            if cls != "ruDetox":
                per_task[cls] = site_scores(cls, sub, data[src])
        total = sum(sum(v for k, v in per_task[c].items() if "." not in k) /
                    max(1, len([k for k in per_task[c] if "." not in k])) for c in USE_IN_TOTAL) / len(USE_IN_TOTAL)
        scores["gen" if gen else "ll"] = {"results": per_task, "total_score": total}
    with open(os.path.join(OUT, "expected_scores.json"), "w", encoding="utf-8") as f:
        json.dump(scores, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
