"""Claims: propositions that several documents of a story state, and analyst claims matched to
sentences by the same similarity.

Per story: sentences become proposition units (attribution frames cut, clauses split), an
inverted index proposes candidate clusters, IDF-weighted similarity scores them, units join
clusters by exemplars (a verbatim copy of an earlier unit joins its clusters unscored),
multi-sentence quotations merge; clusters over >= 2 documents are claims with stable ids that
existing claims keep.

Why these steps and thresholds: docs/decisions/0002-claim-discovery.md.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from orchestration.core.components import connected_groups
from orchestration.core.ids import stable_id
from orchestration.core.text.similarity import MIN_SHARED_TOKENS, idf_weights, set_weight, weighted_similarity
from orchestration.core.text.token_cache import surface_words, token_set
from orchestration.core.types import CatalogClaim, ClaimMention, ClaimRecord, Sentence

DISCOVERY_THRESHOLD = 0.5
CATALOG_THRESHOLD = 0.5
# Below CATALOG_THRESHOLD a sentence still mentions its best catalog claim when that claim
# scores >= CATALOG_BEST_THRESHOLD and leads the runner-up by CATALOG_MARGIN. Measured on the
# Emergent headlines (2,071 headlines, 240 claims, each headline its own document): the
# best-scoring claim is the right one for 84% of headlines, but paraphrased headlines score
# low. The sure tier alone covers 30% of the (headline, claim) pairs with 57 wrong-claim
# mentions; with the mutual-best tier 66% with 95.
# (A sentence-embedding model was measured and not adopted: docs/decisions/0002-claim-discovery.md.)
CATALOG_BEST_THRESHOLD = 0.25
CATALOG_MARGIN = 0.1
MAX_EXEMPLARS = 4
MAX_CLAIMS_PER_UNIT = 2
MAX_POSTINGS = 300
MAX_CANDIDATES = 12
BRIDGE_MERGE_SIMILARITY = 0.3

_REPORTING = (r"(?:reports?|reported|reporting|writes|wrote|says|said|told\s+[^,;:]{1,60}?|"
              r"claims?|claimed|revealed|announced|stated|confirmed|believes?|learned|added)")
_LEADING_COLON_FRAME = re.compile(
    r"^[^:;]{0,80}?\b(?:" + _REPORTING + r"|according to [^:;]{1,60}?|report)\s*:\s*", re.I)
_LEADING_ACCORDING = re.compile(r"^according to [^,;]{1,80},\s*", re.I)
_THAT_FRAME = re.compile(r"\b" + _REPORTING + r"\s+that\s+", re.I)
_FRAME_MAX_WORDS = 12
# Trailing attributions: ", according to two senior diplomatic sources ...",
# ", the diplomatic officials — one American and one Palestinian — said.", ",’ said one official".
_TRAILING_ACCORDING = re.compile(r",\s*according to [^;]{1,120}$", re.I)
_TRAILING_SAID = re.compile(
    r"[,:]\W{0,2}\s+(?:(?:[^,;]{1,80}?\s)?(?:said|says|added|noted|explained|told\s+\S+(?:\s+\S+)?)"
    r"|(?:said|says|added|noted|explained)\s+[^,;]{1,80}?)\W{0,2}$", re.I)
_CLOSING_QUOTE = re.compile(r"[,.!?…][\"”’]|^[\"“‘']")
_CLAUSE_BREAK = re.compile(r"\s*;\s*")


@dataclass
class _Unit:
    document_id: str
    sentence_seq: int
    part: int
    text: str
    tokens: frozenset[str]
    surface: tuple[str, ...]
    is_quotation: bool
    sentence_text: str = ""
    weight: float = 0.0

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.document_id, self.sentence_seq, self.part)


@dataclass
class _Cluster:
    founder: tuple[str, int, int] | tuple[str]
    seeded_id: str | None = None
    exemplars: list[_Unit] = field(default_factory=list)
    members: list[tuple[_Unit, float]] = field(default_factory=list)

    def documents(self) -> set[str]:
        return {unit.document_id for unit, _ in self.members}


def proposition_texts(sentence: str) -> list[str]:
    """The proposition units of a sentence: attribution frames removed, clauses split."""
    text = sentence.strip()
    # Most sentences hold no colon and no "that": the frames' patterns, tried at every position,
    # were two thirds of this function's time on the 100k bench's sentences. Both tests are exact:
    # a colon frame needs a colon, and under re.I only t/T, h/H and a/A match "that"'s letters.
    frame = _LEADING_COLON_FRAME.match(text) if ":" in text else None
    if frame and len(frame.group().split()) <= _FRAME_MAX_WORDS:
        text = text[frame.end():]
    according = _LEADING_ACCORDING.match(text)
    if according:
        text = text[according.end():]
    parts: list[str] = []
    for clause in _CLAUSE_BREAK.split(text):
        frame = _THAT_FRAME.search(clause) if "that" in clause.lower() else None
        if frame:
            before, after = clause[:frame.start()], clause[frame.end():]
            if len(before.split()) > _FRAME_MAX_WORDS:
                parts.append(before)       # a proposition of its own, not just "X said"
            clause = after
        clause = _TRAILING_ACCORDING.sub("", clause.strip())
        trailing = _TRAILING_SAID.search(clause)
        if trailing and len(trailing.group().split()) <= _FRAME_MAX_WORDS:
            clause = clause[:trailing.start()]
        if clause.strip():
            parts.append(clause.strip())
    return parts


def is_quotation(sentence: Sentence) -> bool:
    """A direct quotation: opens with a quote mark, continues one, or closes one then attributes."""
    return sentence.continues_quote or bool(_CLOSING_QUOTE.search(sentence.text))


@lru_cache(maxsize=1 << 18)
def _sentence_parts(text: str) -> tuple[tuple[int, str, frozenset[str], tuple[str, ...], str], ...]:
    """(part, proposition text, tokens, surface words, text shown) of a sentence's units, once
    per distinct sentence text."""
    texts = proposition_texts(text)
    parts = []
    for part, proposition in enumerate(texts):
        tokens = token_set(proposition)
        if not tokens:
            continue
        # A claim reads best as its whole sentence; a clause only when the sentence has two.
        shown = text if len(texts) == 1 else proposition.strip(" \"'“”‘’,;:–—-")
        parts.append((part, proposition, tokens, surface_words(proposition), shown))
    return tuple(parts)


def _units(document_id: str, sentences: Sequence[Sentence]) -> list[_Unit]:
    units = []
    for sentence in sentences:
        quotation = is_quotation(sentence)
        for part, text, tokens, surface, shown in _sentence_parts(sentence.text):
            units.append(_Unit(document_id, sentence.seq, part, text, tokens, surface, quotation, shown))
    return units


def _score(a: _Unit, b: _Unit, idf: dict[str, float], unseen: float,
           short_by_containment: bool = False) -> float:
    if short_by_containment and min(len(a.tokens), len(b.tokens)) >= 2:
        # Analyst claims are short ("Batmobile stolen", "Willie Nelson is dead"): two shared
        # words may already be the whole claim.
        return weighted_similarity(a.tokens, b.tokens, idf, unseen, a.weight, b.weight, min_shared=2)
    if min(len(a.tokens), len(b.tokens)) < MIN_SHARED_TOKENS:
        # Too few content words to judge a restatement: only the same words count.
        return 1.0 if a.surface == b.surface and len(a.surface) >= 3 else 0.0
    return weighted_similarity(a.tokens, b.tokens, idf, unseen, a.weight, b.weight)


class _ClusterIndex:
    """Clusters of one story with an inverted index over their exemplars' tokens. Clusters may
    be merged (union-find); postings keep old indices and are resolved through `find`."""

    def __init__(self, idf: dict[str, float], unseen: float, short_by_containment: bool = False) -> None:
        self.idf, self.unseen = idf, unseen
        self.short_by_containment = short_by_containment
        self.clusters: list[_Cluster] = []
        self.parent: list[int] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.by_surface: dict[tuple[str, ...], list[int]] = defaultdict(list)

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def add_exemplar(self, cluster_index: int, unit: _Unit) -> None:
        self.clusters[cluster_index].exemplars.append(unit)
        for token in unit.tokens:
            posting = self.postings[token]
            if not posting or posting[-1] != cluster_index:
                posting.append(cluster_index)
        self.by_surface[unit.surface].append(cluster_index)

    def new_cluster(self, founder, exemplar: _Unit, seeded_id: str | None = None) -> int:
        self.clusters.append(_Cluster(founder=founder, seeded_id=seeded_id))
        self.parent.append(len(self.clusters) - 1)
        index = len(self.clusters) - 1
        self.add_exemplar(index, exemplar)
        return index

    def cluster_similarity(self, a: int, b: int) -> float:
        return max(_score(x, y, self.idf, self.unseen)
                   for x in self.clusters[a].exemplars for y in self.clusters[b].exemplars)

    def merge(self, keep: int, other: int) -> None:
        """Fold cluster `other` into `keep` (both roots)."""
        kept, folded = self.clusters[keep], self.clusters[other]
        kept.members.extend(folded.members)
        kept.exemplars.extend(folded.exemplars)
        if kept.seeded_id is None:
            kept.seeded_id = folded.seeded_id
        kept.founder = min(kept.founder, folded.founder)
        folded.members, folded.exemplars = [], []
        self.parent[other] = keep

    def roots(self) -> list[_Cluster]:
        return [c for i, c in enumerate(self.clusters) if self.parent[i] == i]

    def matches(self, unit: _Unit, threshold: float) -> list[tuple[float, int]]:
        # the hot loop of the claims stage: a token's weight looked up once, a root found
        # without a call when the cluster was never merged (most are not)
        shared: dict[int, float] = {}
        parent = self.parent
        for token in unit.tokens:
            posting = self.postings.get(token)
            if posting and len(posting) <= MAX_POSTINGS:
                weight = self.idf.get(token, self.unseen)
                for cluster_index in posting:
                    root = cluster_index if parent[cluster_index] == cluster_index else self.find(cluster_index)
                    shared[root] = shared.get(root, 0) + weight
        candidates = [c for c, _ in heapq.nsmallest(MAX_CANDIDATES, shared.items(), key=lambda kv: (-kv[1], kv[0]))]
        candidates.extend(self.find(c) for c in self.by_surface.get(unit.surface, ()))
        scored = []
        for cluster_index in dict.fromkeys(candidates):
            best = max(_score(unit, ex, self.idf, self.unseen, self.short_by_containment)
                       for ex in self.clusters[cluster_index].exemplars)
            if best >= threshold:
                scored.append((best, cluster_index))
        scored.sort(key=lambda sc: (-sc[0], sc[1]))
        return scored


@dataclass(frozen=True)
class StoryBlock:
    """What discovery reads of one story: its documents' sentences and the claims it had (seeds).
    With `settled` documents (those discovery already went through, the story's claims and their
    mentions `seed_mentions` unchanged since) the story is extended, not discovered again."""
    story_id: str
    doc_sentences: dict[str, list[Sentence]]
    seeds: list[ClaimRecord]
    settled: frozenset[str] = frozenset()
    seed_mentions: tuple[ClaimMention, ...] = ()


def story_blocks(doc_sentences: dict[str, list[Sentence]], stories: dict[str, str],
                 existing: Sequence[ClaimRecord] = (), settled: Collection[str] = (),
                 existing_mentions: Sequence[ClaimMention] = ()) -> list[StoryBlock]:
    """The sentences split by story, each story with its existing discovered claims: discovery
    never compares across stories, so the blocks may be worked on apart. A story holding
    `settled` documents is extended (extend_story): its claims' `existing_mentions` are kept."""
    by_story: dict[str, list[str]] = defaultdict(list)
    for document_id in sorted(doc_sentences):
        # A document without a story can only be compared with itself: its own block.
        by_story[stories.get(document_id) or f"solo-{document_id}"].append(document_id)
    seeds: dict[str, list[ClaimRecord]] = defaultdict(list)
    for record in existing:
        if record.origin == "discovered" and record.story_id is not None:
            seeds[record.story_id].append(record)
    settled = frozenset(settled)
    by_claim = mentions_by_claim(existing_mentions)
    blocks = []
    for story_id in sorted(by_story):
        story_seeds = sorted(seeds.get(story_id, ()), key=lambda r: r.claim_id)
        story_settled = settled.intersection(by_story[story_id])
        blocks.append(StoryBlock(story_id, {d: doc_sentences[d] for d in by_story[story_id]}, story_seeds,
                                 story_settled, seed_mentions(story_seeds, by_claim) if story_settled else ()))
    return blocks


