#!/usr/bin/env python3
"""The peer for bench_cuda_engine_bench: lm-eval's Hugging Face method on the same GPU and workload.

lm-eval's HFLM._loglikelihood_tokens, reproduced: every (context, continuation) request is one row
(context + continuation, last token dropped), rows sorted by length and right-padded into batches, a full
forward per batch, log_softmax over the full vocabulary at every position, then the continuation's
positions are gathered (sum of log-probs, is_greedy). Same model shape (Qwen2.5-1.5B, random bf16
weights), same workload shapes and unique-token counting as the C++ benchmark:
  (a) MMLU-like: ~600-token contexts, 4 single-token choices  (4 requests per document)
  (b) HellaSwag-like: ~100-token contexts, 4 endings of 20-40 tokens
With --ours results.json (from `bench_cuda_engine_bench --json results.json`), prints the speed-up.
--logits-cache reproduces lm-eval's optional dedup of one-token continuations sharing a context.

  python3 tools/cuda_bench_hf_peer.py --ours /tmp/ours.json
"""
import argparse
import json
import random
import sys
import time

import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM, Qwen2Config


def make_model(layers):
    kw = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=layers, num_attention_heads=12,
              num_key_value_heads=2, vocab_size=151936, rms_norm_eps=1e-6, max_position_embeddings=32768,
              tie_word_embeddings=True)
    try:
        cfg = Qwen2Config(rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, **kw)
    except TypeError:
        cfg = Qwen2Config(rope_theta=1000000.0, **kw)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(cfg, attn_implementation="sdpa")
    torch.set_default_dtype(torch.float32)
    return model.to(torch.bfloat16).eval()


def mmlu_requests(rng, docs, vocab):
    reqs = []
    for d in range(docs):
        ctx = [rng.randrange(vocab) for _ in range(rng.randint(560, 640))]
        for c in range(4):
            reqs.append((d, ctx, [(d * 4 + c) % vocab]))
    unique = sum(len(r[1]) for r in reqs[::4]) + docs  # context once + one continuation token
    return reqs, unique


def hellaswag_requests(rng, docs, vocab):
    reqs, unique = [], 0
    for d in range(docs):
        ctx = [rng.randrange(vocab) for _ in range(rng.randint(60, 140))]
        unique += len(ctx)
        for _ in range(4):
            end = [rng.randrange(vocab) for _ in range(rng.randint(20, 40))]
            unique += len(end)
            reqs.append((d, ctx, end))
    return reqs, unique


def run_lm_eval_method(model, reqs, batch_size, logits_cache):
    """Returns (seconds, results). Mirrors HFLM._loglikelihood_tokens for a causal model."""
    rows = []
    seen = {}
    for i, (doc, ctx, cont) in enumerate(reqs):
        key = (doc, len(cont) == 1)
        if logits_cache and len(cont) == 1 and key in seen:
            rows[seen[key]][3].append((i, cont))
            continue
        inp = (ctx + cont)[:-1]
        seen[key] = len(rows)
        rows.append((len(inp), inp, len(cont), [(i, cont)]))
    rows.sort(key=lambda r: -r[0])  # lm-eval: longest first
    results = [None] * len(reqs)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for b in range(0, len(rows), batch_size):
        batch = rows[b:b + batch_size]
        padlen = batch[0][0]
        inps = torch.zeros((len(batch), padlen), dtype=torch.long, device="cuda")
        for j, r in enumerate(batch):
            inps[j, :r[0]] = torch.tensor(r[1], device="cuda")
        with torch.no_grad():
            multi_logits = F.log_softmax(model(inps).logits, dim=-1)
        for j, (inplen, _, contlen, targets) in enumerate(batch):
            logits = multi_logits[j, inplen - contlen:inplen].unsqueeze(0)
            greedy = logits.argmax(dim=-1)
            for i, cont in targets:
                cont_t = torch.tensor(cont, dtype=torch.long, device="cuda").unsqueeze(0)
                max_equal = bool((greedy == cont_t).all())
                lp = torch.gather(logits, 2, cont_t.unsqueeze(-1)).squeeze(-1)
                results[i] = (float(lp.sum()), max_equal)
    torch.cuda.synchronize()
    return time.perf_counter() - t0, results


def largest_batch(model, reqs, logits_cache, start):
    """lm-eval's auto batch size idea: the largest power of two whose longest batch runs without OOM."""
    bs = start
    while bs >= 1:
        try:
            run_lm_eval_method(model, reqs[:bs * 4], bs, logits_cache)  # the longest rows come first
            return bs
        except torch.OutOfMemoryError:
            torch.cuda.empty_cache()
            bs //= 2
    raise SystemExit("even batch size 1 does not fit")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=28)
    ap.add_argument("--mmlu-docs", type=int, default=128)
    ap.add_argument("--hellaswag-docs", type=int, default=256)
    ap.add_argument("--max-batch-size", type=int, default=64)
    ap.add_argument("--logits-cache", action="store_true")
    ap.add_argument("--ours", help="JSON written by bench_cuda_engine_bench --json")
    ap.add_argument("--peak-flops", type=float, default=989e12)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("cuda_bench_hf_peer: skipped (no GPU)")
        return 0
    torch.backends.cuda.matmul.allow_tf32 = False
    t0 = time.perf_counter()
    model = make_model(a.layers)
    params = sum(p.numel() for p in model.parameters())
    print(f"transformers peer: Qwen2.5-1.5B shape, {a.layers} layers, {params / 1e9:.3f} B params on "
          f"{torch.cuda.get_device_name(0)} (built in {time.perf_counter() - t0:.1f} s)")
    ours = json.load(open(a.ours)) if a.ours else None
    rng = random.Random(1)
    vocab = 151936
    for name, make, docs in (("mmlu", mmlu_requests, a.mmlu_docs), ("hellaswag", hellaswag_requests, a.hellaswag_docs)):
        reqs, unique = make(rng, docs, vocab)
        bs = largest_batch(model, reqs, a.logits_cache, a.max_batch_size)
        secs, _ = run_lm_eval_method(model, reqs, bs, a.logits_cache)
        tps, rps = unique / secs, len(reqs) / secs
        line = (f"{name:10s} lm-eval HF method, batch {bs:3d}: {len(reqs):6d} requests {unique:8d} unique tokens in "
                f"{secs:7.2f} s: {tps:9.0f} tokens/s {rps:8.1f} requests/s  MFU {100 * 2 * params * tps / a.peak_flops:5.1f}%")
        if ours and name in ours:
            line += f"  | evalrun {ours[name]['tokens_per_s']:.0f} tokens/s: {ours[name]['tokens_per_s'] / tps:.1f}x"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
