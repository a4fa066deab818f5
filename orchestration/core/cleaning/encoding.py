"""Bytes to text: detect the encoding, repair what the crawler broke, record both.

Order of evidence, strongest first:
1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32) - `bom`;
2. UTF-16 without a BOM, recognised by NUL bytes on every other position - `nul_pattern`;
3. strict UTF-8 - `utf-8` (by far the common case; an ASCII file is also UTF-8);
4. a charset the document declares (`<meta charset>`, XML declaration) that decodes
   strictly - `declared`;
5. charset-normalizer's best guess - `charset-normalizer` (this is where windows-1255 Hebrew
   and windows-1256 Arabic dumps land);
6. windows-1252 with replacement characters - `fallback` (never fails, flagged as a repair).

Repairs, each recorded by name when it changed the text: `ftfy` (mojibake such as "donâ€™t",
encoding fixes only: quotes, widths and ligatures are left alone), `nfc` (Unicode NFC),
`control_chars` (NUL and other C0/C1 controls except tab, LF and CR are removed).
The segment ledger tiles the text *after* these repairs; for a clean UTF-8 dump that text
re-encodes to the dump byte for byte.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

import ftfy
from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Everything below U+0020 except TAB, LF, CR, and DEL; then the C1 block (U+0080-U+009F).
_C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
# UTF-8 read as a single-byte code page turns every multi-byte character into a Latin-1 lead
# letter (Â-ô) followed by a continuation that shows as a C1 control, a Latin-1 sign or a
# windows-1252 punctuation mark. Text without such a pair has nothing for ftfy to repair, and
# skipping ftfy there makes decoding several times faster.
_MAYBE_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False, remove_control_chars=False,
    normalization=None, explain=False,
)


@dataclass
class DecodedText:
    text: str
    encoding: str           # codec name, e.g. 'utf-8', 'cp1255', 'utf-16-le'
    method: str             # 'bom' | 'nul_pattern' | 'utf-8' | 'declared' | 'charset-normalizer' | 'fallback' | 'empty'
    repairs: list[str] = field(default_factory=list)


def _bom_encoding(payload: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if payload.startswith(bom):
            return name, len(bom)
    return None


def _utf16_without_bom(payload: bytes) -> str | None:
    """UTF-16 text of mostly Latin/ASCII characters has a NUL in every other byte."""
    sample = payload[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def declared_charset(payload: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first 4 KB, if Python knows it."""
    match = _DECLARED_CHARSET.search(payload[:4096])
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "ignore").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(payload: bytes, encoding: str) -> str | None:
    try:
        return payload.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_and_decode(payload: bytes, is_html: bool = False) -> tuple[str, str, str]:
    """(text, encoding, method) before repairs."""
    if not payload:
        return "", "utf-8", "empty"
    bom = _bom_encoding(payload)
    if bom:
        name, skip = bom
        return payload[skip:].decode(name, errors="replace"), name, "bom"
    utf16 = _utf16_without_bom(payload)
    if utf16:
        text = _strict(payload, utf16)
        if text is not None:
            return text, utf16, "nul_pattern"
    text = _strict(payload, "utf-8")
    if text is not None:
        return text, "utf-8", "utf-8"
    if is_html:
        declared = declared_charset(payload)
        if declared:
            text = _strict(payload, declared)
            if text is not None:
                return text, declared, "declared"
    best = from_bytes(payload).best()
    if best is not None:
        text = _strict(payload, best.encoding)
        if text is not None:
            return text, best.encoding, "charset-normalizer"
    return payload.decode("cp1252", errors="replace"), "cp1252", "fallback"


def repair_text(text: str) -> tuple[str, list[str]]:
    """Mojibake repair, NFC and control-character removal; the names of those that applied.

    C0 controls (NUL ...) go first; C1 controls only after ftfy, because mojibake such as
    "â€\x9d" needs its C1 byte to be repaired into "”".
    """
    repairs: list[str] = []
    stripped = _C0_CONTROLS.sub("", text)
    if stripped != text:
        repairs.append("control_chars")
        text = stripped
    fixed = ftfy.fix_text(text, _FTFY_CONFIG) if _MAYBE_MOJIBAKE.search(text) else text
    if fixed != text:
        repairs.append("ftfy")
        text = fixed
    normalized = unicodedata.normalize("NFC", text)
    if normalized != text:
        repairs.append("nfc")
        text = normalized
    stripped = _C1_CONTROLS.sub("", text)
    if stripped != text:
        if "control_chars" not in repairs:
            repairs.append("control_chars")
        text = stripped
    return text, repairs


def decode_payload(payload: bytes, is_html: bool = False) -> DecodedText:
    """Decode and repair a dump's bytes; never raises."""
    text, encoding, method = detect_and_decode(payload, is_html=is_html)
    repairs: list[str] = []
    if method == "fallback" and "\ufffd" in text:
        repairs.append("replacement_chars")
    text, applied = repair_text(text)
    return DecodedText(text=text, encoding=encoding, method=method, repairs=repairs + applied)
