#!/usr/bin/python3
"""Random tiny Qwen3 checkpoints and their reference forward passes (golden files for Qwen3ReferenceTests).

A plain-PyTorch re-implementation of Hugging Face's `modeling_qwen3` (transformers 4.51 - 5.x; `transformers`
itself is not installed on the project's machines), written from its semantics:

* Qwen3RMSNorm: x * rsqrt(mean(x^2) + eps) computed in float32 (here: in the reference dtype), then weight * x.
* Qwen3Attention: q/k/v/o projections with bias = config.attention_bias (o_proj too); **q_norm / k_norm**, an RMSNorm
  of weight [head_dim] applied to every head's query and key vector (after the view to [B, T, heads, head_dim],
  before the transpose and before RoPE); RoPE in the rotate_half convention with
  inv_freq = 1 / theta^(arange(0, head_dim, 2) / head_dim); GQA by repeating KV heads; softmax(q k^T * head_dim^-0.5).
  q_proj maps hidden -> heads * head_dim, which differs from hidden here on purpose (explicit `head_dim`).
* Qwen3MLP: down(silu(gate(x)) * up(x)), no biases. Pre-norm residual blocks, final norm, lm_head (or the tied
  embedding).
* Attention: "causal" is HF's default mask; "bidirectional" lets every token see every token of the sequence (what
  `is_causal: false` means in recent transformers releases, and LLM2Vec-style encoders).
* hidden states follow `output_hidden_states`: index 0 = embeddings, l = after layer l, L = after the final norm
  (HF applies the final norm to the last entry).

Each sequence is run alone (no padding), in float64 for accuracy, and stored as float32; the C# test runs the same
checkpoint in float32, alone and in left/right-padded batches, and must agree within 1e-4. The float32 run of this
reference differs from the float64 one by the amount printed at the end (about 1e-6).

Output per case (tests/LlmEmbed.Tests/Models/Golden/qwen3/<case>/): config.json (Qwen3 keys), model.safetensors
(HF tensor names, float32), expected.safetensors with `seq{k}.input_ids` (int64 [T]) and
`seq{k}.{causal|bidirectional}.hidden.{l}` (float32 [T, hidden]) and `.logits` (float32 [T, vocab]).

Run: /usr/bin/python3 tools/generate_qwen3_reference.py  (torch 1.13, numpy; deterministic: fixed seeds, CPU, one thread)
"""

import json
import os
import struct
import sys

import numpy as np
import torch

torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "LlmEmbed.Tests", "Models", "Golden", "qwen3")

CASES = [
    {
        # Qwen3-0.6B's shape in miniature: tied embeddings, no biases, GQA, head_dim (8) * heads (4) = 32 != hidden 16,
        # the sliding-window keys present but off, as in the released configs.
        "name": "tied-gqa",
        "seed": 1234,
        "sequences": [9, 5],
        "config": {
            "architectures": ["Qwen3ForCausalLM"],
            "model_type": "qwen3",
            "vocab_size": 64,
            "hidden_size": 16,
            "intermediate_size": 40,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 8,
            "hidden_act": "silu",
            "max_position_embeddings": 128,
            "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0,
            "rope_scaling": None,
            "attention_bias": False,
            "attention_dropout": 0.0,
            "tie_word_embeddings": True,
            "use_sliding_window": False,
            "sliding_window": None,
            "max_window_layers": 2,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "torch_dtype": "float32",
            "use_cache": True,
        },
    },
    {
        # attention_bias true (q, k, v AND o_proj biases), a separate lm_head, one KV head, head_dim 12 * 2 heads = 24
        # != hidden 16, and transformers 5's `rope_parameters` block instead of a top-level rope_theta; a
        # sliding_window value that use_sliding_window: false switches off, and explicit layer_types.
        "name": "untied-bias",
        "seed": 4321,
        "sequences": [7, 4],
        "config": {
            "architectures": ["Qwen3ForCausalLM"],
            "model_type": "qwen3",
            "vocab_size": 48,
            "hidden_size": 16,
            "intermediate_size": 24,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 12,
            "hidden_act": "silu",
            "max_position_embeddings": 64,
            "rms_norm_eps": 1e-5,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0},
            "attention_bias": True,
            "tie_word_embeddings": False,
            "use_sliding_window": False,
            "sliding_window": 4096,
            "max_window_layers": 1,
            "layer_types": ["full_attention", "full_attention"],
            "bos_token_id": 0,
            "eos_token_id": [3, 4],
            "torch_dtype": "float32",
        },
    },
]


def rope_theta(c):
    params = c.get("rope_parameters")
    return params["rope_theta"] if params and "rope_theta" in params else c["rope_theta"]


