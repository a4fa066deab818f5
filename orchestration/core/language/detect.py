"""Language of segments, sentences and documents: label what can be known, abstain on the rest.

Deciders in order: the script (one language writes it), distinguishing letters (Arabic script),
langdetect's n-gram profiles scored exactly (no random walk), with abstention below
MIN_PROBABILITY. Every LanguageGuess has an ISO 639-1 code or 'und', a probability in [0, 1]
and a method naming the decider (or the reason it abstained).

Why these deciders and thresholds: docs/decisions/0001-language-detection.md.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from langdetect.detector_factory import DetectorFactory

from orchestration.core.language.scripts import script_letter_counts, script_of
from orchestration.core.types import LanguageGuess, Segment

UNDETERMINED = "und"

# Scripts that only one language (of those we can name in ISO 639-1) writes in practice.
SCRIPT_LANGUAGES = {
    "hebrew": "he", "greek": "el", "armenian": "hy", "georgian": "ka", "thai": "th",
    "lao": "lo", "khmer": "km", "hangul": "ko", "kana": "ja", "tamil": "ta", "telugu": "te",
    "kannada": "kn", "malayalam": "ml", "gujarati": "gu", "gurmukhi": "pa", "sinhala": "si",
    "myanmar": "my", "thaana": "dv", "oriya": "or", "bengali": "bn",
}
# Scripts shared by several languages that langdetect tells apart, with the codes it may answer.
LANGDETECT_SCRIPTS = {
    "latin": frozenset(
        "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl "
        "tr vi".split()
    ),
    "cyrillic": frozenset({"ru", "uk", "bg", "mk"}),
    "devanagari": frozenset({"hi", "mr", "ne"}),
    "han": frozenset({"zh-cn", "zh-tw", "ja", "ko"}),
    "arabic": frozenset({"ar", "fa", "ur"}),
}
LANGDETECT_TO_ISO = {"zh-cn": "zh", "zh-tw": "zh"}

# Yiddish is written in Hebrew letters; its ligatures װ ױ ײ (and פֿ) do not occur in Hebrew.
YIDDISH_LIGATURES = frozenset("\u05f0\u05f1\u05f2\ufb1f")

# Arabic-script letters that tell Arabic, Persian and Urdu apart (see module docstring).
URDU_ONLY = frozenset("ٹڈڑںےۓھہۂۃ")
PERSIAN_OR_URDU = frozenset("یکپچژگ")
ARABIC_ONLY = frozenset("يكةى")
PERSIAN_HEH = "\u0647"      # ه: Persian and Arabic write it; Urdu writes ہ (U+06C1) instead
ZWNJ = "\u200c"             # zero-width non-joiner: everywhere in Persian (می‌شود), rare in Urdu
# The 28 letters plus hamza forms, alef madda and neutral extras common to all three.
ARABIC_SHARED = frozenset("ءآأؤإئابتثجحخدذرزسشصضطظعغفقلمنوهڤ")
ARABIC_PUNCTUATION = ".,:;!?()[]«»\"'،؛؟"
# Function words written alike in both alphabets but used by one language only. Persian: is,
# (object marker), from, in, with, for, this, that, one, became, becomes, (verb prefix), until,
# is not, did, must, you, has, was. Urdu: of (کی کا), to (کو), and, on, until, went, did/what,
# this/that (اس), who, when, now, gave, took, will.
PERSIAN_WORDS = frozenset("است را از در با برای این آن یک شد شود می تا نیست کرد باید شما دارد بود".split())
URDU_WORDS = frozenset("کی کا کو اور پر تک گیا کیا اس جو جب اب دیا لیا گئی گا گی".split())
# Cyrillic letters that rule languages out (langdetect knows ru, uk, bg, mk among them).
CYRILLIC_EXCLUSIONS = (
    (frozenset("ыэё"), frozenset({"uk", "bg", "mk"})),       # Russian (and Belarusian) only
    (frozenset("іїєґ"), frozenset({"ru", "bg", "mk"})),       # Ukrainian (і also Belarusian)
    (frozenset("ѓќѕљњџј"), frozenset({"ru", "uk", "bg"})),    # Macedonian (and Serbian)
)
UNSUPPORTED_CYRILLIC = frozenset("ђћўәөүңқғұһ")  # Serbian, Belarusian, Kazakh, Tatar...: no profile

# --- thresholds (figures in the module docstring) ---------------------------------------------
MIN_SCRIPT_SHARE = 0.6      # a language-specific script must hold this share of the letters
MIN_NGRAM_SCRIPT_SHARE = 0.75  # ... and a script left to the n-gram profiles this share
TEMPERATURE = 3.0           # posterior temperature: each character sits in ~3 n-grams
MIN_PROBABILITY = 0.99      # below this tempered posterior: 'und' (abstain:low_confidence)
MIN_LETTERS = 4             # fewer letters never reach the n-gram profiles (abstain:short)
MIN_WORDS = 1
MIN_CONTEXT_PROBABILITY = 0.7   # detect_in_document: candidate agreeing with the document
LANGDETECT_MAX_CHARS = 2000  # langdetect's accuracy is saturated long before; its append is O(n)
LOW_CONFIDENCE = "abstain:low_confidence"
# Share of web pages per language (Common Crawl's published statistics), the prior of the
# language of a document too short to tell it: docs/decisions/0018-document-language-web-prior.md
WEB_LANGUAGE_SHARES = "web_language_shares.csv"


_SPACE_RUN = re.compile(" {2,}")


@lru_cache(maxsize=1 << 16)
def _normalized_char(ch: str) -> str:
    from langdetect.utils.ngram import NGram

    return NGram.normalize(ch)


class ProfileModel:
    """langdetect's 55 language profiles (its n-gram model), loaded once, scored exactly.

    langdetect estimates the language by a Monte-Carlo walk: it samples n-grams of the text
    with replacement hundreds of times, so on a short text the same few n-grams are counted
    over and over and its probability saturates at 0.99999 whatever the truth ("Photo:
    Reuters" -> de 0.99999). Here every n-gram of the text (langdetect's own extraction and
    normalisation) is counted once: log P(text | language) = sum of log(p(ngram | language) +
    alpha / BASE_FREQ), with langdetect's smoothing. The result needs no random numbers, so it
    is the same on every run, in every order, whatever anyone does to langdetect's globals;
    its argmax agrees with seeded langdetect's answer (95.8% vs 95.5% accurate on our
    evaluation sentences), and it is about 4x faster.

    Each character takes part in up to three n-grams (1, 2 and 3 characters long), so the
    evidence is counted about three times over: the posterior is computed at temperature
    `TEMPERATURE` = 3, which undoes that and makes it a usable confidence (see
    `LanguageDetector`).
    """

    def __init__(self) -> None:
        import langdetect
        import numpy as np
        from langdetect.detector import Detector

        factory = DetectorFactory()
        factory.load_profile(str(Path(langdetect.__file__).parent / "profiles"))
        factory.set_seed(0)     # only used if someone calls factory.create().detect()
        self.factory = factory
        # langdetect loads profiles in os.listdir order, which differs between file systems;
        # columns are put in code order so that even an exact tie is broken the same way.
        order = sorted(range(len(factory.langlist)), key=lambda column: factory.langlist[column])
        self.languages: list[str] = [factory.langlist[column] for column in order]
        self.row_of: dict[str, int] = {gram: row for row, gram in enumerate(factory.word_lang_prob_map)}
        smoothing = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
        self.log_probabilities = np.log(
            np.array(list(factory.word_lang_prob_map.values()), dtype=np.float64)[:, order] + smoothing
        )
        self._masks: dict[frozenset[str], object] = {}
        self._web_log_prior = None

    def _mask(self, allowed: frozenset[str]):
        mask = self._masks.get(allowed)
        if mask is None:
            import numpy as np

            mask = self._masks[allowed] = np.array([language in allowed for language in self.languages])
        return mask

    def ngrams(self, text: str) -> list[str]:
        """langdetect's n-grams of `text`, exactly as `Detector._extract_ngrams` gives them
        (URLs and e-mails removed, characters normalised, n-grams of all-capital words skipped),
        about twice as fast: the same state machine, with each character's normalisation
        memoised instead of recomputed. tests/unit/test_language.py checks the equality on
        the whole evaluation set; langdetect is pinned (1.0.9)."""
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram

        text = Detector.MAIL_RE.sub(" ", Detector.URL_RE.sub(" ", text))
        detector = self.factory.create()
        detector.text = _SPACE_RUN.sub(" ", NGram.normalize_vi(text)[: detector.max_text_length])
        detector.cleaning_text()
        known = self.row_of
        result = []
        grams, capital_word = " ", False
        for ch in detector.text:
            ch = _normalized_char(ch)
            last = grams[-1]
            if last == " ":
                grams, capital_word = " ", False
                if ch == " ":
                    continue
            elif len(grams) >= 3:
                grams = grams[1:]
            grams += ch
            if ch.isupper():
                if last.isupper():
                    capital_word = True
            else:
                capital_word = False
            if capital_word:
                continue
            for n in (1, 2, 3):
                if len(grams) < n:
                    break
                gram = grams[-n:]
                if gram != " " and gram in known:
                    result.append(gram)
        return result

    def reference_ngrams(self, text: str) -> list[str]:
        """langdetect's own (slower) extraction, to check `ngrams` against."""
        detector = self.factory.create()
        detector.append(text)
        detector.cleaning_text()
        return detector._extract_ngrams()

    def log_likelihoods(self, text: str):
        """log P(text | language) for every profile, in `self.languages` order (numpy array);
        None when the text has no n-gram the profiles know."""
        grams = self.ngrams(text)
        if not grams:
            return None
        return self.log_probabilities[[self.row_of[g] for g in grams]].sum(axis=0)

    def best_of(self, log_likelihood, allowed: frozenset[str], temperature: float,
                log_prior=None) -> tuple[str, float]:
        """The most likely language among `allowed` (langdetect codes) and its posterior
        probability among them, at `temperature`, with a uniform prior or `log_prior` (log
        prior probabilities in `self.languages` order)."""
        import numpy as np

        tempered = log_likelihood / temperature
        if log_prior is not None:
            tempered = tempered + log_prior
        scores = np.where(self._mask(allowed), tempered, -np.inf)
        scores -= scores.max()
        weights = np.exp(scores)
        best = int(np.argmax(weights))
        return self.languages[best], float(weights[best] / weights.sum())

    def posterior(self, text: str, allowed: frozenset[str], temperature: float,
                  log_prior=None) -> tuple[str, float] | None:
        log_likelihood = self.log_likelihoods(text)
        if log_likelihood is None:
            return None
        return self.best_of(log_likelihood, allowed, temperature, log_prior)

    def web_log_prior(self):
        """log of each language's share of web pages, in `self.languages` order."""
        if self._web_log_prior is None:
            import numpy as np

            shares = web_language_shares()
            self._web_log_prior = np.log(np.array([shares[language] for language in self.languages]))
        return self._web_log_prior