def mentions_by_claim(mentions: Iterable[ClaimMention]) -> dict[str, list[ClaimMention]]:
    by_claim: dict[str, list[ClaimMention]] = defaultdict(list)
    for mention in mentions:
        by_claim[mention.claim_id].append(mention)
    return by_claim


def seed_mentions(seeds: Sequence[ClaimRecord], by_claim: Mapping[str, list[ClaimMention]]
                  ) -> tuple[ClaimMention, ...]:
    """The mentions of the claims `seeds` (`by_claim`: mentions_by_claim), in the order
    extend_story reads them: by claim, document and sentence."""
    return tuple(sorted((m for r in seeds for m in by_claim.get(r.claim_id, ())), key=_mention_order))


def settled_documents(story_of: Mapping[str, str], todo: Collection[str], first_time: Collection[str],
                      rediscovered: Collection[str] = ()) -> set[str]:
    """The documents of `story_of` whose mentions discovery leaves as they are: those not in
    `todo` of the stories it extends (extend_story). A story is extended when every document
    of it in `todo` is `first_time` (none changed: its mentions would be stale), it is not in
    `rediscovered` (stories that lost a document), and it holds at least as many settled
    documents as it receives: a story that more than doubles is discovered again, cheap while it
    is small, and what bounds how far a story drifts from its rediscovery."""
    todo, first_time, rediscovered = set(todo), set(first_time), set(rediscovered)
    settled: dict[str, list[str]] = defaultdict(list)
    received: Counter[str] = Counter()
    for document_id, story_id in story_of.items():
        if document_id not in todo:
            settled[story_id].append(document_id)
        elif document_id in first_time:
            received[story_id] += 1
        else:
            rediscovered.add(story_id)
    return {d for story_id, documents in settled.items()
            if story_id not in rediscovered and received[story_id] <= len(documents) for d in documents}


