#!/usr/bin/env python3
"""Reference values for evalrun's CPython random.Random port (tasks/python_random.cpp) and MERA's few-shot
sampler, produced by CPython itself. Writes tests/fixtures/tasks/python_random.json; with --mera, also
tests/fixtures/tasks/mera/expected_prompts.json (see make_mera_prompts below).

Run from the repository root:  python3 tools/make_sampler_fixtures.py
"""
import json
import math
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "tasks")


def sample_branch(n, k):
    """Which branch of random.sample CPython takes (mirrors Lib/random.py's setsize test)."""
    setsize = 21
    if k > 5:
        setsize += 4 ** math.ceil(math.log(k * 3, 4))
    return "pool" if n <= setsize else "set"


def random_cases():
    seeds = [0, 1, 42, 1234, 4294967295, 4294967296, 2**40 + 17, -7, 9223372036854775807]
    # (population size, k): both branches of sample(), k = 0, k = n, k > 5 (larger set table).
    sizes = [(1, 1), (2, 1), (5, 1), (5, 5), (21, 3), (22, 3), (21, 21), (60, 6), (86, 6), (100, 6),
             (285, 1), (1000, 50), (14012, 5), (3, 0), (400, 1)]
    cases = []
    for seed in seeds:
        rnd = random.Random(seed)
        case = {"seed": seed, "genrand": [rnd.getrandbits(32) for _ in range(8)]}
        case["getrandbits"] = [[k, rnd.getrandbits(k)] for k in (1, 7, 31, 32, 33, 48, 64, 0)]
        case["random"] = [repr(rnd.random()) for _ in range(3)]
        # Sequential calls on one generator, as MERA calls sample() once per document.
        seq = []
        for n, k in sizes:
            seq.append({"n": n, "k": k, "branch": sample_branch(n, k),
                        "result": rnd.sample(range(n), k)})
        case["samples"] = seq
        lst = list(range(10))
        rnd.shuffle(lst)
        case["shuffle10"] = lst
        cases.append(case)
    return cases


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    data = {
        "generator": "tools/make_sampler_fixtures.py",
        "python": sys.version.split()[0],
        "cases": random_cases(),
    }
    path = os.path.join(OUT_DIR, "python_random.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))
    write_json("pyformat_cases.json", pyformat_cases())
    write_json("regex_cases.json", regex_cases())
    write_json(os.path.join("mera", "expected_prompts.json"), mera_prompts())


def write_json(name, data):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


def pyformat_cases():
    """str.format results (or the exception type) computed by CPython."""
    cases = [
        ("{a} and {b}", {"a": "x", "b": "y"}),
        ("{{literal}} {a} }}{{", {"a": "x"}),
        ("{a!r}", {"a": "it's"}),
        ("{a!r}", {"a": 'say "hi"'}),
        ("{a!r}", {"a": "both ' and \""}),
        ("{a!r}", {"a": "new\nline\ttab\\"}),
        ("{a!r}", {"a": "Привет"}),
        ("{a!a}", {"a": "Привет"}),
        ("{a!s}", {"a": 5}),
        ("{a:>10}|{a:<6}|{a:^7}|{a:*^9}|{a:.2}", {"a": "abc"}),
        ("{a:>6}|{a:.1}", {"a": "ёжик"}),
        ("{n:05d}|{n:,}|{n:x}|{n:+}|{n:>8}|{n:#b}", {"n": 12345}),
        ("{n}|{n:d}", {"n": -42}),
        ("{f}|{f:.3f}|{f:e}|{f:.1%}", {"f": 3.14159}),
        ("{f}", {"f": 1e16}),
        ("{f}", {"f": 1e15}),
        ("{f}", {"f": 0.0001}),
        ("{f}", {"f": 1e-05}),
        ("{f}", {"f": 100.0}),
        ("{f}", {"f": 0.1}),
        ("{f}", {"f": 123456789.125}),
        ("{d}", {"d": {"k": [1, 2.5, None, True, "s"]}}),
        ("{t} {u}", {"t": True, "u": None}),
        ("{l[0]} {d[k]} {d[k][1]}", {"l": ["x", "y"], "d": {"k": ["p", "q"]}}),
        ("{w:{width}}|", {"w": "ab", "width": 5}),
        ("Текст: {text}\nОтвет:", {"text": "Москва — столица", "extra": "unused"}),
        ("{missing}", {"a": 1}),
        ("{", {}),
        ("}", {}),
        ("{a", {"a": 1}),
        ("{0}", {"a": 1}),
        ("{}", {"a": 1}),
        ("{a!x}", {"a": 1}),
        ("{a:d}", {"a": "s"}),
        ("{l[5]}", {"l": [1]}),
    ]
    out = []
    for template, kwargs in cases:
        try:
            out.append({"template": template, "kwargs": kwargs, "output": template.format(**kwargs)})
        except Exception as e:  # noqa: BLE001 - the exception type is the reference
            out.append({"template": template, "kwargs": kwargs, "error": type(e).__name__})
    return {"generator": "tools/make_sampler_fixtures.py", "cases": out}


def regex_cases():
    """re.findall results and lm-eval RegexFilter outputs (fallback "-1"), computed by CPython."""
    import re
    patterns = ["(\\b([0-9])\\b)", "(\\b([ABCD])\\b)", "(\\b(Да|Нет)\\b)", "\\bкот\\b", "\\w+", "(\\d+)",
                "\\B(ет)\\b", "(\\b(Да|Данет)\\b)", "Ответ:\\s*(\\S+)"]
    texts = ["Ответ: 1", "Да, конечно", "Данет", "Нет.", "Ответ Б", "ответ: B)", "1й вариант", "вариант 2.",
             "Думаю, что Нет", "НетДа Да", "котик и кот", "A B", "Ответ:A", "АB", "x_1 2", "² и 3", "١٢٣ 45",
             "Ответ:\u00a0Да", "", "ДаНет", "B2 и C", "5", "нет Нет"]
    out = []
    for p in patterns:
        rx = re.compile(p)
        for t in texts:
            found = rx.findall(t)
            norm = [list(m) if isinstance(m, tuple) else [m] for m in found]
            if found:
                m = found[0]
                if isinstance(m, tuple):
                    m = [x for x in m if x][0] if any(m) else None
                filt = m.strip() if m is not None else None
            else:
                filt = "-1"
            out.append({"pattern": p, "text": t, "findall": norm, "filter": filt})
    return {"generator": "tools/make_sampler_fixtures.py", "cases": out}


# ---- MERA prompts: a re-statement of the harness logic (MERA-Evaluation/MERA benchmark_tasks/
# custom_samplers.py FewshotSampler + lm_eval/api/task.py fewshot_context at the v1.2.0 submodule),
# rendering the task templates with jinja2 exactly as lm-eval's apply_template does.

MERA_ZERO_SHOT = ("{{instruction.format(**inputs).strip() if inputs is mapping else "
                  "instruction.format(inputs=inputs).strip()}}")
MERA_TASKS = {
    "parus": {
        "no_instruction": "{{'Ситуация: {premise}\nФрагмент 1: {choice1}\nФрагмент 2: {choice2}\nОтвет:'.format(**inputs)}}",
        "query": "{{instruction.format(**inputs)}}\nОтвет:",
        "choices": ["1", "2"],
    },
    "rummlu": {
        "no_instruction": "{{'{text}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs).lstrip()}}",
        "query": "{{instruction.format(**inputs).strip()}}",
        "choices": ["A", "B", "C", "D"],
    },
}


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mera_prompts():
    from jinja2 import BaseLoader, Environment, StrictUndefined
    env = Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)

    def apply(template, doc):
        return env.from_string(template).render(**doc)

    result = {"generator": "tools/make_sampler_fixtures.py", "seed": 1234, "tasks": {}}
    for task, spec in MERA_TASKS.items():
        base = os.path.join(OUT_DIR, "mera", task)
        train = load_jsonl(os.path.join(base, "train.jsonl"))
        test = load_jsonl(os.path.join(base, "test.jsonl"))
        modes = {}
        for k in (0, 1, 2):
            # Three separate runs (plain, chat, multi-turn chat), each with a fresh Random(1234).
            # In chat mode without multi-turn, lm-eval's get_chat_context samples once and then calls
            # get_context, which samples again: two draws per document, the second one is used.
            rnd = {"plain": random.Random(1234), "chat": random.Random(1234), "multiturn": random.Random(1234)}

            def draw(doc, mode):
                if k == 0:
                    return []
                if doc["meta"].get("domain", False):
                    cands = [x for x in train if x["meta"]["domain"] == doc["meta"]["domain"]]
                elif doc["meta"].get("id_task", False):
                    cands = [x for x in train if x["meta"]["id_task"] == doc["meta"]["id_task"]]
                else:
                    cands = train
                if mode == "chat":
                    rnd[mode].sample(cands, k)
                drawn = rnd[mode].sample(cands, k)  # fewshot_split is unset: no extra draw
                return [x for x in drawn if x != doc][:k]

            def render(shots, doc):
                texts = [apply(spec["query"] if i == 0 else spec["no_instruction"], s) for i, s in enumerate(shots)]
                answers = [s["outputs"] for s in shots]
                labeled = "".join(t + " " + a + "\n\n" for t, a in zip(texts, answers))
                question = apply(spec["no_instruction"] if k > 0 else MERA_ZERO_SHOT, doc)
                return texts, answers, labeled, question

            items = []
            system = "Ты — эксперт."
            for doc in test:
                shots = draw(doc, "plain")
                _, _, labeled, question = render(shots, doc)
                # chat, one user turn (system prompt given)
                chat_shots = draw(doc, "chat")
                _, _, chat_labeled, _ = render(chat_shots, doc)
                chat = [{"role": "system", "content": system}]
                if k > 0:
                    chat.append({"role": "user", "content": chat_labeled})
                    chat[-1]["content"] += question
                else:
                    chat.append({"role": "user", "content": question})
                mt_shots = draw(doc, "multiturn")
                texts, answers, _, _ = render(mt_shots, doc)
                multiturn = [{"role": "system", "content": system}]
                for t, a in zip(texts, answers):
                    multiturn += [{"role": "user", "content": t}, {"role": "assistant", "content": a}]
                multiturn.append({"role": "user", "content": question})
                items.append({
                    "shots": [train.index(s) for s in shots],
                    "chat_shots": [train.index(s) for s in chat_shots],
                    "context": labeled + question,
                    "chat": chat,
                    "multiturn": multiturn,
                    "continuations": [" " + c for c in spec["choices"]],
                })
            modes[str(k)] = items
        result["tasks"][task] = modes
    return result


if __name__ == "__main__":
    main()
