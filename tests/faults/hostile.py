"""The hostile inputs of issue 11, each written into a landing folder beside the five samples.

Every case is a function that writes its file(s) and names them; the fault tests assert, per
case, what the one shared dirty run made of them. Texts are written here (short news-like
paragraphs in several languages), nothing is downloaded.
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

HEBREW = (
    "ראש הממשלה אמר היום כי הממשלה תמשיך במגעים עם כל הצדדים בשבועות הקרובים. "
    "לדבריו, השיחות נמשכות כבר שישה חודשים והן מתקדמות היטב למרות הקשיים. "
    "גורמים בכירים בירושלים אישרו את הדברים ואמרו כי הצדדים קרובים מאוד להסכם."
)
ARABIC = (
    "قال رئيس الوزراء اليوم إن الحكومة ستواصل المحادثات مع جميع الأطراف خلال الأسابيع المقبلة. "
    "وأضاف أن المحادثات مستمرة منذ ستة أشهر وأنها تحرز تقدما جيدا رغم الصعوبات الكثيرة. "
    "وأكد مسؤولون كبار في القاهرة هذه التصريحات وقالوا إن الأطراف قريبة جدا من اتفاق."
)
FRENCH = (
    "Le ministre a déclaré lundi que les négociations avancent bien malgré les difficultés. "
    "Selon lui, les discussions durent depuis six mois et un accord est désormais très proche. "
    "Des responsables à Genève ont confirmé ces déclarations à la presse étrangère mardi soir."
)
ENGLISH = (
    "The harbour authority said on Tuesday that the new ferry terminal would open next spring. "
    "Officials told reporters that construction had been delayed by the winter storms. "
    "The mayor welcomed the announcement and promised more buses to the waterfront district."
)
SCRIPT_PROSE = (
    "Security researchers showed that typing <script>alert(1)</script> into the search box of the "
    "council website ran code in the visitor's browser. They also found that an image tag such as "
    "<img src=x onerror=alert(2)> was accepted in comments. The council said the flaw was fixed on Monday."
)
SQL_TITLE = "'); DROP TABLE marts.dim_claim; --"
GZIP_BOMB_BYTES = 1 << 30       # 1 GiB of zeros, about 1 MB compressed
BIG_TEXT_BYTES = 200 * 1000 * 1000


def article(title: str, body: str) -> str:
    return f"{title}\n\n{body}\n"


def write_gzip_bomb(path: Path, size: int = GZIP_BOMB_BYTES) -> None:
    """A valid gzip stream of `size` zero bytes, written in chunks (never 1 GB in memory)."""
    chunk = bytes(1 << 20)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as handle:
        for _ in range(size // len(chunk)):
            handle.write(chunk)


def write_big_text(path: Path, size: int = BIG_TEXT_BYTES) -> None:
    line = (ENGLISH + "\n").encode("utf-8")
    with open(path, "wb") as handle:
        written = 0
        block = line * ((1 << 20) // len(line) + 1)
        while written < size:
            handle.write(block)
            written += len(block)


def nested_html(depth: int = 50_000) -> str:
    return ("<html><body>" + "<div>" * depth + "<p>" + ENGLISH + "</p>" + "</div>" * depth
            + "</body></html>")


def var_dump(payload: str, declared: int | None = None) -> str:
    length = len(payload.encode("utf-8")) if declared is None else declared
    return f'string({length}) "{payload}"'


# file name -> what it is; the cases that are single files beside the samples
def write_cases(landing: Path, outside: Path) -> dict[str, str]:
    """Write every hostile file into `landing` (and a target for the escaping symlink into
    `outside`). Returns case -> landing-relative file name."""
    files: dict[str, str] = {}

    def put(case: str, name: str, data: bytes) -> None:
        path = landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[case] = name

    put("empty_file", "empty.txt", b"")
    put("zero_byte_gz", "zero.txt.gz", b"")
    full = gzip.compress(article("Ferry terminal to open", ENGLISH * 3).encode("utf-8"))
    put("truncated_gz", "truncated.txt.gz", full[: len(full) // 2])
    put("garbage_gz", "garbage.html.gz", os.urandom(4096))
    write_gzip_bomb(landing / "bomb.txt.gz")
    files["gzip_bomb"] = "bomb.txt.gz"
    put("binary_txt", "binary.txt", bytes(range(256)) * 64)
    put("cp1255_hebrew", "hebrew_cp1255.txt", article("חדשות היום", HEBREW).encode("cp1255"))
    put("cp1256_arabic", "arabic_cp1256.txt", article("أخبار اليوم", ARABIC).encode("cp1256"))
    put("latin1_french", "french_latin1.txt", article("Les négociations avancent", FRENCH).encode("latin-1"))
    put("utf16_bom", "utf16_bom.txt", article("Ferry terminal news", ENGLISH).encode("utf-16"))
    put("utf16_no_bom", "utf16_nobom.txt",
        article("Harbour plans approved", ENGLISH.replace("Tuesday", "Wednesday")).encode("utf-16-le"))
    put("nul_bytes", "nul.txt", article("Buses for the waterfront", ENGLISH.replace("spring", "summer")).encode()
        .replace(b"The mayor", b"The\x00 mayor"))
    write_big_text(landing / "big.txt")
    files["big_text"] = "big.txt"
    put("deep_html", "deep.html", nested_html().encode("utf-8"))
    put("script_payloads", "payloads.txt", article("Council website flaw fixed", SCRIPT_PROSE).encode("utf-8"))
    put("sql_title", "sql_title.txt", article(SQL_TITLE, ENGLISH.replace("ferry", "tram")).encode("utf-8"))
    put("var_dump_wrong_length", "vardump_length.txt",
        (article("Related reading", ENGLISH.replace("harbour", "port"))
         + var_dump('[{"id":"1","title":"Other story","pic":"/2014/06/04/a.jpg"}]', declared=999) + "\n").encode())
    put("var_dump_bad_json", "vardump_json.txt",
        (article("More related reading", ENGLISH.replace("mayor", "governor"))
         + var_dump('[{"id":"1","title":"Broken', declared=None) + "\n").encode())
    records = [
        {"text": article("Feed item one", ENGLISH.replace("Tuesday", "Monday")), "title": "Feed item one"},
        "{not json at all",
        {"text": article("Feed item two", ENGLISH.replace("Tuesday", "Friday")), "title": None},
    ]
    put("jsonl_bad_line", "feed.jsonl",
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode("utf-8") + b"\n")
    (outside / "secret.txt").write_text(article("Outside the landing folder", ENGLISH), encoding="utf-8")
    (landing / "escape.txt").symlink_to(outside / "secret.txt")
    files["symlink_out"] = "escape.txt"
    put("name_spaces", "with spaces in name.txt", article("Name with spaces", ENGLISH.replace("new", "larger")).encode())
    put("name_unicode", "überraschung_日本.txt", article("Unicode name", ENGLISH.replace("new", "second")).encode())
    put("name_newline", "new\nline.txt", article("Newline name", ENGLISH.replace("new", "third")).encode())
    put("name_leading_dash", "-rf.txt", article("Leading dash name", ENGLISH.replace("new", "fourth")).encode())
    put("sub_directory", "nested/deeper/inner.txt", article("From a sub-folder", ENGLISH.replace("new", "fifth")).encode())
    duplicate = article("Same content twice", ENGLISH.replace("new", "sixth")).encode()
    put("duplicate_a", "dup_a.txt", duplicate)
    put("duplicate_b", "dup_b.txt", duplicate)
    return files


def write_manifest(landing: Path) -> list[str]:
    """manifest.jsonl with one good line and one bad line of every kind; returns the lines."""
    lines = [
        json.dumps({"file": "french_latin1.txt", "outlet": "Le Quotidien", "url": "https://quotidien.example/a"}),
        "{this is not json",
        json.dumps({"file": "no_such_dump.txt", "outlet": "Ghost"}),
        json.dumps({"file": "../../etc/passwd", "outlet": "Traversal"}),
        json.dumps({"file": "with spaces in name.txt", "outlet": "X" * 10_000}),
        json.dumps({"file": "-rf.txt", "fetched_at": "the day before yesterday-ish"}),
    ]
    (landing / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def write_catalog(path: Path, extra_claims: int = 5_000) -> None:
    """A claim catalog in cp1252 with an empty text, a duplicated id and `extra_claims` more."""
    rows = ["claim_id,claim_text,story_hint",
            "c_ferry,The new ferry terminal will open next spring,",
            "c_french,Le ministre a déclaré que les négociations avancent,",
            "c_empty,,",
            "c_dup,The mayor promised more buses,",
            "c_dup,The mayor promised more trams,"]
    rows += [f"bulk_{i:05d},Claim number {i} about an unrelated event in district {i % 97},"
             for i in range(extra_claims)]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