def discover_in_block(block: StoryBlock) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    if block.settled:
        return extend_story(block)
    return _discover_in_story(block.story_id, block.doc_sentences, block.seeds)


def balanced_groups(blocks: Sequence[StoryBlock], count: int) -> list[list[StoryBlock]]:
    """The blocks in at most `count` groups of about equal work (sentences), largest block first
    into the lightest group: one story of a thousand documents beside hundreds of small ones."""
    groups: list[list[StoryBlock]] = [[] for _ in range(max(1, min(count, len(blocks))))]
    load = [(0, i) for i in range(len(groups))]
    for block in sorted(blocks, key=lambda b: (-sum(map(len, b.doc_sentences.values())), b.story_id)):
        work, i = heapq.heappop(load)
        groups[i].append(block)
        heapq.heappush(load, (work + sum(map(len, block.doc_sentences.values())), i))
    return [g for g in groups if g]


def merged_discoveries(parts: Iterable[tuple[list[ClaimRecord], list[ClaimMention]]]
                       ) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """The blocks' claims and mentions as one result, in one order whatever order the blocks
    were worked in: sorted by id, so a rerun with its own output as `existing` returns equal lists."""
    claims: list[ClaimRecord] = []
    mentions: list[ClaimMention] = []
    for block_claims, block_mentions in parts:
        claims.extend(block_claims)
        mentions.extend(block_mentions)
    claims.sort(key=lambda c: (c.story_id or "", c.claim_id))
    mentions.sort(key=_mention_order)
    return claims, mentions


