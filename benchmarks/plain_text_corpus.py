"""A landing folder of plain-text article bodies, as a news API returns them, with a little markup
debris mixed in: the real-corpus run of issue 11.

Source: the human-written article bodies of the article-extraction benchmark
(../shared/benchmarks/article_extraction/ground-truth.json, MIT): every full body, plus
three-paragraph excerpts of the same articles (syndicated and shortened copies are what a news
API really returns), until there are `--count` files. Into a few percent of them (seeded, so
the folder is the same every time) goes the debris crawlers leave in "plain" text: a caption
wrapped in `<span class=meta>`, a paragraph inside `<p>`, a `<br>`, an HTML comment, an inline
`<script>` of an ad; and two articles quote code in their prose, which must stay body text.

    python benchmarks/plain_text_corpus.py OUT_DIR [--count 1081] [--debris-share 0.04]
    CLAIMGRID_LANDING_DIR=OUT_DIR make run
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

GROUND_TRUTH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "article_extraction" / "ground-truth.json"

MIN_EXCERPT_CHARS = 400
DEBRIS = (
    lambda paras, rng: paras[:1] + ["<span class=meta>Photo/Reuters</span>"] + paras[1:],
    lambda paras, rng: [f"<p>{paras[0]}</p>"] + paras[1:],
    lambda paras, rng: paras[:-1] + [paras[-1].replace(". ", ".<br> ", 1)],
    lambda paras, rng: paras[:1] + ["<!-- ad slot 3 -->"] + paras[1:],
    lambda paras, rng: paras + ['<script type="text/javascript">var adSlot = "sidebar-2";</script>'],
    lambda paras, rng: [f'<div class="story-body">{paras[0]}'] + paras[1:-1] + [f"{paras[-1]}</div>"],
)
QUOTED_CODE = (
    "Researchers said an attacker could type <script>alert(1)</script> into the form and run code.",
    "The bug let anyone post an image tag such as <img src=x onerror=alert(1)> in a comment.",
)


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def build(out: Path, count: int, debris_share: float, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    articles = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    bodies: list[list[str]] = []
    for key in sorted(articles):
        paras = paragraphs(articles[key]["articleBody"])
        if paras:
            bodies.append(paras)
    # An excerpt is a shortened article, so it must read like one: three paragraphs of at least
    # MIN_EXCERPT_CHARS. (Three consecutive lines of a results table or a price box are not a body
    # a news API returns; the first version of this corpus kept them and 45 of 1,071 such
    # fragments had no language, 4.2 %, which the language rate gate rightly refused to publish.)
    excerpts = [paras[i:i + 3] for paras in bodies for i in range(0, len(paras) - 2, 3)
                if len(" ".join(paras[i:i + 3])) >= MIN_EXCERPT_CHARS]
    rng.shuffle(excerpts)
    documents = bodies + excerpts[: max(0, count - len(bodies))]
    out.mkdir(parents=True, exist_ok=True)
    stats = {"files": 0, "with_debris": 0, "quoting_code": 0}
    for index, paras in enumerate(documents):
        paras = list(paras)
        if index in (7, 500 % max(len(documents), 1)):
            paras.insert(min(1, len(paras)), QUOTED_CODE[stats["quoting_code"] % 2])
            stats["quoting_code"] += 1
        elif rng.random() < debris_share:
            paras = rng.choice(DEBRIS)(paras, rng)
            stats["with_debris"] += 1
        (out / f"body_{index:05d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        stats["files"] += 1
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=1081)
    parser.add_argument("--debris-share", type=float, default=0.04)
    args = parser.parse_args()
    if not GROUND_TRUTH.exists():
        raise SystemExit(f"needs {GROUND_TRUTH}")
    print(json.dumps(build(args.out, args.count, args.debris_share)))


if __name__ == "__main__":
    main()