def random_weights(c, seed):
    """HF tensor names -> float32 tensors. Larger than HF's init (std 0.02) so that attention is far from uniform and
    every part of the computation moves the outputs; norms and biases are random too, so none can be skipped unseen."""
    g = torch.Generator().manual_seed(seed)
    h, d, nh, nkv, inter = c["hidden_size"], c["head_dim"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]

    def randn(*shape, std):
        return torch.randn(*shape, generator=g, dtype=torch.float32) * std

    def norm(n):
        return 1.0 + randn(n, std=0.2)

    w = {"model.embed_tokens.weight": randn(c["vocab_size"], h, std=1.0)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm(h)
        w[p + "post_attention_layernorm.weight"] = norm(h)
        w[p + "self_attn.q_proj.weight"] = randn(nh * d, h, std=h ** -0.5)
        w[p + "self_attn.k_proj.weight"] = randn(nkv * d, h, std=h ** -0.5)
        w[p + "self_attn.v_proj.weight"] = randn(nkv * d, h, std=h ** -0.5)
        w[p + "self_attn.o_proj.weight"] = randn(h, nh * d, std=(nh * d) ** -0.5)
        if c["attention_bias"]:
            w[p + "self_attn.q_proj.bias"] = randn(nh * d, std=0.3)
            w[p + "self_attn.k_proj.bias"] = randn(nkv * d, std=0.3)
            w[p + "self_attn.v_proj.bias"] = randn(nkv * d, std=0.3)
            w[p + "self_attn.o_proj.bias"] = randn(h, std=0.3)
        w[p + "self_attn.q_norm.weight"] = norm(d)
        w[p + "self_attn.k_norm.weight"] = norm(d)
        w[p + "mlp.gate_proj.weight"] = randn(inter, h, std=h ** -0.5)
        w[p + "mlp.up_proj.weight"] = randn(inter, h, std=h ** -0.5)
        w[p + "mlp.down_proj.weight"] = randn(h, inter, std=inter ** -0.5)
    w["model.norm.weight"] = norm(h)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = randn(c["vocab_size"], h, std=h ** -0.5)
    return w


def rms_norm(x, weight, eps):
    # Qwen3RMSNorm: the statistics in float32 (float64 here), then weight * x in the input dtype.
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(c, w, ids, causal, dtype):
    """Hidden states (L + 1 of [T, hidden]) and logits [T, vocab] of one unpadded sequence."""
    W = {k: v.to(dtype) for k, v in w.items()}
    h, d, nh, nkv, eps = c["hidden_size"], c["head_dim"], c["num_attention_heads"], c["num_key_value_heads"], c["rms_norm_eps"]
    t = len(ids)
    x = W["model.embed_tokens.weight"][torch.tensor(ids)]
    positions = torch.arange(t, dtype=dtype)
    inv_freq = 1.0 / (rope_theta(c) ** (torch.arange(0, d, 2, dtype=torch.int64).to(dtype) / d))
    freqs = positions[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # [T, d], broadcast over heads
    if causal:
        mask = torch.full((t, t), float("-inf"), dtype=dtype).triu(1)
    else:
        mask = torch.zeros((t, t), dtype=dtype)

    def linear(v, name):
        out = v @ W[name + ".weight"].T
        return out + W[name + ".bias"] if name + ".bias" in W else out

    hidden = [x]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = linear(a, p + "self_attn.q_proj").view(t, nh, d)
        k = linear(a, p + "self_attn.k_proj").view(t, nkv, d)
        v = linear(a, p + "self_attn.v_proj").view(t, nkv, d)
        q = rms_norm(q, W[p + "self_attn.q_norm.weight"], eps).transpose(0, 1)  # [heads, T, d]
        k = rms_norm(k, W[p + "self_attn.k_norm.weight"], eps).transpose(0, 1)
        v = v.transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = nh // nkv
        k = k.repeat_interleave(group, dim=0)
        v = v.repeat_interleave(group, dim=0)
        scores = (q @ k.transpose(1, 2)) * d ** -0.5 + mask
        attended = torch.softmax(scores, dim=-1) @ v  # [heads, T, d]
        x = x + linear(attended.transpose(0, 1).reshape(t, nh * d), p + "self_attn.o_proj")
        m = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        gate = linear(m, p + "mlp.gate_proj")
        x = x + linear(torch.nn.functional.silu(gate) * linear(m, p + "mlp.up_proj"), p + "mlp.down_proj")
        hidden.append(x)
    last = rms_norm(x, W["model.norm.weight"], eps)
    hidden[-1] = last  # HF: the last hidden state is after the final norm
    head = W["model.embed_tokens.weight"] if c["tie_word_embeddings"] else W["lm_head.weight"]
    return hidden, last @ head.T


def save_safetensors(path, tensors, metadata=None):
    """The safetensors format by hand (the package is not installed): u64 header length, JSON header, raw data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        arr = t.numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[arr.dtype]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    worst32 = 0.0
    for case in CASES:
        c = case["config"]
        folder = os.path.join(OUT, case["name"])
        os.makedirs(folder, exist_ok=True)
        w = random_weights(c, case["seed"])
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(c, f, indent=2)
            f.write("\n")
        save_safetensors(os.path.join(folder, "model.safetensors"), w, {"format": "pt"})
        g = torch.Generator().manual_seed(case["seed"] + 1)
        expected = {}
        for k, length in enumerate(case["sequences"]):
            ids = torch.randint(0, c["vocab_size"], (length,), generator=g).tolist()
            expected[f"seq{k}.input_ids"] = torch.tensor(ids, dtype=torch.int64)
            for mode, causal in (("causal", True), ("bidirectional", False)):
                hidden, logits = forward(c, w, ids, causal, torch.float64)
                hidden32, logits32 = forward(c, w, ids, causal, torch.float32)
                for l, state in enumerate(hidden):
                    expected[f"seq{k}.{mode}.hidden.{l}"] = state.to(torch.float32)
                    worst32 = max(worst32, (hidden32[l].double() - state).abs().max().item())
                expected[f"seq{k}.{mode}.logits"] = logits.to(torch.float32)
                worst32 = max(worst32, (logits32.double() - logits).abs().max().item())
        # The two modes must differ, or the test could not tell them apart.
        assert (expected["seq0.causal.logits"] - expected["seq0.bidirectional.logits"]).abs().max() > 1e-2
        save_safetensors(os.path.join(folder, "expected.safetensors"), expected,
                         {"generator": "tools/generate_qwen3_reference.py", "reference_dtype": "float64", "torch": torch.__version__})
        print(f"{case['name']}: {sum(v.numel() for v in w.values())} parameters, sequences {case['sequences']}")
    print(f"float32 vs float64 reference: max abs difference {worst32:.2e}")


if __name__ == "__main__":
    sys.exit(main())
