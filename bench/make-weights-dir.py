#!/usr/bin/env python3
"""Writes a folder of large model files for `moat scan` benchmarks (not test fixtures).

- llama-7b-shaped.safetensors: a real safetensors header for a Llama-2-7B tensor layout (bf16),
  with the data region left sparse (13.5 GB apparent size, almost nothing on disk);
- model-q8.gguf: a GGUF v3 header with the same tensor list, sparse data;
- grads.bin: 1 GiB of float32 values (a real dense dump: the raw-float test samples it);
- archive.tar: 512 MiB of random bytes (an ordinary binary moat must not flag).
"""
import json
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# Llama-2-7B layout.
layers, hidden, inter, vocab = 32, 4096, 11008, 32000
tensors = [("model.embed_tokens.weight", [vocab, hidden]), ("lm_head.weight", [vocab, hidden]), ("model.norm.weight", [hidden])]
for i in range(layers):
    p = f"model.layers.{i}."
    tensors += [(p + "self_attn.q_proj.weight", [hidden, hidden]), (p + "self_attn.k_proj.weight", [hidden, hidden]),
                (p + "self_attn.v_proj.weight", [hidden, hidden]), (p + "self_attn.o_proj.weight", [hidden, hidden]),
                (p + "mlp.gate_proj.weight", [inter, hidden]), (p + "mlp.up_proj.weight", [inter, hidden]),
                (p + "mlp.down_proj.weight", [hidden, inter]), (p + "input_layernorm.weight", [hidden]),
                (p + "post_attention_layernorm.weight", [hidden])]

header, offset = {"__metadata__": {"format": "pt"}}, 0
for name, shape in tensors:
    n = int(np.prod(shape)) * 2
    header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + n]}
    offset += n
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (len(h) + 8) % 8) % 8)
with open(os.path.join(out, "llama-7b-shaped.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    f.truncate(8 + len(h) + offset)

def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

kv = [("general.architecture", "llama"), ("general.name", "bench-7b"), ("general.size_label", "7B")]
body = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
for k, v in kv:
    body += gguf_str(k) + struct.pack("<I", 8) + gguf_str(v)
off = 0
for name, shape in tensors:
    body += gguf_str(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in reversed(shape))
    body += struct.pack("<IQ", 8, off)  # Q8_0
    off += (int(np.prod(shape)) // 32) * 34
    off = (off + 31) // 32 * 32
body += b"\0" * ((32 - len(body) % 32) % 32)
with open(os.path.join(out, "model-q8.gguf"), "wb") as f:
    f.write(body)
    f.truncate(len(body) + off)

rng = np.random.default_rng(0)
with open(os.path.join(out, "grads.bin"), "wb") as f:
    for _ in range(16):
        (rng.standard_normal(16 << 20, dtype=np.float32) * 1e-4).tofile(f)
with open(os.path.join(out, "archive.tar"), "wb") as f:
    for _ in range(8):
        f.write(rng.bytes(64 << 20))
print("weights dir written", file=sys.stderr)
