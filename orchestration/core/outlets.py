"""Who published a document: manifest > html_meta > marker > unknown.

The outlet registry (`dbt_project/seeds/outlet_registry.csv`, a dbt seed analysts edit) lists
each outlet's id, name, domain, country and *markers*: the phrases an outlet uses about itself
and the furniture of its pages (copyright lines, footer text, its dateline style, its domain).
Markers are evidence of the publisher only where the text is not citing that outlet: a page
that says "a source told BuzzFeed" was not published by BuzzFeed. The citing contexts are data
(`outlet_citation_cues.yaml` next to this module).

Unknown documents each get their own outlet (`unknown-<document_id>`): two pages we cannot
attribute are not evidence of one publisher, so unknowns never merge.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from orchestration.core.types import Outlet, OutletAttribution

CITATION_CUES_PATH = Path(__file__).with_name("outlet_citation_cues.yaml")
REGISTRY_COLUMNS = ("outlet_id", "name", "domain", "country", "markers")

# Evidence weights of one marker by where it sits. Furniture (the first and last lines of a
# page, short stand-alone lines) is where sites print their own name; copyright lines are the
# most explicit self-reference there is; a name inside running prose is weaker.
WEIGHT_COPYRIGHT = 3
WEIGHT_FURNITURE = 2
WEIGHT_BODY = 1
FURNITURE_EDGE_LINES = 3        # non-empty lines at each end of the page counted as furniture
FURNITURE_SHORT_LINE_WORDS = 6  # a stand-alone line this short is furniture (footer, credit)
MIN_MARKER_SCORE = 1
_COPYRIGHT_RE = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved", re.IGNORECASE)
_CREDIT_RE = re.compile(r"\b(?:photo|photograph|picture|image|video|credit|getty|courtesy)", re.IGNORECASE)
_CONTEXT_CHARS = 80
# Prefixes that name the same site on another host: "www.reuters.com" is reuters.com.
_HOST_PREFIXES = ("www.", "www1.", "www2.", "m.", "mobile.", "amp.", "edition.", "english.", "en.")


@dataclass(frozen=True)
class OutletRegistry:
    """The registry with lookups by id, name and domain."""
    outlets: tuple[Outlet, ...]
    _by_id: dict[str, Outlet] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, Outlet] = field(default_factory=dict, repr=False, compare=False)
    _by_domain: dict[str, Outlet] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for outlet in self.outlets:
            self._by_id.setdefault(outlet.outlet_id.lower(), outlet)
            self._by_name.setdefault(_name_key(outlet.name), outlet)
            if outlet.domain:
                self._by_domain.setdefault(normalize_host(outlet.domain), outlet)

    def by_id(self, outlet_id: str) -> Outlet | None:
        return self._by_id.get(outlet_id.strip().lower())

    def by_name(self, name: str) -> Outlet | None:
        return self._by_name.get(_name_key(name))

    def by_host(self, host: str) -> Outlet | None:
        """The outlet whose domain is `host` or a parent of it (news.example.com -> example.com)."""
        labels = normalize_host(host).split(".")
        for i in range(len(labels) - 1):
            outlet = self._by_domain.get(".".join(labels[i:]))
            if outlet is not None:
                return outlet
        return None

    def resolve(self, value: str) -> Outlet | None:
        """An outlet named by id, name, domain or URL, as manifests and site names give it."""
        value = value.strip()
        if not value:
            return None
        found = self.by_id(value) or self.by_name(value)
        if found is None and ("." in value or "/" in value):
            host = host_of(value)
            found = self.by_host(host) if host else None
        return found


def load_registry(path: str | Path) -> OutletRegistry:
    """Read the registry CSV (settings.outlet_registry: the dbt seed analysts edit, by default)."""
    path = Path(path)
    outlets = []
    # utf-8-sig: a registry saved by a spreadsheet program starts with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(REGISTRY_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: outlet registry lacks columns {sorted(missing)}")
        for row in reader:
            outlet_id = (row["outlet_id"] or "").strip()
            if not outlet_id:
                continue
            markers = tuple(m.strip() for m in (row["markers"] or "").split("|") if m.strip())
            outlets.append(Outlet(
                outlet_id=outlet_id,
                name=(row["name"] or outlet_id).strip(),
                domain=normalize_host(row["domain"]) if (row["domain"] or "").strip() else None,
                country=(row["country"] or "").strip().upper() or None,
                markers=markers,
            ))
    return OutletRegistry(tuple(outlets))


def attribute_outlet(
    document_id: str,
    text: str,
    registry: OutletRegistry,
    *,
    manifest_outlet: str | None = None,
    url: str | None = None,
    canonical_url: str | None = None,
    site_name: str | None = None,
    hostname: str | None = None,
) -> OutletAttribution:
    """Attribute a document to its publisher by the strongest evidence available.

    `text` is the whole decoded page (furniture included: that is where self-references are).
    """
    if manifest_outlet and manifest_outlet.strip():
        return _from_manifest(manifest_outlet.strip(), registry)
    meta = _from_html_meta(registry, canonical_url=canonical_url, url=url, site_name=site_name, hostname=hostname)
    if meta is not None:
        return meta
    marker = _from_markers(text or "", registry)
    if marker is not None:
        return marker
    return OutletAttribution(outlet_id=f"unknown-{document_id}", method="unknown", outlet=None, evidence=None)


# --- manifest and html metadata -----------------------------------------------------------

def _from_manifest(value: str, registry: OutletRegistry) -> OutletAttribution:
    outlet = registry.resolve(value)
    if outlet is not None:
        return OutletAttribution(outlet.outlet_id, "manifest", outlet, value)
    host = host_of(value) if ("." in value and " " not in value) else None
    outlet_id = domain_outlet_id(host) if host else slugify(value)
    return OutletAttribution(outlet_id or slugify(value) or "unnamed", "manifest", None, value)


def _from_html_meta(registry: OutletRegistry, **meta: str | None) -> OutletAttribution | None:
    # Registered outlets first, in order of how directly each field names the publisher: the
    # canonical URL survives syndication and proxies better than the fetched URL.
    hosts = [(v, host_of(v)) for k in ("canonical_url", "url", "hostname") if (v := meta.get(k))]
    for value, host in hosts:
        outlet = registry.by_host(host) if host else None
        if outlet is not None:
            return OutletAttribution(outlet.outlet_id, "html_meta", outlet, value)
    site_name = (meta.get("site_name") or "").strip()
    if site_name:
        outlet = registry.resolve(site_name)
        if outlet is not None:
            return OutletAttribution(outlet.outlet_id, "html_meta", outlet, site_name)
    for value, host in hosts:
        if host:
            return OutletAttribution(domain_outlet_id(host), "html_meta", None, value)
    if site_name and slugify(site_name):
        return OutletAttribution(slugify(site_name), "html_meta", None, site_name)
    return None


# --- markers in the text ------------------------------------------------------------------

@dataclass(frozen=True)
class MarkerHit:
    """One occurrence of a registry marker in a text, with why it counts or not."""
    outlet_id: str
    marker: str
    start: int
    weight: int                 # 0 when the occurrence cites the outlet
    place: str                  # 'copyright' | 'furniture' | 'body' | 'citation'


def find_marker_hits(text: str, registry: OutletRegistry) -> list[MarkerHit]:
    """Every marker occurrence in `text`, weighted by position; citations get weight 0."""
    hits = []
    lines = _line_spans(text)
    edge = _edge_line_indexes(lines)
    cues = _citation_cues()
    for outlet in registry.outlets:
        for marker in outlet.markers:
            for match in _marker_regex(marker).finditer(text):
                start, end = match.span()
                line_no = _line_index(lines, start)
                line = text[lines[line_no][0]:lines[line_no][1]]
                # A copyright notice names the owner of the page ("Copyright 2014 by X"), unless
                # it is a picture credit ("Photo: © X").
                copyright_line = bool(_COPYRIGHT_RE.search(line) or _COPYRIGHT_RE.search(marker)) \
                    and not _CREDIT_RE.search(line)
                if not copyright_line and _is_citation(text, start, end, cues):
                    hits.append(MarkerHit(outlet.outlet_id, marker, start, 0, "citation"))
                    continue
                if copyright_line:
                    weight, place = WEIGHT_COPYRIGHT, "copyright"
                elif line_no in edge or len(line.split()) <= FURNITURE_SHORT_LINE_WORDS:
                    weight, place = WEIGHT_FURNITURE, "furniture"
                else:
                    weight, place = WEIGHT_BODY, "body"
                hits.append(MarkerHit(outlet.outlet_id, marker, start, weight, place))
    return hits


def _from_markers(text: str, registry: OutletRegistry) -> OutletAttribution | None:
    # Each distinct marker counts once, at its strongest occurrence, so an outlet that repeats
    # one phrase ten times does not outweigh two independent pieces of furniture.
    best: dict[tuple[str, str], MarkerHit] = {}
    for hit in find_marker_hits(text, registry):
        key = (hit.outlet_id, hit.marker)
        if hit.weight > 0 and (key not in best or hit.weight > best[key].weight):
            best[key] = hit
    scores: dict[str, list[MarkerHit]] = {}
    for hit in best.values():
        scores.setdefault(hit.outlet_id, []).append(hit)
    if not scores:
        return None
    order = {o.outlet_id: i for i, o in enumerate(registry.outlets)}
    # Highest total weight; ties go to the outlet with more furniture-or-better evidence, then
    # to registry order (a stable, analyst-controlled tie-break).
    winner = min(scores, key=lambda oid: (
        -sum(h.weight for h in scores[oid]),
        -sum(1 for h in scores[oid] if h.weight >= WEIGHT_FURNITURE),
        order[oid],
    ))
    total = sum(h.weight for h in scores[winner])
    if total < MIN_MARKER_SCORE:
        return None
    evidence_hits = sorted(scores[winner], key=lambda h: (-h.weight, h.start))
    evidence = "; ".join(f"{h.marker!r} ({h.place})" for h in evidence_hits)
    return OutletAttribution(winner, "marker", registry.by_id(winner), evidence)


@lru_cache(maxsize=4096)
def _marker_regex(marker: str) -> re.Pattern:
    # Word boundaries only where the marker starts/ends with a letter or digit, so "/alalam_"
    # or "(Reuters) -" match as written, "rt.com" does not match inside "report.com" but does
    # in "www.rt.com".
    pattern = re.escape(marker)
    if marker[0].isalnum():
        pattern = r"(?<!\w)" + pattern
    if marker[-1].isalnum():
        pattern = pattern + r"(?!\w)"
    return re.compile(pattern)


@dataclass(frozen=True)
class _CitationCues:
    before: tuple[re.Pattern, ...]
    after: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def _citation_cues() -> _CitationCues:
    data = yaml.safe_load(CITATION_CUES_PATH.read_text(encoding="utf-8"))
    descriptors = data["descriptors"]
    before = tuple(re.compile(p.replace("{descriptors}", descriptors), re.IGNORECASE) for p in data["before"])
    after = tuple(re.compile(p, re.IGNORECASE) for p in data["after"])
    return _CitationCues(before, after)


def _is_citation(text: str, start: int, end: int, cues: _CitationCues) -> bool:
    before = text[max(0, start - _CONTEXT_CHARS):start]
    # The citing words sit in the same sentence as the name: cut at the last sentence end.
    cut = max(before.rfind(". "), before.rfind("\n"), before.rfind("! "), before.rfind("? "))
    if cut >= 0:
        before = before[cut + 1:]
    after = text[end:end + _CONTEXT_CHARS]
    return any(p.search(before) for p in cues.before) or any(p.search(after) for p in cues.after)


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        spans.append((pos, pos + len(line.rstrip("\r\n"))))
        pos += len(line)
    return spans or [(0, 0)]


def _edge_line_indexes(lines: list[tuple[int, int]]) -> set[int]:
    # Blank lines do not count: dumps often carry runs of them between furniture and body.
    non_empty = [i for i, (s, e) in enumerate(lines) if e > s]
    return set(non_empty[:FURNITURE_EDGE_LINES]) | set(non_empty[-FURNITURE_EDGE_LINES:])


def _line_index(lines: list[tuple[int, int]], pos: int) -> int:
    lo, hi = 0, len(lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lines[mid][0] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --- names, hosts, ids --------------------------------------------------------------------

def slugify(value: str) -> str:
    """A lowercase id made of letters, digits and hyphens ("Al Jazeera English" -> al-jazeera-english)."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def normalize_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    host = host.split("@")[-1].split(":")[0]
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") > 1:
                host, changed = host[len(prefix):], True
    return host


def host_of(value: str) -> str | None:
    """The normalized host of a URL or bare hostname, None when there is none."""
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value if "://" in value else "//" + value)
    host = parts.hostname
    if not host or "." not in host:
        return None
    return normalize_host(host)


def domain_outlet_id(host: str) -> str:
    """The outlet id of an unregistered domain: the host as a slug (news.example.com -> news-example-com)."""
    return slugify(normalize_host(host))


def _name_key(name: str) -> str:
    # "The Guardian", "guardian" and "THE GUARDIAN" are one name; punctuation is noise.
    key = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    return re.sub(r"^the ", "", key)
