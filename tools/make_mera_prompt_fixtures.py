#!/usr/bin/env python3
"""Expected prompts, shots and requests of every MERA v1.2 task on the fixture data
(tests/fixtures/tasks/mera/<task>/), computed by re-stating MERA's harness in CPython:
benchmark_tasks/custom_samplers.py FewshotSampler, custom_context_formers.py ruTiEContextFormer,
rutie/utils.py (process_docs, replace_targets), use/utils.py (process_docs), ruethics/utils.py
(doc_to_target) and lm-eval's fewshot_context, with the tasks' Jinja templates rendered by jinja2 as
lm-eval's apply_template does. Modes: plain text, chat (one user turn) and multi-turn chat, both with a
system prompt; the shot count is MERA's run-script value (and 0).
Output: tests/fixtures/tasks/mera/expected_all_prompts.json.
Run from the repository root: python3 tools/make_mera_prompt_fixtures.py
"""
import json
import os
import random

from jinja2 import BaseLoader, Environment, StrictUndefined

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "fixtures", "tasks", "mera")
ENV = Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)
SYSTEM = "Ты — полезный ассистент."

ZERO = ("{{instruction.format(**inputs).strip() if inputs is mapping else "
        "instruction.format(inputs=inputs).strip()}}")
FMT_Q_STRIP = "{{instruction.format(**inputs).strip()}}"
FMT_Q_INPUTS_STRIP = "{{instruction.format(inputs=inputs).strip()}}"
FMT_Q = "{{instruction.format(**inputs)}}"
FMT_Q_ANSWER = "{{instruction.format(**inputs)}}\nОтвет:"
ABCD, D01, D12 = ["A", "B", "C", "D"], ["0", "1"], ["1", "2"]
BPS_TEXT = "{{instruction.replace('фигурные {}', 'фигурные {empty}').format(inputs=inputs, empty='{}')}}"
RUTIE_TEXT = ("{{instruction.replace('{', '{{').replace('}', '}}').replace('{{question}}', '{question}')"
              ".replace('{{choice1}}', '{choice1}').replace('{{choice2}}', '{choice2}').format(**inputs).strip()}}")
CODE_STOP = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]

# task: (k, pool split, zero-shot template, query, no-instruction template, choices (None = generative),
#        gen twin name or None, until)
T = {
    "bps": (1, "train", BPS_TEXT, BPS_TEXT, "Последовательность: {{inputs}}\nОтвет:", ["0", "1"], "bps_gen", None),
    "lcs": (1, "public_test", ZERO, FMT_Q_INPUTS_STRIP, "Строки: {{inputs}}\nОтвет:", [str(i) for i in range(10)], "lcs_gen", None),
    "mathlogicqa": (1, "train", ZERO, FMT_Q_STRIP, "{{'{text}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs)}}", ABCD, "mathlogicqa_gen", None),
    "rcb": (1, "train", ZERO, FMT_Q_ANSWER, "{{'Ситуация: {premise}\nГипотеза: {hypothesis}\nОтвет:'.format(**inputs)}}", ["1", "2", "3"], "rcb_gen", None),
    "rwsd": (1, "train", ZERO, FMT_Q_ANSWER, "{{'Текст: {text}\nФрагмент 1: {span1_text}\nФрагмент 2: {span2_text}\nОтвет:'.format(**inputs)}}", ["Да", "Нет"], "rwsd_gen", None),
    "parus": (1, "train", ZERO, FMT_Q_ANSWER, "{{'Ситуация: {premise}\nФрагмент 1: {choice1}\nФрагмент 2: {choice2}\nОтвет:'.format(**inputs)}}", D12, "parus_gen", None),
    "rummlu": (1, "train", ZERO, FMT_Q_STRIP, "{{'{text}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs).lstrip()}}", ABCD, "rummlu_gen", None),
    "mamuramu": (1, "train", ZERO, FMT_Q_STRIP, "{{'{text}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs).lstrip()}}", ABCD, "mamuramu_gen", None),
    "ruopenbookqa": (1, "train", ZERO, FMT_Q_STRIP, "{{'{question}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs)}}", ABCD, "ruopenbookqa_gen", None),
    "ruworldtree": (1, "train", ZERO, FMT_Q_STRIP, "{{'{question}\nA) {option_a}\nB) {option_b}\nC) {option_c}\nD) {option_d}\nОтвет:'.format(**inputs)}}", ABCD, "ruworldtree_gen", None),
    "ruethics": (0, "test", ZERO, FMT_Q, "{{'Текст: {text}\nАктант 1: {actant_1}\nАктант 2: {actant_2}\nОтветы:'.format(**inputs)}}", D01, "ruethics_gen", None),
    "ruhatespeech": (1, "test", ZERO, FMT_Q, "{{'Реплика: {replica}\nОтвет 1: {reply_1}\nОтвет 2: {reply_2}\nЦелевая группа: {target_group}\nОтвет:'.format(**inputs)}}", D12, "ruhatespeech_gen", None),
    "ruhhh": (0, "test", ZERO, FMT_Q_STRIP, "{{'Запрос: {query}\nОтвет 1: {reply_1}\nОтвет 2: {reply_2}\nОтвет:'.format(**inputs)}}", D12, "ruhhh_gen", None),
    "chegeka": (1, "train", ZERO, FMT_Q_STRIP, "{{'Категория \"{topic}\"\nВопрос: {text}\nОтвет:'.format(**inputs)}}", None, None, ["\n"]),
    "multiq": (0, "train", ZERO, FMT_Q_STRIP, "{{'Вопрос: {question}\nТекст 1: {support_text}\nТекст 2: {text}\nОтвет:'.format(**inputs)}}", None, None, ["\n"]),
    "rumodar": (0, "public_test", ZERO, FMT_Q_INPUTS_STRIP, "{{inputs}}", None, None, ["\n"]),
    "rumultiar": (1, "train", ZERO, FMT_Q_INPUTS_STRIP, "{{inputs.strip()}}", None, None, ["\n"]),
    "simplear": (2, "train", ZERO, FMT_Q_INPUTS_STRIP, "{{inputs.strip()}}", None, None, ["\n"]),
    "rudetox": (1, "train", "{{instruction.format(toxic_comment=inputs).strip()}}", "{{instruction.format(toxic_comment=inputs).strip()}}", "Токсичный текст: {{inputs}}\nНетоксичный текст:", None, None, ["\n"]),
    "use": (1, "train", ZERO, FMT_Q, "{{doc_to_text_without_instruction}}", None, None, ["\n", "."]),
    "ruhumaneval": (0, "test", ZERO, FMT_Q_STRIP, "Функция:\n{{inputs.function.rstrip()}}", None, None, CODE_STOP),
    "rucodeeval": (0, "test", ZERO, FMT_Q_STRIP, "Функция:\n{{inputs.function.rstrip()}}", None, None, CODE_STOP),
}


