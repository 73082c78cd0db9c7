#!/usr/bin/env python3
"""Writes the synthetic documents of the evaluator's pipeline tests (tests/fixtures/evaluator/data).

The documents are made up (no real benchmark text); their label counts are the reference values the
end-to-end tests check (with the mock backend's `mock:fixed` variant, every choice scores the same, so
the argmax is choice 0, and every generation is "1"). Run: python3 tools/make_evaluator_fixtures.py
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "evaluator", "data")


def write(task, split, docs):
    os.makedirs(os.path.join(ROOT, task), exist_ok=True)
    with open(os.path.join(ROOT, task, split + ".jsonl"), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def main():
    mc = []
    for i in range(40):
        words = " ".join(["слово"] * ((i * 7) % 13))
        mc.append({
            "premise": f"Документ {i}: {words}".strip(),
            "choice1": f"вариант один {i % 5}",
            "choice2": f"вариант два {i % 3}",
            "label": 0 if (i * 5) % 9 < 5 else 1,
        })
    write("evaltest_mc", "test", mc)
    write("evaltest_mc", "train", mc[:5])
    gen = []
    for i in range(20):
        gen.append({"question": f"Вопрос {i}. Сколько будет {i % 4} + {i % 3}? " + "ну " * (i % 6), "answer": "1" if i % 9 in (0, 2, 4, 8) or i == 7 else "2"})
    write("evaltest_gen", "test", gen)
    print("evaltest_mc label 0:", sum(d["label"] == 0 for d in mc), "of", len(mc))
    print("evaltest_gen answer 1:", sum(d["answer"] == "1" for d in gen), "of", len(gen))


if __name__ == "__main__":
    main()
