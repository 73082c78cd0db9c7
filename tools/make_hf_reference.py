#!/usr/bin/env python3
"""Reference log-probs from Hugging Face transformers for random-weight Qwen2- and Llama-family models.

Creates each model with transformers itself (random weights, rounded to bf16-representable values and
saved with save_pretrained as float32 safetensors + config.json), then writes reference.json with
log p(token_i | tokens_<i) for fixed random token sequences:
  - "logprob"/"argmax": fp32, eager attention, on the CPU (exact fp32 math, no TF32);
  - "logprob_bf16": bf16 weights and activations with SDPA on the GPU, when one is present.
tests/cuda/hf_reference_test.cpp compares evalrun's CPU engine (always) and CUDA engine (on a GPU)
against these. Needs torch + transformers (the GPU machine has both):

  python3 tools/make_hf_reference.py --set tiny --out tests/fixtures/cuda/hf_reference      # committed
  python3 tools/make_hf_reference.py --set realistic --out /tmp/evalrun_hf_realistic         # not committed
"""
import argparse
import inspect
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

# name -> (config class, config kwargs, rope scaling or None, sequence lengths)
TINY = {
    "qwen2_tiny": (Qwen2Config, dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2, vocab_size=512,
                                     tie_word_embeddings=True), 1000000.0, None, [2, 17, 64, 200]),
    "llama_tiny_llama3_rope": (LlamaConfig, dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                                 num_attention_heads=4, num_key_value_heads=2, vocab_size=512,
                                                 tie_word_embeddings=False), 500000.0,
                               {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
                               [2, 17, 64, 200]),
}
# Real widths with few layers: Qwen2.5-0.5B (896/14/2, head_dim 64) and Llama-3.2-1B (2048/32/8, head_dim 64).
REALISTIC = {
    "qwen2_0p5b_width": (Qwen2Config, dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=4,
                                           num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                                           tie_word_embeddings=True), 1000000.0, None, [600, 97]),
    "llama3_1b_width": (LlamaConfig, dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=3,
                                          num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                                          tie_word_embeddings=True), 500000.0,
                        {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}, [600, 97]),
}


def make_config(cls, kwargs, theta, scaling):
    kwargs = dict(kwargs, rms_norm_eps=1e-6, max_position_embeddings=4096)
    params = inspect.signature(cls.__init__).parameters
    if "rope_parameters" in params:  # transformers >= 5
        rp = {"rope_type": "default", "rope_theta": theta}
        if scaling:
            rp.update(scaling)
            rp["rope_theta"] = theta
        kwargs["rope_parameters"] = rp
    else:
        kwargs["rope_theta"] = theta
        if scaling:
            kwargs["rope_scaling"] = dict(scaling)
    return cls(**kwargs)


def randomize(model, hidden, tied, seed):
    """Weights that keep activations O(1) and logits peaked (HF's default init gives near-uniform logits)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            u = torch.rand(p.shape, generator=g, dtype=torch.float32) * 2 - 1
            if name.endswith("norm.weight"):
                v = 1 + 0.2 * u
            elif name.endswith(".bias"):
                v = 0.2 * u
            elif "embed_tokens" in name:
                v = u * (2 * (3 / hidden) ** 0.5 if tied else 3 ** 0.5)
            elif "lm_head" in name:
                v = u * 2 * (3 / hidden) ** 0.5
            else:
                v = u * (3 / p.shape[-1]) ** 0.5
            p.copy_(v.to(torch.bfloat16).to(torch.float32))


def legacy_rope_keys(path, theta, scaling):
    """Also write rope_theta/rope_scaling (the keys real checkpoints carry) next to rope_parameters."""
    with open(path) as f:
        cfg = json.load(f)
    cfg.setdefault("rope_theta", theta)
    if scaling and "rope_scaling" not in cfg:
        cfg["rope_scaling"] = dict(scaling)
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


def seq_logprobs(model, tokens, device, dtype):
    ids = torch.tensor([tokens], device=device)
    with torch.no_grad():
        logits = model(ids).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    tgt = ids[0, 1:]
    picked = lp[:-1].gather(1, tgt[:, None])[:, 0]
    return picked.cpu().tolist(), lp[:-1].argmax(-1).cpu().tolist()


def build(name, spec, out_dir, seed):
    cls, kwargs, theta, scaling, lengths = spec
    config = make_config(cls, kwargs, theta, scaling)
    torch.manual_seed(seed)
    try:
        model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", torch_dtype=torch.float32)
    except TypeError:
        model = AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    model = model.float().eval()
    randomize(model, kwargs["hidden_size"], kwargs["tie_word_embeddings"], seed)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    model.save_pretrained(d)
    legacy_rope_keys(os.path.join(d, "config.json"), theta, scaling)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(d, extra)):
            os.remove(os.path.join(d, extra))

    g = torch.Generator().manual_seed(seed + 1)
    seqs = []
    torch.backends.cuda.matmul.allow_tf32 = False
    for n in lengths:
        tokens = torch.randint(0, kwargs["vocab_size"], (n,), generator=g).tolist()
        lp, am = seq_logprobs(model, tokens, "cpu", torch.float32)
        seqs.append({"tokens": tokens, "logprob": lp, "argmax": am, "logprob_bf16": None})
    if torch.cuda.is_available():
        gpu = AutoModelForCausalLM.from_pretrained(d, attn_implementation="sdpa").to("cuda", torch.bfloat16).eval()
        for s in seqs:
            s["logprob_bf16"], _ = seq_logprobs(gpu, s["tokens"], "cuda", torch.bfloat16)
        del gpu
    ref = {"model": name, "source": f"transformers {transformers.__version__}, torch {torch.__version__}",
           "fp32": "eager attention on the CPU", "bf16": "sdpa on " + (torch.cuda.get_device_name(0)
                                                                      if torch.cuda.is_available() else "none"),
           "sequences": seqs}
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(ref, f)
    print(f"{name}: wrote {d} ({sum(len(s['tokens']) for s in seqs)} tokens)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=["tiny", "realistic"], default="tiny")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    specs = TINY if a.set == "tiny" else REALISTIC
    for i, (name, spec) in enumerate(specs.items()):
        build(name, spec, a.out, a.seed + 10 * i)
    return 0


if __name__ == "__main__":
    sys.exit(main())