def _mention_order(mention: ClaimMention) -> tuple[str, str, int]:
    return (mention.claim_id, mention.document_id, mention.sentence_seq)


def discover_claims(doc_sentences: dict[str, list[Sentence]], stories: dict[str, str],
                    existing: Sequence[ClaimRecord] = ()) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """Claims stated by >= 2 documents of the same story, with one mention per sentence."""
    return merged_discoveries(map(discover_in_block, story_blocks(doc_sentences, stories, existing)))


def _discover_in_story(story_id: str, doc_sentences: dict[str, list[Sentence]],
                       seeds: list[ClaimRecord]) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    units = [u for d in sorted(doc_sentences) for u in _units(d, doc_sentences[d])]
    if len(doc_sentences) < 2 or not units:
        return [], []
    seed_units = [_claim_unit(f"seed:{r.claim_id}", r.claim_text) for r in seeds]
    idf, unseen = idf_weights(u.tokens for u in units)
    for unit in units + seed_units:
        unit.weight = set_weight(unit.tokens, idf, unseen)
    index = _ClusterIndex(idf, unseen)
    for record, unit in zip(seeds, seed_units):
        if unit.tokens:
            index.new_cluster((record.claim_id,), unit, seeded_id=record.claim_id)

    # Wire copy reprinted by several outlets repeats sentences word for word: a unit with the
    # same words as an earlier one joins the clusters that one joined, at the same scores,
    # without being compared with anything (and takes no exemplar slot: it would add nothing).
    _join_units(index, units, {})
    kept = [c for c in index.roots() if len(c.documents()) >= 2]
    return _claims_of(story_id, _merge_passages(kept, doc_sentences), idf, unseen)


