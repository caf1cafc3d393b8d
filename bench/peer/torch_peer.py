#!/usr/bin/env python3
"""PyTorch-eager peer of the LlmEmbed bench (`llm-embed` bench `versus`).

Started by bench/LlmEmbed.Bench as a child process; it reads one JSON command per line on stdin and answers one JSON
line on stdout:
  {"op": "setup", "case": NAME, "kind": ..., "config": {...}, "dtype": "float32"|"bfloat16", ...}  -> {"ok": true}
  {"op": "run", "case": NAME}                                                                     -> {"seconds": s}
  {"op": "quit"}
The bench interleaves these with its own runs (ours, peer, ours, peer, ...) and keeps the best of each.

The model is the HF modeling_llama design written in plain PyTorch eager (Debian's python3-torch 1.13 has no
scaled_dot_product_attention, so attention is HF's "eager" path: QK^T, additive mask, float32 softmax, ·V). Shapes,
dtypes, token ids and the work done per case are those of the LlmEmbed case it is paired with; see bench/README.md.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)


class LoraLinear(nn.Module):
    """y = x W^T + b + (alpha / r) B A dropout(x); the base weight frozen once an adapter is attached."""

    def __init__(self, fan_in, fan_out, bias):
        super().__init__()
        self.base = nn.Linear(fan_in, fan_out, bias=bias)
        self.lora_a = None

    def add_adapter(self, rank, alpha, dropout):
        self.lora_a = nn.Linear(self.base.in_features, rank, bias=False)
        self.lora_b = nn.Linear(rank, self.base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_a.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_b.weight)
        self.dropout = nn.Dropout(dropout)
        self.scaling = alpha / rank
        for p in self.base.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        y = self.base(x)
        if self.lora_a is None:
            return y
        return y + self.lora_b(self.lora_a(self.dropout(x))) * self.scaling


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c["heads"], c["kv_heads"], c["hidden"] // c["heads"]
        h, bias = c["hidden"], c["qkv_bias"]
        self.q_proj = LoraLinear(h, self.heads * self.head_dim, bias)
        self.k_proj = LoraLinear(h, self.kv_heads * self.head_dim, bias)
        self.v_proj = LoraLinear(h, self.kv_heads * self.head_dim, bias)
        self.o_proj = LoraLinear(self.heads * self.head_dim, h, False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        return self.o_proj(out)


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = LoraLinear(c["hidden"], c["intermediate"], False)
        self.up_proj = LoraLinear(c["hidden"], c["intermediate"], False)
        self.down_proj = LoraLinear(c["intermediate"], c["hidden"], False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = Mlp(c)
        self.input_layernorm = RmsNorm(c["hidden"], c["eps"])
        self.post_attention_layernorm = RmsNorm(c["hidden"], c["eps"])

    def forward(self, x, cos, sin, mask):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Decoder(nn.Module):
    """A Llama/Qwen2 decoder with a tied LM head (the embedding matrix)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["layers"])])
        self.norm = RmsNorm(c["hidden"], c["eps"])
        head_dim = c["hidden"] // c["heads"]
        self.inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                continue
            with torch.no_grad():
                p.normal_(0, 0.02) if not name.endswith(".bias") else p.zero_()

    def forward(self, ids, attention_mask=None, logits=False):
        b, t = ids.shape
        dtype = self.embed_tokens.weight.dtype
        if attention_mask is None:
            positions = torch.arange(t).unsqueeze(0).expand(b, t)
            allowed = torch.ones(t, t, dtype=torch.bool).tril().view(1, 1, t, t)
        else:
            positions = (attention_mask.cumsum(1) - 1).clamp_min(0)
            allowed = attention_mask.bool().view(b, 1, 1, t) & torch.ones(t, t, dtype=torch.bool).tril()
            allowed = allowed | torch.eye(t, dtype=torch.bool)
        mask = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
        angles = positions.float().unsqueeze(-1) * self.inv_freq
        emb = torch.cat([angles, angles], -1).unsqueeze(1)
        cos, sin = emb.cos().to(dtype), emb.sin().to(dtype)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        x = self.norm(x)
        return F.linear(x, self.embed_tokens.weight) if logits else x


