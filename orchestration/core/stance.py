"""Stance and attribution of a sentence that carries a claim: asserts, reports, denies or
questions, with the source the sentence attributes the claim to.

A cue lexicon (stance_lexicon.yaml) decides with the precedence denies > questions > reports >
asserts; a stored logistic model (stance_model.json) may label a cue-less sentence.

Why rules first, and the measured figures: docs/decisions/0004-stance-rules-and-model.md.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.core.types import STANCES, Sentence, StanceResult

LEXICON_PATH = Path(__file__).with_name("stance_lexicon.yaml")
MODEL_PATH = Path(__file__).with_name("stance_model.json")
RULE_PRECEDENCE = ("denies", "questions", "reports")   # first stance with a cue wins
MODEL_CLASSES = ("asserts", "reports", "denies")        # what Emergent can teach (no 'questions')
MIXED = "mixed"

# Tie-break of `dominant_stance` when two stances are equally frequent: the stance that says
# more about the outlet's position wins (a denial over a report, doubt over a report, a report
# over a bare assertion), so a tie never hides that an outlet pushed back on a claim.
TIE_BREAK_ORDER = ("denies", "questions", "reports", "asserts")

_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "who", "which", "one"}
_DETERMINERS = {"the", "a", "an", "then", "its", "their", "his", "her"}
_REPORT_NOUNS = {"report", "reports", "story", "article", "piece", "website", "site", "account"}
_OPEN_QUOTES = "“«„"
_CLOSE_QUOTES = "”»"
_STRAIGHT_QUOTE = '"'
_QUOTE_CHARS = _OPEN_QUOTES + _CLOSE_QUOTES + _STRAIGHT_QUOTE
# A parenthetical set off by dashes inside a subject ("the officials — one American and one
# Palestinian — said") is skipped when looking for the speaker.
_DASH_ASIDE = re.compile(r"\s[—–]\s[^—–]{1,80}?\s[—–]\s")
_WORD = re.compile(r"[A-Za-z0-9][\w’'.&-]*")


# --- the lexicon ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cue:
    cue_id: str
    stance: str                  # one of STANCES, or 'feature' for model-only evidence
    regex: re.Pattern


@dataclass(frozen=True)
class Lexicon:
    cues: tuple[Cue, ...]
    speech_verbs: frozenset[str]
    speaker_stop_words: frozenset[str]
    speech_verb_re: re.Pattern


@lru_cache(maxsize=1)
def load_lexicon(path: str | Path = LEXICON_PATH) -> Lexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cues = []
    for stance in ("denies", "questions", "reports", "features"):
        for entry in data.get(stance, []):
            # Case matters for a few cues (NOT in capitals is emphasis); they say so with (?-i).
            cues.append(Cue(str(entry["id"]), "feature" if stance == "features" else stance,
                            re.compile(entry["pattern"], re.IGNORECASE if entry["id"] not in _CASED_CUES else 0)))
    verbs = frozenset(v.lower() for v in data["speech_verbs"]) | {"reporting"}
    # Lowercase only: "States" in "the United States" is not the verb "states".
    verb_re = re.compile(r"\b(" + "|".join(sorted(verbs, key=len, reverse=True)) + r")\b")
    return Lexicon(tuple(cues), verbs, frozenset(w.lower() for w in data["speaker_stop_words"]), verb_re)


# Cues whose meaning depends on capitals (headline emphasis "Banksy has NOT been arrested",
# a leading capitalised source "Report: ...").
_CASED_CUES = {"not_capitalised", "colon_source", "trailing_source"}


def find_cues(text: str, lexicon: Lexicon | None = None) -> list[tuple[Cue, str]]:
    """Every lexicon cue in `text` with the words it matched, in lexicon order."""
    lexicon = lexicon or load_lexicon()
    found = []
    for cue in lexicon.cues:
        match = cue.regex.search(text)
        if match:
            found.append((cue, match.group(0).strip()))
    return found


# --- attribution ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Attribution:
    speaker: str | None          # who said it ("Marie Harf", "one U.S. official", "BuzzFeed")
    channel: str | None          # to whom, when they told a named outlet ("BuzzFeed")
    phrase: str                  # the words that attribute it

    @property
    def attributed_to(self) -> str | None:
        if self.speaker and self.channel and self.channel.lower() not in self.speaker.lower():
            return f"{self.speaker} via {self.channel}"
        return self.speaker or self.channel


def _outside_quotes(text: str) -> str:
    """The sentence with quoted words blanked out (same length), so "said" inside a quote
    is not mistaken for the attribution of the quote."""
    out, inside = [], False
    for ch in text:
        if ch in _OPEN_QUOTES:
            inside = True
            out.append(" ")
        elif ch in _CLOSE_QUOTES:
            inside = False
            out.append(" ")
        elif ch == _STRAIGHT_QUOTE:
            inside = not inside
            out.append(" ")
        else:
            out.append(" " if inside else ch)
    return "".join(out)


def _clean_noun_phrase(words: list[str], lexicon: Lexicon, *, forward: bool) -> str | None:
    """Trim a candidate speaker: cut at the first stop word (reading away from the verb),
    drop leading determiners and, before a proper name, leading lowercase descriptors
    ("the news website BuzzFeed" -> "BuzzFeed", "spokeswoman Marie Harf" -> "Marie Harf")."""
    words = [_strip_word(w) for w in words]
    words = [w for w in words if w]
    if forward:
        kept = []
        for w in words:
            if w.lower() in lexicon.speaker_stop_words and kept:
                break
            kept.append(w)
        words = kept
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    if len(words) > 1 and words[-1].lower() in _REPORT_NOUNS and any(w[:1].isupper() for w in words[:-1]):
        words = words[:-1]          # "a BuzzFeed report" -> "BuzzFeed"
    if not words:
        return None
    if words[-1][:1].isupper() and words[0][:1].islower():
        while words and words[0][:1].islower():
            words = words[1:]
    if not words or (len(words) == 1 and words[0].lower() in _PRONOUNS):
        return None
    return " ".join(words)


def _strip_word(word: str) -> str:
    # Keep the full stop of abbreviations ("U.S.", "Sen."), drop sentence punctuation.
    word = word.strip(",;:!?()[]\"'“”‘’«»")
    if word.endswith(".") and not re.fullmatch(r"(?:[A-Za-z]\.)+|[A-Z][a-z]{1,3}\.", word):
        word = word.rstrip(".")
    return word


def _channel(words: list[str]) -> str | None:
    """The outlet a source told something to: the first capitalised run not followed by a
    descriptor ("NY-based news website BuzzFeed that ..." -> "BuzzFeed")."""
    words = [_strip_word(w) for w in words]
    i = 0
    while i < len(words):
        if not words[i][:1].isupper():
            if words[i].lower() not in _DETERMINERS and words[i].lower() not in _OUTLET_DESCRIPTORS \
                    and not words[i].endswith("-based"):
                return None
            i += 1
            continue
        j = i
        while j < len(words) and words[j][:1].isupper():
            j += 1
        if j < len(words) and words[j].lower() in _OUTLET_DESCRIPTORS:
            i = j
            continue
        return " ".join(words[i:j])
    return None


_OUTLET_DESCRIPTORS = {"news", "website", "site", "newspaper", "paper", "daily", "outlet", "agency",
                       "magazine", "network", "channel", "portal", "broadcaster", "reporter",
                       "correspondent", "online", "tv", "radio", "israeli", "american", "arab",
                       "us-based", "british", "pan-arab", "state-run", "state-owned", "official"}
_MODAL_OR_PASSIVE = {"been", "be", "being", "may", "might", "could", "would", "should", "can", "not"}
_BE = {"is", "are", "was", "were"}


_AUXILIARIES = {"and", "but", "also", "has", "have", "had", "is", "are", "was", "were", "previously",
                "reportedly", "later", "earlier", "yesterday", "today", "now", "again", "repeatedly",
                "several", "many", "times", "once", "twice", "often", "long", "since", "publicly",
                "privately", "flatly", "strongly", "quickly", "immediately", "firmly", "vehemently"}


def _words_before(text: str, end: int, lexicon: Lexicon, limit: int = 8) -> list[str]:
    """The words of the subject right before position `end`, stopping at clause punctuation
    or a word that cannot be part of a subject."""
    chunk = text[max(0, end - 120):end]
    cut = max(chunk.rfind(ch) for ch in ",;:—–()\n")
    if cut >= 0:
        chunk = chunk[cut + 1:]
    words = chunk.split()
    kept: list[str] = []
    for w in reversed(words):
        if w.lower().strip(".,") in lexicon.speaker_stop_words or w.lower() in _AUXILIARIES:
            if kept:
                break
            continue     # "X has said", "X also said": skip the auxiliary, keep walking
        kept.insert(0, w)
        if len(kept) >= limit:
            break
    return kept


def extract_attribution(sentence: str, lexicon: Lexicon | None = None) -> Attribution | None:
    """Who the sentence attributes its content to, from its words outside quotation marks."""
    lexicon = lexicon or load_lexicon()
    quoted_out = _outside_quotes(sentence)
    # A dash aside is skipped when walking back from a verb to its subject ("the officials —
    # one American and one Palestinian — said") but ends a phrase read forward ("according to
    # the sources – one Palestinian and one American – the assurances ..."). Same lengths.
    outside = _DASH_ASIDE.sub(lambda m: " " * len(m.group(0)), quoted_out)
    outside_cut = _DASH_ASIDE.sub(lambda m: " ," + " " * (len(m.group(0)) - 2), quoted_out)

    match = re.search(r"\baccording to\s+([^,;:.—–]+(?:\.[^\s,;:][^,;:.—–]*)*)", outside_cut, re.IGNORECASE)
    if match:
        speaker = _clean_noun_phrase(match.group(1).split()[:10], lexicon, forward=True)
        if speaker:
            return Attribution(speaker, None, match.group(0).strip())
    match = re.search(r"\b(?:quoting|citing)\s+([^,;:—–]+)", outside_cut, re.IGNORECASE)
    if match:
        speaker = _clean_noun_phrase(match.group(1).split()[:10], lexicon, forward=True)
        if speaker:
            return Attribution(speaker, None, match.group(0).strip().rstrip("."))

    for verb_match in lexicon.speech_verb_re.finditer(outside):
        verb = verb_match.group(1)
        before = outside[:verb_match.start()].split()
        aux = before[-1].lower() if before else ""
        if aux in _MODAL_OR_PASSIVE or (aux in _BE and not verb.endswith("ing")):
            continue        # passive or modal ("may have been revealed", "was reported"): no speaker
        subject_words = _words_before(outside, verb_match.start(), lexicon)
        if len(subject_words) == 1 and _strip_word(subject_words[0]).lower() in _PRONOUNS:
            # "He said ...", "They said ...": attributed, to someone named elsewhere.
            return Attribution(None, None, f"{_strip_word(subject_words[0])} {verb}")
        subject = _clean_noun_phrase(subject_words, lexicon, forward=False)
        after_words = outside[verb_match.end():].split()[:10]
        channel = None
        if verb.lower() in {"told", "tells"}:
            channel = _channel(after_words[:6])
        if subject:
            phrase = f"{subject} {verb}" + (f" {channel}" if channel else "")
            return Attribution(subject, channel, phrase)
        # Inverted order: "..., said one U.S. official familiar with the talks", "reported BuzzFeed".
        if verb.lower() not in {"told", "tells"}:
            inverted = _clean_noun_phrase(after_words, lexicon, forward=True)
            if inverted and inverted.split()[0].lower() not in {"that", "on", "in"}:
                return Attribution(inverted, None, f"{verb} {inverted}")
        if channel:
            return Attribution(None, channel, f"{verb} {channel}")

    # Headline conventions: "Source: Tom Brokaw wants ...", "... : Bettman", "..., analyst says".
    match = re.match(r"^\s*([A-Z][\w.’'-]*(?:\s+[\w.’'-]+){0,3}):\s", sentence)
    if match:
        return Attribution(match.group(1), None, match.group(0).strip())
    match = re.search(r"(?::|\s[-–—])\s*([A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3})\s*$", sentence)
    if match:
        return Attribution(match.group(1), None, match.group(0).strip())
    return None


# --- rules ---------------------------------------------------------------------------------

def rule_stance(sentence: str, quote_context: str | None = None) -> StanceResult:
    """The stance the cue lexicon decides, with the speaker and the deciding cue."""
    lexicon = load_lexicon()
    cues = find_cues(sentence, lexicon)
    stance, cue_text = "asserts", None
    for candidate in RULE_PRECEDENCE:
        hit = next(((c, t) for c, t in cues if c.stance == candidate), None)
        if hit:
            stance, cue_text = candidate, hit[1]
            break
    attribution = extract_attribution(sentence, lexicon)
    attributed_to = attribution.attributed_to if attribution else None
    if attribution and stance == "asserts":
        stance, cue_text = "reports", attribution.phrase

    if quote_context and quote_context.strip() and quote_context.strip() != sentence.strip():
        # A sentence inside someone's quotation speaks in that person's voice: it is at least
        # reported, and a denial quote makes every sentence of it a denial.
        context_attribution = extract_attribution(quote_context, lexicon)
        if attributed_to is None and context_attribution:
            attributed_to = context_attribution.attributed_to
        context_denial = next((t for c, t in find_cues(quote_context, lexicon) if c.stance == "denies"), None)
        if stance in ("asserts", "reports") and context_denial:
            stance, cue_text = "denies", f"quote: {context_denial}"
        elif stance == "asserts":
            stance, cue_text = "reports", f"quote: {context_attribution.phrase if context_attribution else 'quotation'}"
    return StanceResult(stance, attributed_to, cue_text)


# --- the statistical layer ------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][\w’'.&-]*|[?!:,]")
# Negation words; every "-n't" contraction counts too (see _is_negation).
_NEGATIONS = {"not", "no", "never", "nor", "none", "nobody", "nothing", "cannot"}
_STOP = {"the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "were", "be",
         "with", "at", "by", "from", "as", "that", "this", "it", "its", "has", "have", "had", "will"}
CLAIM_WORD = "C"   # stands for any run of words the sentence shares with the claim


def _is_negation(token: str) -> bool:
    # Any "-n't" contraction negates ("weren't", "couldn't", "don't"), not only a listed few:
    # "These Men Weren't Really Tricked" is a denial a closed list of contractions missed.
    return token in _NEGATIONS or token.endswith(("n't", "n’t"))


def _tokens(text: str) -> list[str]:
    return [w.lower().strip(".’'") for w in _TOKEN.findall(text)]


def _stem(word: str) -> str:
    # A crude 5-letter prefix: enough to see "beheads" and "beheaded" as the claim's word.
    return word[:5]


def featurize(sentence: str, claim_text: str | None = None) -> dict[str, float]:
    """Sparse features of a sentence and its relation to the claim, for the stance model.

    The words the sentence shares with the claim are masked to one placeholder, so the model
    learns the *frame* around the claim ("C, claims analyst", "report: C", "no, C") rather
    than the topic words of the claims it was trained on; cross-validation by claim showed
    raw topic n-grams only add noise (0.758 vs 0.769 accuracy on Emergent).
    """
    claim_text = claim_text or sentence
    lexicon = load_lexicon()
    features: dict[str, float] = {"bias": 1.0}
    features[f"rule={rule_stance(sentence).stance}"] = 1.0
    claim_cues = {c.cue_id for c, _ in find_cues(claim_text, lexicon)}
    for cue, _ in find_cues(sentence, lexicon):
        features[("cue_shared=" if cue.cue_id in claim_cues else "cue=") + cue.cue_id] = 1.0
    tokens, claim_tokens = _tokens(sentence), _tokens(claim_text)
    claim_stems = {_stem(t) for t in claim_tokens if t not in _STOP and t.isalnum()}
    masked: list[str] = []
    for t in tokens:
        m = CLAIM_WORD if _stem(t) in claim_stems else t
        if not (m == CLAIM_WORD and masked and masked[-1] == CLAIM_WORD):
            masked.append(m)
    for t in masked:
        if t != CLAIM_WORD:
            features[f"m={t}"] = 1.0
    framed = ["<s>", *masked, "</s>"]
    for a, b in zip(framed, framed[1:]):
        features[f"mb={a}_{b}"] = 1.0
    negations = {t for t in tokens if _is_negation(t)}
    claim_negations = {t for t in claim_tokens if _is_negation(t)}
    if negations and not claim_negations:
        features["neg_not_in_claim"] = 1.0
    if claim_negations and not negations:
        features["claim_neg_dropped"] = 1.0
    # Where the negation sits relative to the claim's words: "Batmobile wasn't stolen" negates
    # the claim's own predicate; a negation far from any claim word is often about something else.
    if negations and not claim_negations:
        for i, t in enumerate(masked):
            if _is_negation(t):
                if CLAIM_WORD in masked[i + 1:i + 4]:
                    features["neg_before_claim_words"] = 1.0
                if CLAIM_WORD in masked[max(0, i - 3):i]:
                    features["neg_after_claim_words"] = 1.0
    content = {_stem(t) for t in tokens if t not in _STOP and t.isalnum()}
    if content:
        overlap = len(content & claim_stems) / len(content)
        features[f"overlap={min(4, int(overlap * 5))}"] = 1.0
    if claim_stems:
        coverage = len(content & claim_stems) / len(claim_stems)
        features[f"coverage={min(4, int(coverage * 5))}"] = 1.0
    if sentence.strip().endswith("?"):
        features["qmark"] = 1.0
    features[f"len={min(4, len(tokens) // 5)}"] = 1.0
    return features


@dataclass(frozen=True)
class StanceModel:
    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        scores = list(self.intercept)
        for name, value in features.items():
            w = self.weights.get(name)
            if w is not None:
                for k in range(len(scores)):
                    scores[k] += w[k] * value
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def predict(self, features: dict[str, float]) -> str:
        probs = self.probabilities(features)
        return max(probs, key=probs.get)

    def to_json(self) -> dict:
        return {"classes": list(self.classes), "intercept": list(self.intercept),
                "weights": {k: list(v) for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, data: dict) -> StanceModel:
        return cls(tuple(data["classes"]), tuple(data["intercept"]),
                   {k: tuple(v) for k, v in data["weights"].items()})


def fit_stance_model(sentences: list[str], claims: list[str], labels: list[str], *, C: float = 1.0,
                     min_count: int = 2) -> StanceModel:
    """Fit the logistic regression (scikit-learn) and keep its weights as plain data."""
    return fit_stance_model_on_features([featurize(s, c) for s, c in zip(sentences, claims)], labels,
                                        C=C, min_count=min_count)


def fit_stance_model_on_features(rows: list[dict[str, float]], labels: list[str], *, C: float = 1.0,
                                 min_count: int = 2) -> StanceModel:
    """Features seen fewer than `min_count` times in the training rows are dropped: they cannot
    generalise and only bloat the stored model."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(name for row in rows for name in row)
    rows = [{k: v for k, v in row.items() if counts[k] >= min_count or k == "bias"} for row in rows]
    from threadpoolctl import threadpool_limits

    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform(rows)
    model = LogisticRegression(C=C, max_iter=2000)
    # One BLAS thread: on a shared 2-core machine, oversubscribed threads made a 0.6 s fit take 17 s.
    with threadpool_limits(limits=1):
        model.fit(X, labels)
    classes = tuple(model.classes_)
    names = vectorizer.get_feature_names_out()
    coef = model.coef_
    if len(classes) == 2:   # binary sklearn models keep one row; expand to one per class
        coef = [-coef[0], coef[0]]
        intercept = (-float(model.intercept_[0]), float(model.intercept_[0]))
    else:
        intercept = tuple(float(b) for b in model.intercept_)
    weights = {}
    for j, name in enumerate(names):
        w = tuple(round(float(coef[k][j]), 5) for k in range(len(classes)))
        if any(abs(x) > 1e-5 for x in w):
            weights[name] = w
    return StanceModel(classes, tuple(round(b, 5) for b in intercept), weights)