def _claims_of(story_id: str, groups: list[list[_Cluster]], idf: dict[str, float], unseen: float,
               taken: Collection[str] = ()) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """A claim per group of clusters (passages merged), with one mention per sentence; ids other
    than `taken`."""
    claims: list[ClaimRecord] = []
    mentions: list[ClaimMention] = []
    for group, claim_id in zip(groups, _claim_ids(story_id, groups, taken)):
        medoids = [_medoid(cluster, idf, unseen) for cluster in group]
        # The claim's text: the medoid of the part with the most documents, then mentions, as
        # the proposition it states (its sentence without an attribution frame such as
        # "X reports:" or ", according to …": the frame is the outlet's, not the claim's).
        lead = max(range(len(group)), key=lambda i: (len(group[i].documents()), len(group[i].members), -i))
        claims.append(ClaimRecord(claim_id=claim_id, story_id=story_id,
                                  claim_text=medoids[lead].text, origin="discovered"))
        best: dict[tuple[str, int], float] = {}
        for cluster, medoid in zip(group, medoids):
            for unit, joined_at in cluster.members:
                # Close to the claim's text, or at least to the exemplar it joined through.
                similarity = 1.0 if unit is medoid else max(joined_at, _score(unit, medoid, idf, unseen))
                key = (unit.document_id, unit.sentence_seq)
                best[key] = max(best.get(key, 0.0), similarity)
        for (document_id, seq), similarity in sorted(best.items()):
            mentions.append(ClaimMention(claim_id, document_id, seq, round(similarity, 4)))
    return claims, mentions


def _join_units(index: _ClusterIndex, units: Iterable[_Unit],
                joined_by_words: dict[tuple[tuple[str, ...], frozenset[str]], list[tuple[float, int]]],
                may_merge: Callable[[_Cluster, _Cluster], bool] = lambda a, b: True) -> None:
    """Each unit into the clusters it matches (at most MAX_CLAIMS_PER_UNIT), or a cluster of its
    own; `joined_by_words`: the clusters a wording already joined, which a verbatim copy joins."""
    for unit in units:
        copy_of = (unit.surface, unit.tokens)
        if copy_of in joined_by_words:
            roots: dict[int, float] = {}
            for score, cluster_index in joined_by_words[copy_of]:     # clusters merged since: once
                root = index.find(cluster_index)
                roots[root] = max(score, roots.get(root, 0.0))
            for root, score in roots.items():
                index.clusters[root].members.append((unit, score))
            continue
        matches = index.matches(unit, DISCOVERY_THRESHOLD)[:MAX_CLAIMS_PER_UNIT]
        if not matches:
            _found_cluster(index, unit, joined_by_words)
            continue
        primary_score, primary = matches[0]
        joined: list[tuple[float, int]] = []
        for score, other in matches[1:]:
            # A unit close to two clusters either carries two claims (the clusters are unlike
            # each other) or reveals that both clusters state one proposition: merge those.
            if (may_merge(index.clusters[primary], index.clusters[other])
                    and index.cluster_similarity(primary, other) >= BRIDGE_MERGE_SIMILARITY):
                keep, fold = min(primary, other), max(primary, other)
                index.merge(keep, fold)
                primary = keep
            else:
                index.clusters[other].members.append((unit, score))
                joined.append((score, other))
        cluster = index.clusters[primary]
        cluster.members.append((unit, primary_score))
        joined_by_words[copy_of] = [(primary_score, primary), *joined]
        exemplar_docs = {ex.document_id for ex in cluster.exemplars}
        if len(cluster.exemplars) < MAX_EXEMPLARS and unit.document_id not in exemplar_docs:
            index.add_exemplar(primary, unit)


def _claim_unit(key: str, claim_text: str) -> _Unit:
    """A claim's text as a unit (an existing claim's, or the analyst catalog's)."""
    return _Unit(key, -1, 0, claim_text, token_set(claim_text), surface_words(claim_text), False)


def _found_cluster(index: _ClusterIndex, unit: _Unit,
                   joined_by_words: dict[tuple[tuple[str, ...], frozenset[str]], list[tuple[float, int]]]) -> None:
    """A cluster of `unit` alone, which its wording's copies join."""
    cluster_index = index.new_cluster(unit.key, unit)
    index.clusters[cluster_index].members.append((unit, 1.0))
    joined_by_words[(unit.surface, unit.tokens)] = [(1.0, cluster_index)]