def render(t, doc):
    return ENV.from_string(t).render(**doc)


def load(task, split):
    path = os.path.join(DATA, task, split + ".jsonl")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def use_process(doc):
    # use/utils.py _process_doc, restated.
    t, i = doc["meta"]["type"], doc["inputs"]
    if t in {"text", "multiple_choice_options_within_text"}:
        s = "Задание: {task}\n{text}\nОтвет:".format(**i)
    elif t == "matching":
        s = "Задание: {task}\nТекст: {text}\nРецензии: {additional_text}\nСписок терминов:\n{choices}\nОтвет:".format(**i)
    elif t == "multiple_choice_based_on_text":
        s = "Задание: {task}\nТекст: {text}\nВарианты ответа:\n{choices}\nОтвет:".format(**i)
    else:
        s = "Задание: {task}\nВарианты ответа:\n{choices}\nОтвет:".format(**i)
    return dict(doc, doc_to_text_without_instruction=s)


def target_of(task, doc, choices):
    if task == "ruethics":
        return "1" if sum(map(int, doc["outputs"].values())) >= 3 else "0"
    if task in ("ruhumaneval", "rucodeeval"):
        return doc["meta"]["canonical_solution"]
    t = doc["outputs"]
    return str(t[0]) if isinstance(t, list) else t


def sample(rnd, pool, doc, n):
    # FewshotSampler.sample
    if doc["meta"].get("domain", False):
        cands = [x for x in pool if x["meta"]["domain"] == doc["meta"]["domain"]]
    elif doc["meta"].get("id_task", False):
        cands = [x for x in pool if x["meta"]["id_task"] == doc["meta"]["id_task"]]
    else:
        cands = pool
    if doc["meta"].get("question_id", False):
        return cands[:n]
    return rnd.sample(cands, n)