def eos_pool(hidden, attention_mask):
    """The last real token of each row (right padding), L2-normalised in float32."""
    last = attention_mask.sum(1) - 1
    pooled = hidden[torch.arange(hidden.shape[0]), last].float()
    return F.normalize(pooled, p=2, dim=1)


def padded(rows):
    t = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), t, dtype=torch.long)
    mask = torch.zeros(len(rows), t, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


class AdamW:
    """torch.optim.AdamW over float32 master weights when the model is bf16 (as LlmEmbed's AdamW does)."""

    def __init__(self, params, lr):
        self.params = [p for p in params if p.requires_grad]
        self.masters = [p.detach().float().clone().requires_grad_(True) if p.dtype != torch.float32 else p for p in self.params]
        self.opt = torch.optim.AdamW(self.masters, lr=lr, weight_decay=0.01)

    def step(self):
        for p, m in zip(self.params, self.masters):
            if m is not p:
                m.grad = p.grad.float()
        self.opt.step()
        with torch.no_grad():
            for p, m in zip(self.params, self.masters):
                if m is not p:
                    p.copy_(m)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class Case:
    def __init__(self, spec):
        torch.manual_seed(1)
        self.kind = spec["kind"]
        self.dtype = torch.bfloat16 if spec["dtype"] == "bfloat16" else torch.float32
        self.model = Decoder(spec["config"])
        if self.kind == "lora_step":
            for p in self.model.parameters():
                p.requires_grad_(False)
            for m in self.model.modules():
                if isinstance(m, LoraLinear):
                    m.add_adapter(spec["rank"], spec["alpha"], spec["dropout"])
        self.model.to(self.dtype)
        self.spec = spec
        if self.kind in ("forward", "encode"):
            self.model.eval()
            self.batches = [padded(b) for b in spec["batches"]]
        else:
            self.model.train()
            self.optimizer = AdamW(self.model.parameters(), spec["lr"])
            if self.kind == "lora_step":
                self.queries, self.positives = torch.tensor(spec["queries"]), torch.tensor(spec["positives"])
            else:
                self.ids = torch.tensor(spec["ids"])

    def run(self):
        if self.kind == "forward":
            with torch.no_grad():
                for ids, _ in self.batches:
                    self.model(ids)
        elif self.kind == "encode":
            with torch.no_grad():
                for ids, mask in self.batches:
                    eos_pool(self.model(ids, mask), mask).tolist()
        elif self.kind == "lora_step":
            self.optimizer.zero_grad()
            ones = torch.ones_like(self.queries)
            q = eos_pool(self.model(self.queries, ones), ones)
            p = eos_pool(self.model(self.positives, ones), ones)
            scores = q @ p.t() * self.spec["scale"]
            loss = F.cross_entropy(scores, torch.arange(q.shape[0]))
            loss.backward()
            self.optimizer.step()
        else:  # pretrain_step: causal LM over unpadded sequences, tied LM head, float32 cross-entropy
            self.optimizer.zero_grad()
            logits = self.model(self.ids, None, logits=True)[:, :-1]
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), self.ids[:, 1:].reshape(-1))
            loss.backward()
            self.optimizer.step()


def blas_library():
    """The BLAS that float32 matmuls go through (Debian's torch links libblas.so.3, an alternative: OpenBLAS or the slow reference BLAS)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line}
    return ", ".join(sorted(libs)) or "unknown"


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else None
    if threads:
        torch.set_num_threads(threads)
    cases = {}
    print(json.dumps({"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["op"] == "quit":
                break
            if cmd["op"] == "setup":
                cases[cmd["case"]] = Case(cmd)
                cases[cmd["case"]].run()  # warm-up
                print(json.dumps({"ok": True}), flush=True)
            elif cmd["op"] == "drop":
                cases.pop(cmd["case"], None)
                print(json.dumps({"ok": True}), flush=True)
            else:
                case = cases[cmd["case"]]
                start = time.perf_counter()
                case.run()
                print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
        except Exception as e:  # reported to the bench, which shows it in the table notes
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