def extend_story(block: StoryBlock) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """A story that received documents, extended rather than discovered again: the settled
    documents' mentions of the story's claims stay as they are, and only the new documents'
    units are compared, with the claims (their text and some of their sentences as exemplars),
    with the settled sentences no claim holds (a new reprint of one makes a claim of two
    documents) and with each other. A claim keeps its id and its text; two claims are never
    merged. Why, and how far this drifts from discovering the story again:
    docs/decisions/0035-claims-extend-a-story.md."""
    doc_sentences, settled = block.doc_sentences, block.settled
    new_units = [u for d in sorted(doc_sentences) if d not in settled for u in _units(d, doc_sentences[d])]
    old_mentions = list(block.seed_mentions)
    if not new_units:
        return list(block.seeds), old_mentions
    # Token weights are counted over the story's sentences (their stored tokens), not over their
    # clauses as discovery counts them: a settled sentence is cut into units only where they may
    # matter below. Building every settled sentence's units was 15 of the 41 CPU-s the workers
    # spent extending a 1% day's stories at 100k dumps.
    idf, unseen = idf_weights(token_set(sentence.text) for d in sorted(doc_sentences) for sentence in doc_sentences[d])

    def weighed(units: list[_Unit]) -> list[_Unit]:
        for unit in units:
            unit.weight = set_weight(unit.tokens, idf, unseen)
        return units

    weighed(new_units)
    seed_units = weighed([_claim_unit(f"seed:{r.claim_id}", r.claim_text) for r in block.seeds])
    index = _ClusterIndex(idf, unseen)
    mentioned: dict[tuple[str, int], list[str]] = defaultdict(list)
    for mention in old_mentions:
        mentioned[(mention.document_id, mention.sentence_seq)].append(mention.claim_id)
    seed_unit_of = {r.claim_id: u for r, u in zip(block.seeds, seed_units)}
    cluster_of_claim: dict[str, int] = {}
    for record, unit in zip(block.seeds, seed_units):
        if unit.tokens:
            cluster_of_claim[record.claim_id] = index.new_cluster((record.claim_id,), unit, seeded_id=record.claim_id)
    sentence_at = {(d, sentence.seq): sentence for d in settled for sentence in doc_sentences.get(d, ())}
    # the claims' exemplars besides their text: of the first settled documents (in id order)
    # stating a claim, the unit closest to the claim's text
    exemplar_sentences: dict[str, dict[str, list[Sentence]]] = defaultdict(dict)
    for mention in old_mentions:         # ordered by claim, document, sentence
        documents = exemplar_sentences[mention.claim_id]
        sentence = sentence_at.get((mention.document_id, mention.sentence_seq))
        if sentence is not None and mention.claim_id in cluster_of_claim and (
                mention.document_id in documents or len(documents) < MAX_EXEMPLARS - 1):
            documents.setdefault(mention.document_id, []).append(sentence)
    for claim_id, documents in exemplar_sentences.items():
        for document_id, sentences in documents.items():
            units = weighed(_units(document_id, sentences))
            if units:
                index.add_exemplar(cluster_of_claim[claim_id],
                                   max(units, key=lambda u: (_score(u, seed_unit_of[claim_id], idf, unseen), -u.part,
                                                             -u.sentence_seq)))
    # settled sentences no claim holds: one cluster per wording, compared with nothing. Only those
    # sharing a token with a new unit: a unit is found through a token it shares (or the same
    # words), so the others could never be a new unit's candidate.
    new_tokens = frozenset().union(*(u.tokens for u in new_units))
    joined_by_words: dict[tuple[tuple[str, ...], frozenset[str]], list[tuple[float, int]]] = {}
    for document_id in sorted(settled):
        for sentence in doc_sentences.get(document_id, ()):
            if (document_id, sentence.seq) in mentioned or token_set(sentence.text).isdisjoint(new_tokens):
                continue
            for unit in weighed(_units(document_id, [sentence])):
                if unit.tokens.isdisjoint(new_tokens):
                    continue
                copied = joined_by_words.get((unit.surface, unit.tokens))
                if copied:
                    index.clusters[copied[0][1]].members.append((unit, 1.0))
                else:
                    _found_cluster(index, unit, joined_by_words)
    _join_units(index, new_units, joined_by_words,
                may_merge=lambda a, b: a.seeded_id is None or b.seeded_id is None)

    claims = list(block.seeds)
    mentions = list(old_mentions)
    fresh: list[_Cluster] = []
    for cluster in index.roots():
        if cluster.seeded_id is None:
            if len(cluster.documents()) >= 2:
                fresh.append(cluster)
            continue
        claim_text_unit = seed_unit_of[cluster.seeded_id]
        best: dict[tuple[str, int], float] = {}
        for unit, joined_at in cluster.members:
            key = (unit.document_id, unit.sentence_seq)
            if cluster.seeded_id not in mentioned.get(key, ()):
                best[key] = max(best.get(key, 0.0), joined_at, _score(unit, claim_text_unit, idf, unseen))
        mentions.extend(ClaimMention(cluster.seeded_id, d, seq, round(similarity, 4))
                        for (d, seq), similarity in sorted(best.items()))
    new_claims, new_mentions = _claims_of(block.story_id, _merge_passages(fresh, doc_sentences), idf, unseen,
                                          taken={r.claim_id for r in block.seeds})
    return claims + new_claims, mentions + new_mentions