@lru_cache(maxsize=1)
def web_language_shares() -> dict[str, float]:
    """langdetect code -> share of web pages written in it (sums to about 1 over its profiles)."""
    with Path(__file__).with_name(WEB_LANGUAGE_SHARES).open(encoding="utf-8", newline="") as handle:
        return {row["langdetect_code"]: float(row["percent_of_pages"]) / 100 for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def profile_model() -> ProfileModel:
    """The one loaded model (about 1 s to load), shared read-only by every detector."""
    return ProfileModel()


def _und(method: str) -> LanguageGuess:
    return LanguageGuess(language=UNDETERMINED, probability=0.0, method=method)


def _clamp(probability: float) -> float:
    return min(1.0, max(0.0, float(probability)))


class LanguageDetector:
    """Deterministic, memoising language detector with abstention.

    `detect(text)` analyses each distinct text (compared after stripping surrounding
    whitespace) once per detector; `detections` counts the analyses actually run and `lookups`
    every call, so callers and tests can check that nothing is detected twice. The memo is
    unbounded by design (a run must never detect a text twice); it holds one small record per
    distinct text, so a detector lives as long as one asset run, not longer.
    """

    def __init__(
        self,
        *,
        min_letters: int = MIN_LETTERS,
        min_words: int = MIN_WORDS,
        min_probability: float = MIN_PROBABILITY,
        temperature: float = TEMPERATURE,
        min_arabic_letters: int = 2,
        min_letters_arabic_ngrams: int = 12,
        min_context_probability: float = MIN_CONTEXT_PROBABILITY,
        min_script_letters: int = 1,
    ) -> None:
        self.min_letters = min_letters
        self.min_words = min_words
        self.min_probability = min_probability
        self.temperature = temperature
        self.min_arabic_letters = min_arabic_letters
        self.min_letters_arabic_ngrams = min_letters_arabic_ngrams
        self.min_context_probability = min_context_probability
        self.min_script_letters = min_script_letters
        self._model = profile_model()
        self._memo: dict[str, LanguageGuess] = {}
        self._web_prior_memo: dict[str, LanguageGuess] = {}
        # Best n-gram candidate of texts that abstained for low confidence, for context use.
        self._candidates: dict[str, tuple[str, float]] = {}
        self.detections = 0
        self.lookups = 0

    # -- public --------------------------------------------------------------------------------
    def detect(self, text: str) -> LanguageGuess:
        self.lookups += 1
        key = text.strip()
        guess = self._memo.get(key)
        if guess is None:
            self.detections += 1
            guess = self._analyse(key)
            self._memo[key] = guess
        return guess

    def analysed(self, text: str) -> tuple[LanguageGuess, tuple[str, float] | None]:
        """`detect(text)` with the text's best n-gram candidate when it abstained for low
        confidence: what another detector needs to `remember` it (a process pool's result)."""
        guess = self.detect(text)
        return guess, self._candidates.get(text.strip())

    def remember(self, text: str, guess: LanguageGuess, candidate: tuple[str, float] | None) -> None:
        """Take another detector's analysis of `text` as this detector's own."""
        key = text.strip()
        self._memo[key] = guess
        if candidate is not None:
            self._candidates[key] = candidate

    def detect_with_web_prior(self, text: str) -> LanguageGuess:
        """`detect(text)`, except that a text that abstained for low confidence is decided again
        with the languages' shares of the web as the prior instead of a uniform one, method
        'langdetect+web_prior' (still 'und' below `min_probability`). For a document's joined
        body or title (`detect_document`), never for a segment or a sentence. Memoised."""
        guess = self.detect(text)
        if guess.method != LOW_CONFIDENCE:
            return guess
        key = text.strip()
        decided = self._web_prior_memo.get(key)
        if decided is None:
            self.detections += 1
            decided = self._analyse(key, web_prior=True)
            if decided.language != UNDETERMINED:
                decided = LanguageGuess(decided.language, decided.probability, "langdetect+web_prior")
            self._web_prior_memo[key] = decided
        return decided

    def detect_in_document(self, text: str, document_language: str) -> LanguageGuess:
        """`detect(text)` for a sentence of a body whose document language is known: where the
        text alone abstained for low confidence but its best n-gram candidate *is* the
        document's language (with posterior >= `min_context_probability`), that language is
        taken, method 'langdetect+document'. A sentence whose evidence points elsewhere, or
        that is too short or has no letters, stays 'und'. Memoised like `detect`.
        """
        guess = self.detect(text)
        if guess.language != UNDETERMINED or document_language == UNDETERMINED:
            return guess
        candidate = self._candidates.get(text.strip())
        if candidate and candidate[0] == document_language and candidate[1] >= self.min_context_probability:
            return LanguageGuess(document_language, candidate[1], "langdetect+document")
        return guess

    # -- deciders ------------------------------------------------------------------------------
    def _analyse(self, text: str, web_prior: bool = False) -> LanguageGuess:
        counts = script_letter_counts(text)
        total = sum(counts.values())
        if total == 0:
            return _und("abstain:no_letters")
        # Japanese mixes kana with Han ideographs: any kana in a Han/kana text makes it Japanese.
        if counts.get("kana") and counts.get("han"):
            counts["kana"] += counts.pop("han")
        script, letters = max(counts.items(), key=lambda item: (item[1], item[0]))
        share = letters / total
        decided_by_ngrams = script in LANGDETECT_SCRIPTS and script != "arabic"
        if share < (MIN_NGRAM_SCRIPT_SHARE if decided_by_ngrams else MIN_SCRIPT_SHARE):
            return _und("abstain:mixed_script")

        language = SCRIPT_LANGUAGES.get(script)
        if language is not None:
            if letters < self.min_script_letters:
                return _und("abstain:short")
            if script == "hebrew" and any(ch in YIDDISH_LIGATURES for ch in text):
                return LanguageGuess("yi", _clamp(share), "script:hebrew+yiddish_ligatures")
            return LanguageGuess(language, _clamp(share), f"script:{script}")
        if script == "arabic":
            decided = self._arabic_letters(text, letters, share)
            if isinstance(decided, LanguageGuess):
                return decided
            return self._langdetect(text, script, letters, allowed=decided, web_prior=web_prior)
        if script in LANGDETECT_SCRIPTS:
            return self._langdetect(text, script, letters, web_prior=web_prior)
        return _und("abstain:unsupported_script")

    def _arabic_letters(self, text: str, letters: int, share: float) -> LanguageGuess | frozenset[str]:
        """Arabic / Persian / Urdu by their distinguishing letters, or, where they do not
        decide, the languages the n-gram profiles may still choose from. (langdetect's own
        normalisation folds ی into ي, so its profiles cannot see that letter: a text with
        Persian/Urdu letters and no Arabic ones must not be given to them as possibly Arabic.)"""
        if letters < self.min_arabic_letters:
            return _und("abstain:short")
        urdu = persian_or_urdu = arabic = other = 0
        for ch in text:
            if ch in URDU_ONLY:
                urdu += 1
            elif ch in PERSIAN_OR_URDU:
                persian_or_urdu += 1
            elif ch in ARABIC_ONLY:
                arabic += 1
            elif ch.isalpha() and script_of(ch) == "arabic" and ch not in ARABIC_SHARED:
                other += 1      # Pashto, Sindhi, Kurdish, Uyghur... letters: not ours to name
        if other:
            return _und("abstain:unsupported_script")
        if urdu and urdu + persian_or_urdu > arabic:
            agreeing = urdu + persian_or_urdu
            return LanguageGuess("ur", _clamp(share * agreeing / (agreeing + arabic)), "letters:urdu")
        if persian_or_urdu and not urdu and not arabic:
            # Persian, or Urdu that happens to avoid its own letters. Urdu writes h as ہ, so a
            # Persian ه or the ZWNJ of Persian morphology is Persian evidence; so are Persian
            # function words, and Urdu's (کی کا کو اور ...) are Urdu evidence.
            words = {token.strip(ARABIC_PUNCTUATION) for token in text.split()}
            persian = PERSIAN_HEH in text or ZWNJ in text or bool(words & PERSIAN_WORDS)
            urdu_words = bool(words & URDU_WORDS)
            if persian and not urdu_words:
                return LanguageGuess("fa", _clamp(share), "letters:persian")
            if urdu_words and not persian:
                return LanguageGuess("ur", _clamp(share), "letters:urdu")
            if letters < self.min_letters_arabic_ngrams:
                return _und("abstain:ambiguous_letters")
            return frozenset({"fa", "ur"})
        if arabic and not urdu and not persian_or_urdu:
            return LanguageGuess("ar", _clamp(share), "letters:arabic")
        if letters < self.min_letters_arabic_ngrams:
            return _und("abstain:ambiguous_letters")
        return LANGDETECT_SCRIPTS["arabic"]  # contradicting or no distinguishing letters

    def _langdetect(
        self, text: str, script: str, letters: int, allowed: frozenset[str] | None = None,
        web_prior: bool = False,
    ) -> LanguageGuess:
        words = sum(1 for token in text.split() if any(ch.isalpha() for ch in token))
        if letters < self.min_letters or words < self.min_words:
            return _und("abstain:short")
        # langdetect skips every n-gram inside an all-capital word, so a shouted headline
        # leaves only its initials (upper-cased sentences of the evaluation set: 88% precision,
        # 89% abstention). Lower-cased they score like normal text (99.9%, 18%); normal text is
        # kept as it is, because capitals carry evidence (always lower-casing cost 0.1-0.3
        # points of precision). Shouted strings of 1-3 words are names, datelines and labels
        # ("BUFFALO, N.Y." lower-cased -> cy 0.996): those stay as they are, and abstain.
        upper = sum(1 for ch in text if ch.isupper())
        if words >= 4 and upper * 2 > sum(1 for ch in text if ch.isupper() or ch.islower()):
            text = text.lower()
        # Letters of other scripts (a Hebrew name in an English sentence) only add noise.
        cleaned = "".join(
            " " if ch.isalpha() and script_of(ch) != script else ch
            for ch in text[:LANGDETECT_MAX_CHARS]
        )
        allowed = LANGDETECT_SCRIPTS[script] if allowed is None else allowed
        if script == "cyrillic":
            if any(ch in UNSUPPORTED_CYRILLIC for ch in text.lower()):
                return _und("abstain:unsupported_script")
            lowered = set(text.lower())
            for letters_of, ruled_out in CYRILLIC_EXCLUSIONS:
                if lowered & letters_of:
                    allowed = allowed - ruled_out
            if not allowed:
                return _und("abstain:ambiguous_letters")
        best = self._model.posterior(cleaned, allowed, self.temperature,
                                     self._model.web_log_prior() if web_prior else None)
        if best is None:
            return _und("abstain:no_features")     # no n-gram any profile knows
        language, probability = LANGDETECT_TO_ISO.get(best[0], best[0]), _clamp(best[1])
        if probability < self.min_probability:
            if not web_prior:
                self._candidates[text] = (language, probability)
            return _und(LOW_CONFIDENCE)
        return LanguageGuess(language, probability, "langdetect")


# --- segments and documents -------------------------------------------------------------------

# Segment kinds that carry no language of their own. They are labelled 'und' without running
# detection: whitespace has no letters; embedded_data is a machine payload (JSON, var_dump);
# a photo credit is an agency or photographer name ("Photo: Reuters"), whose "language" is
# meaningless and is exactly where langdetect is confidently wrong; markup is tags (most of an
# HTML page's segments), whose attribute soup only costs detections that abstain or mislead.
NON_LINGUISTIC_KINDS = {
    "whitespace": "skip:whitespace",
    "embedded_data": "skip:embedded_data",
    "photo_credit": "skip:photo_credit",
    "markup": "skip:markup",
}
# Kinds whose characters decide the document's language.
BODY_KINDS = frozenset({"body", "heading"})


class SegmentText(NamedTuple):
    """The fields of a `Segment` that language reads (a `Segment` serves wherever one does): the
    language step reads about 850,000 of them per 10k documents, and a tuple costs a third of
    what a frozen dataclass does to build."""
    seq: int
    kind: str
    text: str


# One detector per process, for stages that map documents over a process pool: a text is
# detected once per process. Pool workers live for one step; a step running in the calling
# process calls reset_process_detector() first, so the memo never outlives a step.
_process_detector: LanguageDetector | None = None


def process_detector() -> LanguageDetector:
    global _process_detector
    if _process_detector is None:
        _process_detector = LanguageDetector()
    return _process_detector


def reset_process_detector() -> None:
    global _process_detector
    _process_detector = None


def analyse_text(text: str) -> tuple[LanguageGuess, tuple[str, float] | None]:
    """One distinct text analysed by this process's detector (a pool worker's job)."""
    return process_detector().analysed(text)


def linguistic_texts(segments: Iterable[Segment | SegmentText]) -> set[str]:
    """The distinct texts (as the memo keys them) label_segments and detect_document will ask for."""
    return {s.text.strip() for s in segments if s.kind not in NON_LINGUISTIC_KINDS}


def label_segments(segments: Iterable[Segment | SegmentText],
                   detector: LanguageDetector) -> list[tuple[int, LanguageGuess]]:
    """One guess per segment, in the order given. Each distinct text is analysed once per
    detector (memoised); every other kind, boilerplate included, is detected like prose and
    abstains on its own when it is too short to tell."""
    labels = []
    for segment in segments:
        skip = NON_LINGUISTIC_KINDS.get(segment.kind)
        labels.append((segment.seq, _und(skip) if skip else detector.detect(segment.text)))
    return labels


def has_body_text(parts: Iterable[tuple[str, str]]) -> bool:
    """Whether a document has body text (a body or heading segment that is not blank); a
    headline-only document has none."""
    return any(kind in BODY_KINDS and text.strip() for kind, text in parts)


def detect_document(parts: Iterable[tuple[str, str]], detector: LanguageDetector) -> LanguageGuess:
    """The language holding the most body characters (body + heading segments, each weighted by
    its length in characters, i.e. end - start, so the result can be rechecked in SQL from
    segments and segment_languages), among the segments that have a language; a tie goes to
    the alphabetically last code, so the answer never depends on segment order.

    probability = characters of the winner weighted by their own probabilities / all body
    characters, so abstaining or dissenting paragraphs lower it. When every body segment
    abstains (many short paragraphs) the joined body is detected once instead. When that abstains
    too, or there is no body text, the title's language ('title:<method>'); then the joined body
    and the title again with the web's language shares as the prior
    ('joined_body:langdetect+web_prior', 'title:langdetect+web_prior'); else 'und' (the joined
    body's abstention, or 'abstain:no_body'). Uses `detector.detect`, so segments already
    labelled by `label_segments` are not detected again.
    """
    parts = list(parts)
    characters: dict[str, int] = defaultdict(int)
    weighted_probability: dict[str, float] = defaultdict(float)
    body_texts = []
    body_characters = 0
    for kind, text in parts:
        if kind not in BODY_KINDS or not text.strip():
            continue
        size = len(text)
        body_texts.append(text.strip())
        body_characters += size
        guess = detector.detect(text)
        if guess.language != UNDETERMINED:
            characters[guess.language] += size
            weighted_probability[guess.language] += size * guess.probability
    if not characters:
        # A body that tells no language (none at all, or a few words: a byline, a teaser) leaves the
        # joined body, then the headline, as the document's linguistic text. Each is read first on
        # its own letters; where those leave the language open (a document that is a headline or
        # two), the languages' shares of the web decide between what they leave (docs/decisions/0018).
        title = " ".join(text.strip() for kind, text in parts if kind == "title" and text.strip())
        texts = [(label, text) for label, text in (("joined_body", "\n\n".join(body_texts)), ("title", title)) if text]
        for decide in (detector.detect, detector.detect_with_web_prior):
            for label, text in texts:
                guess = decide(text)
                if guess.language != UNDETERMINED:
                    return LanguageGuess(guess.language, guess.probability, f"{label}:{guess.method}")
        return detector.detect(texts[0][1]) if body_texts else _und("abstain:no_body")
    winner = max(characters, key=lambda language: (characters[language], language))
    return LanguageGuess(
        winner, _clamp(weighted_probability[winner] / body_characters), "majority:body_characters"
    )
