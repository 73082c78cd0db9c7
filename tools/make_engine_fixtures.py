#!/usr/bin/python3
"""Reference log-probs for the engine parity tests (tests/engine/parity_test.cpp).

An independent, straightforward PyTorch (Debian python3-torch, CPU) implementation of the Llama, Mistral,
Qwen2 and Qwen3 causal LMs following Hugging Face transformers' modeling_{llama,mistral,qwen2,qwen3}.py:
RMSNorm, rotate_half rotary embeddings (default / linear / llama3 inv_freq), Qwen2 q/k/v biases, Qwen3
per-head q/k RMSNorm before rotary, GQA via repeat_interleave, causal (+ sliding window) softmax
attention, SwiGLU MLP, final norm, lm_head (tied or not). Computation is float64 (inv_freq and the
rotary angles in float32 exactly as transformers computes them), so the fixtures are the "true" values
that evalrun's fp32 engine must match to 1e-3.

It reads the SAME safetensors that `evalrun make-test-model` writes (a small numpy reader, no
safetensors package needed) and records the weights' SHA-256 so the test can prove it regenerated the
same model.

Usage:  /usr/bin/python3 tools/make_engine_fixtures.py --evalrun build-engine/evalrun [--out tests/fixtures/engine]
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

# name, make-test-model arguments, token sequence lengths
CASES = [
    ("llama_tiny", ["--arch", "llama", "--hidden", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                    "--intermediate", "128", "--rope-scaling", "llama3", "--seed", "11"], [40, 130]),
    ("mistral_tiny", ["--arch", "mistral", "--hidden", "64", "--layers", "2", "--heads", "4", "--kv-heads", "1",
                      "--intermediate", "96", "--sliding-window", "8", "--seed", "12"], [40, 25]),
    ("qwen2_tiny", ["--arch", "qwen2", "--hidden", "64", "--layers", "3", "--heads", "4", "--kv-heads", "2",
                    "--intermediate", "128", "--rope-theta", "1000000", "--seed", "13"], [40, 70]),
    ("qwen3_tiny", ["--arch", "qwen3", "--hidden", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                    "--head-dim", "32", "--intermediate", "128", "--rope-scaling", "linear", "--seed", "14"], [40, 60]),
    # Real widths and head layouts, fewer layers (the test must run in seconds on 2 cores).
    ("smollm360m_shape", ["--arch", "llama", "--hidden", "960", "--layers", "2", "--heads", "15", "--kv-heads", "5",
                          "--intermediate", "2560", "--vocab", "49152", "--tie", "yes", "--dtype", "bf16",
                          "--seed", "21"], [48]),
    ("qwen25_05b_shape", ["--arch", "qwen2", "--hidden", "896", "--layers", "2", "--heads", "14", "--kv-heads", "2",
                          "--intermediate", "4864", "--vocab", "151936", "--rope-theta", "1000000", "--dtype", "bf16",
                          "--seed", "22"], [48]),
    ("qwen3_06b_shape", ["--arch", "qwen3", "--hidden", "1024", "--layers", "1", "--heads", "16", "--kv-heads", "8",
                         "--head-dim", "128", "--intermediate", "3072", "--vocab", "151936", "--rope-theta", "1000000",
                         "--dtype", "bf16", "--seed", "23"], [48]),
]


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b: base + e]
        if info["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        elif info["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float64)
        else:
            raise ValueError(info["dtype"])
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def inv_freq_hf(cfg, head_dim):
    # transformers' _compute_default_rope_parameters (float32), then the scaling variants.
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        inv = torch.where(medium, smoothed, inv_l)
    return inv


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward_logprobs(cfg, W, tokens):
    arch = cfg["architectures"][0]
    H, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim") or H // nh
    eps = cfg["rms_norm_eps"]
    T = len(tokens)
    window = None
    if arch == "MistralForCausalLM":
        window = cfg.get("sliding_window")
    elif arch in ("Qwen2ForCausalLM", "Qwen3ForCausalLM") and cfg.get("use_sliding_window"):
        window = cfg["sliding_window"]  # max_window_layers is 0 in the test models: every layer
    pos = torch.arange(T, dtype=torch.int64)
    freqs = (inv_freq_hf(cfg, hd)[None, :].float() * pos[:, None].float())  # float32 like transformers
    emb = torch.cat((freqs, freqs), dim=-1).double()
    cos, sin = emb.cos(), emb.sin()
    i = torch.arange(T)
    allowed = i[None, :] <= i[:, None]
    if window:
        allowed = allowed & (i[:, None] - i[None, :] < window)
    mask = torch.zeros(T, T, dtype=torch.float64).masked_fill(~allowed, float("-inf"))

    def lin(x, name, bias=False):
        y = x @ W[name + ".weight"].T
        if bias:
            y = y + W[name + ".bias"]
        return y

    x = W["model.embed_tokens.weight"][torch.tensor(tokens)]
    qkv_bias = arch == "Qwen2ForCausalLM" or cfg.get("attention_bias", False)
    o_bias = arch != "Qwen2ForCausalLM" and cfg.get("attention_bias", False)
    for l in range(L):
        p = f"model.layers.{l}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj", qkv_bias).view(T, nh, hd)
        k = lin(h, p + "self_attn.k_proj", qkv_bias).view(T, nkv, hd)
        v = lin(h, p + "self_attn.v_proj", qkv_bias).view(T, nkv, hd)
        if arch == "Qwen3ForCausalLM":  # per-head RMSNorm before rotary
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # [heads, T, hd]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        att = (q @ k.transpose(1, 2)) * hd ** -0.5 + mask
        o = torch.softmax(att, dim=-1) @ v  # [heads, T, hd]
        o = o.transpose(0, 1).reshape(T, nh * hd)
        x = x + lin(o, p + "self_attn.o_proj", o_bias)
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        mlp_bias = cfg.get("mlp_bias", False)
        g = lin(h, p + "mlp.gate_proj", mlp_bias)
        u = lin(h, p + "mlp.up_proj", mlp_bias)
        x = x + lin(torch.nn.functional.silu(g) * u, p + "mlp.down_proj", mlp_bias)
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    logp = torch.log_softmax(x @ head.T, dim=-1)
    return [float(logp[t, tokens[t + 1]]) for t in range(T - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evalrun", required=True, help="path of the evalrun executable (for make-test-model)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "engine"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    for name, mk_args, lengths in CASES:
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([args.evalrun, "make-test-model", "--out", d] + mk_args, check=True,
                           stdout=subprocess.DEVNULL)
            cfg = json.load(open(os.path.join(d, "config.json")))
            W = read_safetensors(os.path.join(d, "model.safetensors"))
            sha = hashlib.sha256(open(os.path.join(d, "model.safetensors"), "rb").read()).hexdigest()
        rng = np.random.RandomState(sum(map(ord, name)))
        seqs = []
        for n in lengths:
            toks = [int(t) for t in rng.randint(0, cfg["vocab_size"], size=n)]
            seqs.append({"tokens": toks, "logprobs": forward_logprobs(cfg, W, toks)})
        fixture = {"name": name, "source": "tools/make_engine_fixtures.py (PyTorch %s, float64)" % torch.__version__,
                   "make_test_model_args": mk_args, "weights_sha256": sha, "sequences": seqs}
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump(fixture, f)
            f.write("\n")
        print(name, "ok", [len(s["tokens"]) for s in seqs], file=sys.stderr)


if __name__ == "__main__":
    main()