def _medoid(cluster: _Cluster, idf: dict[str, float], unseen: float) -> _Unit:
    members = [unit for unit, _ in cluster.members][:50]
    if len(members) <= 2:
        return min(members, key=lambda u: (-len(u.tokens), u.key))

    # Reprints fill a cluster with copies of a few wordings, and a unit's score depends only on
    # its words: each pair of wordings is scored once (the all-pairs scoring was 45% of
    # discovery). The sums run over the same values in the same order as scoring every pair.
    wording = {}
    slot = [wording.setdefault((u.tokens, u.surface), len(wording)) for u in members]
    firsts = {}
    for unit, s in zip(members, slot):
        firsts.setdefault(s, unit)
    score = [[0.0] * len(wording) for _ in wording]
    for a, unit_a in firsts.items():
        for b, unit_b in firsts.items():
            if b >= a:
                score[a][b] = score[b][a] = _score(unit_a, unit_b, idf, unseen)

    def total(position: int) -> float:
        row, unit = score[slot[position]], members[position]
        # a unit that joined two clusters since merged is a member twice: neither copy counts
        return sum(row[s] for other, s in zip(members, slot) if other is not unit)

    return members[max(range(len(members)), key=lambda i: (round(total(i), 9), -i))]


def _claim_ids(story_id: str, groups: list[list[_Cluster]], taken: Collection[str] = ()) -> list[str]:
    """One distinct id per group. Seeded ids are given out first, biggest seed cluster first, so
    a claim keeps its id even when a new group's founder happens to hash to it; a founder id
    already taken (a rerun can rebuild a seed's old founder cluster beside the seed) gets a
    counter, deterministically."""
    ids: dict[int, str] = {}
    used: set[str] = set(taken)
    for position, group in enumerate(groups):
        for _, seeded_id in sorted((-len(c.members), c.seeded_id) for c in group if c.seeded_id):
            if seeded_id not in used:
                ids[position] = seeded_id
                used.add(seeded_id)
                break
    for position, group in enumerate(groups):
        if position in ids:
            continue
        founder = min(tuple(str(p) for p in c.founder) for c in group)
        claim_id, attempt = "claim-" + stable_id(story_id, *founder), 0
        while claim_id in used:
            attempt += 1
            claim_id = "claim-" + stable_id(story_id, *founder, str(attempt))
        ids[position] = claim_id
        used.add(claim_id)
    return [ids[position] for position in range(len(groups))]


def _merge_passages(clusters: list[_Cluster],
                    doc_sentences: dict[str, list[Sentence]]) -> list[list[_Cluster]]:
    """Group clusters that are consecutive sentences of one quotation in every document."""
    sentence_of = {(d, s.seq): s for d, sents in doc_sentences.items() for s in sents}
    follows: list[tuple[int, int]] = []
    seqs = [defaultdict(set) for _ in clusters]
    for i, cluster in enumerate(clusters):
        for unit, _ in cluster.members:
            seqs[i][unit.document_id].add(unit.sentence_seq)
    # Only clusters holding the sentence right before one of b's can precede b: index them.
    holding: dict[tuple[str, int], list[int]] = defaultdict(list)
    documents = [frozenset(c.documents()) for c in clusters]
    for i in range(len(clusters)):
        for d, doc_seqs in seqs[i].items():
            for seq in doc_seqs:
                holding[(d, seq)].append(i)
    for b in range(len(clusters)):
        first_doc = min(seqs[b])
        before = {a for seq in seqs[b][first_doc] for a in holding.get((first_doc, seq - 1), ())}
        for a in sorted(before):
            if a == b or documents[a] != documents[b]:
                continue
            follows_everywhere = all(
                any(seq - 1 in seqs[a][d] and is_quotation(sentence_of[(d, seq)])
                    for seq in seqs[b][d])
                for d in seqs[b])
            if follows_everywhere:
                follows.append((a, b))
    return [[clusters[i] for i in group] for group in connected_groups(len(clusters), follows)]