MODEL_ENV = "CLAIMGRID_STANCE_MODEL"


@lru_cache(maxsize=4)
def load_model(path: str | Path | None = None) -> StanceModel | None:
    """The stored model: `path`, else $CLAIMGRID_STANCE_MODEL, else stance_model.json.
    $CLAIMGRID_STANCE_MODEL=none turns the model off (rules only), e.g. to score the pipeline
    on Emergent without the model that was fitted on those very headlines."""
    chosen = path or os.environ.get(MODEL_ENV) or MODEL_PATH
    if str(chosen).strip().lower() in ("none", "off", "rules"):
        return None
    path = Path(chosen)
    if not path.exists():
        return None
    return StanceModel.from_json(json.loads(path.read_text(encoding="utf-8")))


POLICIES = ("rules", "model")


MODEL_OVERRIDE_MIN_P = 0.7   # under policy 'rules', the model labels a cue-less sentence
                             # `reports` only when this sure (own-voice analysis in article
                             # bodies scores 0.4-0.56 on a headline-trained model)


def combine(rules: StanceResult, model_probs: dict[str, float] | str | None,
            policy: str = "rules") -> StanceResult:
    """Join the rule decision and the model's guess.

    policy 'rules' (the pipeline default): any explicit cue decides, as the issue defines the
    stances by their cues ("according to", "told Y" -> reports) and an analyst can check a cue;
    the model only tells `reports` from `asserts` where no cue fired (hedged own-voice
    wording), and never makes a denial on its own.
    policy 'model': only explicit denial and doubt cues override the model. News *headlines*
    say "X says Y" while presenting Y as fact, so on Emergent this scores higher; it does not
    match the definition of `reports` for body sentences.
    The speaker (`attributed_to`) always comes from the rules.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}")
    if model_probs is None:
        return rules
    if isinstance(model_probs, str):
        model_probs = {model_probs: 1.0}
    model_stance = max(model_probs, key=model_probs.get)
    if policy == "rules":
        # A denial needs a denial cue under this policy: a headline-trained model reads "did
        # not immediately return a request for comment" as a denial with p=0.96.
        if rules.cue is not None or rules.stance != "asserts" or model_stance in ("asserts", "denies") \
                or model_probs[model_stance] < MODEL_OVERRIDE_MIN_P:
            return rules
        return StanceResult(model_stance, rules.attributed_to, f"model:{model_stance}")
    if rules.stance in ("denies", "questions") or model_stance == rules.stance:
        return rules
    return StanceResult(model_stance, rules.attributed_to, f"model:{model_stance}")


def classify_stance(sentence: str, claim_text: str | None = None, quote_context: str | None = None,
                    *, model: StanceModel | None = None, use_model: bool = True,
                    policy: str = "rules") -> StanceResult:
    """Stance of `sentence` toward `claim_text` (when known), with its attribution and cue.

    `quote_context` is the sentence attributing the quotation `sentence` sits in (see
    `quote_contexts`). Without a stored model (or with use_model=False) the rules decide alone.
    """
    rules = rule_stance(sentence, quote_context)
    if not use_model:
        return rules
    model = model or load_model()
    if model is None:
        return rules
    return combine(rules, model.probabilities(featurize(sentence, claim_text)), policy)


# --- quotations that span sentences ---------------------------------------------------------

def quote_contexts(sentences: list[Sentence], body_text: str | None = None) -> dict[int, str | None]:
    """For each sentence seq: the sentence that attributes the quotation it sits in, when the
    quotation spans several sentences and the sentence has no attribution of its own.

    A quotation's attribution is found (in this order) in any sentence of the quotation
    (`"It is untrue. There is no such channel," she said.`), else in the sentence right before
    it in the same paragraph when that one is an attributed quotation itself (reporters write
    `"A," X said. "B. C."` for one speaker), else None.
    """
    lexicon = load_lexicon()
    ordered = sorted(sentences, key=lambda s: s.seq)
    contexts: dict[int, str | None] = {s.seq: None for s in ordered}
    spans: list[list[Sentence]] = []
    current: list[Sentence] | None = None
    inside = False
    for i, s in enumerate(ordered):
        opened_before = inside or s.continues_quote
        # Our own mark tracking decides whether the quotation runs on; a sentence that is
        # inside only by the splitter's flag leaves it to the next sentence's flag (its closing
        # mark may be one we do not track, e.g. a single curly quote).
        inside = _quote_state_after(s.text, True) if inside else _quote_state_after(s.text, False)
        if not opened_before and not inside and _fully_quoted(s.text):
            # "It was important." standing alone after an attributed quote: same speaker.
            spans.append([s])
            current = None
            continue
        if opened_before and current is not None:
            current.append(s)
        elif opened_before and i > 0:
            # Flagged by the splitter as inside a quotation we did not see open (no marks, or
            # marks the splitter normalised away): the quotation opened in the previous sentence.
            current = [ordered[i - 1], s]
            spans.append(current)
        elif opened_before or inside:
            current = [s]
            spans.append(current)
        if not inside:
            current = None

    def same_paragraph(a: Sentence, b: Sentence) -> bool:
        return body_text is None or "\n\n" not in body_text[a.end:b.start]

    by_seq = {s.seq: i for i, s in enumerate(ordered)}
    for span in spans:
        if len(span) < 2 and not _fully_quoted(span[0].text):
            continue
        attributing = next((s for s in span if extract_attribution(s.text, lexicon)), None)
        if attributing is None:
            i = by_seq[span[0].seq]
            if i > 0:
                prev = ordered[i - 1]
                if any(ch in prev.text for ch in _QUOTE_CHARS) and same_paragraph(prev, span[0]) \
                        and extract_attribution(prev.text, lexicon):
                    attributing = prev
        if attributing is None:
            continue
        for s in span:
            if s is not attributing and extract_attribution(s.text, lexicon) is None:
                contexts[s.seq] = attributing.text
    return contexts


def _fully_quoted(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) > 2 and stripped[0] in _OPEN_QUOTES + _STRAIGHT_QUOTE \
        and stripped[-1] in _CLOSE_QUOTES + _STRAIGHT_QUOTE and not _quote_state_after(stripped, False)


def _quote_state_after(text: str, inside: bool) -> bool:
    """Whether a quotation is open at the end of `text`, given whether it was at the start."""
    for ch in text:
        if ch in _OPEN_QUOTES:
            inside = True
        elif ch in _CLOSE_QUOTES:
            inside = False
        elif ch == _STRAIGHT_QUOTE:
            inside = not inside
    return inside


# --- roll-up per outlet and claim -------------------------------------------------------------

def dominant_stance(stances: list[str]) -> str | None:
    """The stance of an outlet toward a claim from the stances of its mentions.

    `mixed` when the outlet both carries the claim (asserts or reports it) and denies it;
    otherwise the most frequent stance, ties broken by TIE_BREAK_ORDER (denies > questions >
    reports > asserts). None when there are no mentions (the outlet omits the claim).
    """
    known = [s for s in stances if s in STANCES]
    if not known:
        return None
    counts = Counter(known)
    if counts["denies"] and (counts["asserts"] or counts["reports"]):
        return MIXED
    return min(counts, key=lambda s: (-counts[s], TIE_BREAK_ORDER.index(s)))
