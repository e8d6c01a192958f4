"""Writes a safetensors file from torch tensors, by hand: Debian has no `safetensors` Python package.

Layout (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON header
({name: {dtype, shape, data_offsets}, "__metadata__": {...}}), then the raw little-endian data of every tensor.
varrl's C++ reader (src/varrl/core/safetensors.cpp) parses exactly this.
"""
import json
import struct
import sys

import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
           torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def _raw_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bit pattern is an int16's
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: torch.Tensor}; written in name order, the header padded with spaces to a multiple of 8."""
    if sys.byteorder != "little":
        raise RuntimeError("safetensors data is little-endian; this writer copies native bytes")
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: cannot store dtype {t.dtype}")
        raw = _raw_bytes(t)
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)