def match_catalog(catalog: Sequence[CatalogClaim], doc_sentences: dict[str, list[Sentence]],
                  stories: dict[str, str] | None = None,
                  threshold: float = CATALOG_THRESHOLD,
                  best_threshold: float = CATALOG_BEST_THRESHOLD,
                  margin: float = CATALOG_MARGIN) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """Analyst claims matched against every sentence by the discovery engine's similarity.

    A sentence (or clause) mentions every claim scoring >= `threshold`. Below that, it still
    mentions a claim scoring >= `best_threshold` when the match is mutual: the claim leads the
    sentence's other claims by `margin`, and the sentence leads its document's other sentences
    for that claim by `margin`.

    A catalog claim's story is the story most of its mentioned documents belong to (ties: the
    smallest id), else its story_hint."""
    stories = stories or {}
    units = [u for d in sorted(doc_sentences) for u in _units(d, doc_sentences[d])]
    claim_units = [_claim_unit(f"catalog:{c.claim_id}", c.claim_text) for c in catalog]
    idf, unseen = idf_weights([u.tokens for u in units] + [u.tokens for u in claim_units])
    for unit in units + claim_units:
        unit.weight = set_weight(unit.tokens, idf, unseen)
    index = _ClusterIndex(idf, unseen, short_by_containment=True)
    for claim, unit in zip(catalog, claim_units):
        index.new_cluster((claim.claim_id,), unit, seeded_id=claim.claim_id)

    best: dict[tuple[int, str, int], float] = {}
    floor = max(1e-9, min(threshold, best_threshold - margin))
    # (claim, document) -> scores of the document's units for that claim, for the mutual test.
    in_document: dict[tuple[int, str], list[float]] = defaultdict(list)
    tentative: list[tuple[float, int, _Unit]] = []
    # The index holds the catalog only and never changes here, so a unit's matches follow from
    # its words: a verbatim copy (wire reprints) takes the first one's, unscored.
    scored_by_words: dict[tuple[frozenset[str], tuple[str, ...]], list[tuple[float, int]]] = {}
    for unit in units:
        copy_of = (unit.tokens, unit.surface)
        scored = scored_by_words.get(copy_of)
        if scored is None:
            scored = scored_by_words[copy_of] = index.matches(unit, floor)
        for score, cluster_index in scored:
            in_document[(cluster_index, unit.document_id)].append(score)
            if score >= threshold:
                key = (cluster_index, unit.document_id, unit.sentence_seq)
                best[key] = max(best.get(key, 0.0), score)
        if scored and best_threshold <= scored[0][0] < threshold and (
                len(scored) == 1 or scored[0][0] - scored[1][0] >= margin):
            tentative.append((scored[0][0], scored[0][1], unit))
    for score, cluster_index, unit in tentative:
        # Mutual best: the claim is the sentence's clear best, and the sentence is the clear
        # best for the claim in its document. A long article that merely shares the topic has
        # several middling sentences for a claim, and none of them is taken.
        others = sorted(in_document[(cluster_index, unit.document_id)], reverse=True)
        if others[0] == score and (len(others) == 1 or score - others[1] >= margin):
            key = (cluster_index, unit.document_id, unit.sentence_seq)
            best[key] = max(best.get(key, 0.0), score)
    mentions = [ClaimMention(catalog[c].claim_id, d, s, round(score, 4))
                for (c, d, s), score in sorted(best.items())]
    documents_of: dict[str, set[str]] = defaultdict(set)
    for mention in mentions:
        documents_of[mention.claim_id].add(mention.document_id)
    records = []
    for claim in catalog:
        votes = Counter(stories[d] for d in documents_of[claim.claim_id] if stories.get(d))
        story = min(votes, key=lambda s: (-votes[s], s)) if votes else claim.story_hint
        records.append(ClaimRecord(claim.claim_id, story, claim.claim_text, "catalog"))
    return records, mentions
