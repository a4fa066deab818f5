"""Decoding dumps: BOMs, UTF-16, Windows Hebrew/Arabic, mojibake, control characters, gzip."""
from __future__ import annotations

import codecs
import gzip

import pytest

from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.cleaning.encoding import decode_payload, declared_charset
from orchestration.core.ingest import _make_dump, scan_landing

HEBREW = ("ממשלת האחדות הפלסטינית הושבעה היום ברמאללה. ארצות הברית הודיעה כי תמשיך לעבוד עם "
          "הממשלה החדשה.\nהשיחות נמשכו שישה חודשים, לפי מקורות דיפלומטיים.")
ARABIC = ("قالت مصادر دبلوماسية إن الولايات المتحدة أجرت محادثات سرية مع حركة المقاومة خلال الأشهر "
          "الستة الماضية.\nونفت وزارة الخارجية ذلك في بيان رسمي.")


def test_plain_utf8_is_untouched():
    decoded = decode_payload("Plain “quoted” text — fine.\n".encode())
    assert (decoded.encoding, decoded.method, decoded.repairs) == ("utf-8", "utf-8", [])
    assert decoded.text == "Plain “quoted” text — fine.\n"


def test_utf8_bom_is_honoured_and_dropped():
    decoded = decode_payload(codecs.BOM_UTF8 + "Title\n\nBody text.".encode())
    assert (decoded.text, decoded.method) == ("Title\n\nBody text.", "bom")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom(codec):
    text = "Report: talks held in secret\n\nOfficials said on Monday that talks continued."
    decoded = decode_payload(text.encode(codec))
    assert decoded.text == text
    assert decoded.encoding.startswith("utf-16")
    assert decoded.method in ("bom", "nul_pattern")


@pytest.mark.parametrize(("text", "codec"), [(HEBREW, "cp1255"), (ARABIC, "cp1256")])
def test_windows_hebrew_and_arabic_are_detected(text, codec):
    decoded = decode_payload(text.encode(codec))
    assert decoded.text == text
    assert decoded.method == "charset-normalizer"
    assert decoded.encoding == codec


def test_declared_charset_wins_for_html():
    page = '<html><head><meta charset="windows-1255"></head><body><p>שלום עולם</p></body></html>'
    payload = page.encode("cp1255")
    assert declared_charset(payload) == "cp1255"
    decoded = decode_payload(payload, is_html=True)
    assert (decoded.text, decoded.method) == (page, "declared")


def test_mojibake_is_repaired_and_recorded():
    decoded = decode_payload("He said he donâ€™t know â€” really.".encode())
    assert decoded.text == "He said he don’t know — really."
    assert "ftfy" in decoded.repairs


def test_nul_and_control_characters_are_stripped_and_recorded():
    decoded = decode_payload("Ti\x00tle\x07\n\nBody\x00 text.\ttab kept\r\n".encode())
    assert decoded.text == "Title\n\nBody text.\ttab kept\r\n"
    assert decoded.repairs == ["control_chars"]


def test_nfc_normalisation_is_recorded():
    decoded = decode_payload("Cafe\u0301 society".encode())
    assert decoded.text == "Café society"
    assert "nfc" in decoded.repairs


def test_undecodable_bytes_never_raise():
    decoded = decode_payload(bytes(range(256)) * 4)
    assert isinstance(decoded.text, str)


def test_gzipped_dump_is_cleaned_like_the_plain_one(tmp_path):
    text = "A short headline\n\nThe first paragraph of the story, long enough to be body text.\n"
    (tmp_path / "plain.txt").write_text(text, encoding="utf-8")
    (tmp_path / "zipped.txt.gz").write_bytes(gzip.compress(text.replace("first", "only").encode()))
    docs = {d.source_file: clean_dump(d) for d in scan_landing(tmp_path)}
    assert docs["zipped.txt.gz"].body_text == docs["plain.txt"].body_text.replace("first", "only")
    assert docs["zipped.txt.gz"].title == "A short headline"


def test_cp1255_dump_is_cleaned_into_hebrew_body():
    dump = _make_dump(("כותרת קצרה\n\n" + HEBREW).encode("cp1255"), "he.txt", 0, "txt", {})
    doc = clean_dump(dump)
    assert doc.encoding == "cp1255"
    assert "ממשלת האחדות" in doc.body_text
    assert "".join(s.text for s in doc.segments) == doc.decoded_text