def mera_task(task):
    k_default, pool_split, zero, query, no_instr, choices, _, until = T[task]
    test = load(task, "test")
    pool = test if pool_split == "test" else load(task, pool_split)
    limit = 20  # expected prompts for the first 20 documents keep the fixture small
    if task == "use":
        test, pool = [use_process(d) for d in test], [use_process(d) for d in pool]
    out = {}
    for k in sorted({0, k_default}):
        rnd = {m: random.Random(1234) for m in ("plain", "chat", "multiturn")}
        items = []
        for doc in test:
            def shots_for(mode):
                if k == 0:
                    return []
                if mode == "chat":
                    sample(rnd[mode], pool, doc, k)  # get_chat_context draws, then get_context draws again
                drawn = sample(rnd[mode], pool, doc, k)  # fewshot_split unset: no extra draw
                return [x for x in drawn if x != doc][:k]

            def parts(shots):
                texts = [render(query if i == 0 else no_instr, s) for i, s in enumerate(shots)]
                answers = [target_of(task, s, choices) for s in shots]
                return texts, answers, "".join(t + " " + a + "\n\n" for t, a in zip(texts, answers))

            question = render(no_instr if k > 0 else zero, doc)
            shots = shots_for("plain")
            _, _, labeled = parts(shots)
            chat_shots = shots_for("chat")
            _, _, chat_labeled = parts(chat_shots)
            mt_shots = shots_for("multiturn")
            texts, answers, _ = parts(mt_shots)
            multiturn = [{"role": "system", "content": SYSTEM}]
            for t, a in zip(texts, answers):
                multiturn += [{"role": "user", "content": t}, {"role": "assistant", "content": a}]
            multiturn.append({"role": "user", "content": question})
            item = {
                "shots": [pool.index(s) for s in shots],
                "chat_shots": [pool.index(s) for s in chat_shots],
                "context": labeled + question,
                "chat": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": chat_labeled + question}],
                "multiturn": multiturn,
            }
            if choices is not None:
                item["continuations"] = [" " + c for c in choices]
            else:
                item["until"] = until
                item["target"] = target_of(task, doc, None)
            items.append(item)
        out[str(k)] = items[:limit]
    return out


def rutie_task():
    """ruTiEContextFormer + rutie utils: dialogue context with RUTIE_TARGET placeholders, then filled."""
    docs = sorted(load("rutie", "test"), key=lambda x: [int(x["meta"]["dialog_id"]), int(x["meta"]["question_id"])])
    no_instr = "{{'{question}\n1. {choice1}\n2. {choice2}\nОтвет: RUTIE_TARGET_{idx}'.format(idx=meta['question_id'], **inputs).lstrip()}}"
    no_target = "{{'{question}\n1. {choice1}\n2. {choice2}\nОтвет:'.format(**inputs).lstrip()}}"
    target_t = "{{'RUTIE_TARGET_{idx}'.format(idx=meta['question_id'])}}"
    answers = ["1" if i % 3 else "2" for i in range(500)]  # a deterministic model's own answers

    def fill(s, q):
        for idx in range(q - 1, -1, -1):
            s = s.replace("RUTIE_TARGET_{}".format(idx), answers[idx])
        return s

    def shots(doc):
        start = doc["meta"]["dialog_id"] * 500
        return docs[start:start + doc["meta"]["question_id"]]

    def get_context(doc):
        ex = shots(doc)
        first, second = (doc["instruction"].split("{context}") + [None])[:2] if ex else (None, None)
        if ex:
            labeled = [first + render(no_instr, e) if i == 0 else render(no_instr, e) for i, e in enumerate(ex)]
            doc["instruction"] = second
        else:
            labeled = ""
            doc["instruction"] = doc["instruction"].replace("{context}", "")
        return "\n\n".join(labeled) + "\n\n"

    out = {}
    for k in (0, 1):
        items = []
        for d in docs:
            q = d["meta"]["question_id"]
            doc = json.loads(json.dumps(d))
            labeled = get_context(doc) if k else ""
            question = render(RUTIE_TEXT, doc)
            context = labeled + question
            chat = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": context}]
            doc = json.loads(json.dumps(d))
            multiturn = [{"role": "system", "content": SYSTEM}]
            if k and q > 0:
                first, second = doc["instruction"].split("{context}")
                doc["instruction"] = second
                for i, e in enumerate(shots(d)):
                    text = render(no_target, e)
                    multiturn += [{"role": "user", "content": (first + text) if i == 0 else text},
                                  {"role": "assistant", "content": render(target_t, e)}]
            multiturn.append({"role": "user", "content": render(RUTIE_TEXT, doc)})
            items.append({
                "dialog_id": d["meta"]["dialog_id"], "question_id": q,
                "shots": [docs.index(e) for e in shots(d)] if k else [],
                "context": context,
                "context_filled": fill(context, q),
                "chat": chat,
                "multiturn": multiturn,
                "multiturn_filled": [{"role": m["role"], "content": fill(m["content"], q)} for m in multiturn],
                "continuations": [" 1", " 2"],
            })
        out[str(k)] = items
    return {"answers": answers[:20], "modes": out}


def main():
    result = {"generator": "tools/make_mera_prompt_fixtures.py", "seed": 1234, "system": SYSTEM, "tasks": {}}
    for task in T:
        result["tasks"][task] = {"gen_twin": T[task][6], "modes": mera_task(task)}
    result["rutie"] = rutie_task()
    path = os.path.join(DATA, "expected_all_prompts.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
    print("wrote", os.path.relpath(path, ROOT), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
