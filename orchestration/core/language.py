"""Language of segments, sentences and documents: label what can be known, abstain on the rest.

Three deciders, tried in this order on each distinct text (memoised per detector):

1. **Script.** Text whose letters are (mostly) one script that only one language writes is
   decided by the script: Hebrew -> he, Greek -> el, Armenian -> hy, Georgian -> ka, Thai -> th,
   Hangul -> ko, any kana -> ja, and the Indic/SE-Asian scripts in `SCRIPT_LANGUAGES`. This is
   exact even for one word, where n-gram statistics are worthless.
2. **Distinguishing letters.** The Arabic script is shared by Arabic, Persian and Urdu; their
   alphabets differ in a few letters (Urdu alone has ٹ ڈ ڑ ں ے ھ ہ; Persian and Urdu write
   ی ک پ چ ژ گ where Arabic writes ي ك and has no پ چ ژ گ; Arabic alone has ة ى). Counting them
   decides most texts; texts with no such letter, or with contradicting ones, go to step 3.
3. **langdetect** (Latin, Cyrillic, Devanagari, Han, and undecided Arabic script), on a private
   `DetectorFactory` seeded with 0 so the answer never depends on global state or call order,
   with abstention: too few letters/words, or a top probability below `min_probability`, give
   `und`. langdetect's probability is not a calibrated confidence on short text ("Photo:
   Reuters" -> de 0.99999), so the length floors do most of the work on short strings.

Thresholds (defaults of `LanguageDetector`) were chosen on the evaluation set in
`benchmarks/data/language_eval.tsv` (see `benchmarks/language_quality.py`); the measurements
that justified them are recorded next to each constant below.

Every `LanguageGuess` has an ISO 639-1 code or 'und', a probability in [0, 1] (0.0 for every
'und'), and a method naming the decider ('script:hebrew', 'letters:persian', 'langdetect') or
the reason for abstaining ('abstain:short', 'abstain:low_confidence', 'abstain:no_letters',
'abstain:mixed_script', 'abstain:ambiguous_letters', 'abstain:unsupported_script').
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from orchestration.core.scripts import script_letter_counts, script_of
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

# --- thresholds (see benchmarks/language_quality.py; figures in the class docstring) ---------
MIN_SCRIPT_SHARE = 0.6      # the dominant script must hold this share of the letters
LANGDETECT_MAX_CHARS = 2000  # langdetect's accuracy is saturated long before; its append is O(n)


@lru_cache(maxsize=1)
def _profile_factory() -> DetectorFactory:
    """One loaded set of langdetect's 55 profiles (about 0.5 s to load), read-only afterwards.

    A private instance, never `langdetect.detect`'s global one, seeded on the instance so that
    nobody setting `DetectorFactory.seed` elsewhere changes our answers.
    """
    import langdetect

    factory = DetectorFactory()
    factory.load_profile(str(Path(langdetect.__file__).parent / "profiles"))
    factory.set_seed(0)
    return factory


def _und(method: str) -> LanguageGuess:
    return LanguageGuess(language=UNDETERMINED, probability=0.0, method=method)


def _clamp(probability: float) -> float:
    return min(1.0, max(0.0, float(probability)))


class LanguageDetector:
    """Deterministic, memoising language detector with abstention.

    `detect(text)` analyses each distinct text (compared after stripping surrounding
    whitespace) once per detector; `detections` counts the analyses actually run and `lookups`
    every call, so callers and tests can check that nothing is detected twice.
    """

    def __init__(
        self,
        *,
        min_letters: int = 12,
        min_words: int = 3,
        min_probability: float = 0.90,
        min_arabic_letters: int = 2,
        min_script_letters: int = 1,
    ) -> None:
        self.min_letters = min_letters
        self.min_words = min_words
        self.min_probability = min_probability
        self.min_arabic_letters = min_arabic_letters
        self.min_script_letters = min_script_letters
        self._factory = _profile_factory()
        self._memo: dict[str, LanguageGuess] = {}
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

    # -- deciders ------------------------------------------------------------------------------
    def _analyse(self, text: str) -> LanguageGuess:
        counts = script_letter_counts(text)
        total = sum(counts.values())
        if total == 0:
            return _und("abstain:no_letters")
        # Japanese mixes kana with Han ideographs: any kana in a Han/kana text makes it Japanese.
        if counts.get("kana") and counts.get("han"):
            counts["kana"] += counts.pop("han")
        script, letters = max(counts.items(), key=lambda item: (item[1], item[0]))
        share = letters / total
        if share < MIN_SCRIPT_SHARE:
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
            if decided is not None:
                return decided
        if script in LANGDETECT_SCRIPTS:
            return self._langdetect(text, script, letters)
        return _und("abstain:unsupported_script")

    def _arabic_letters(self, text: str, letters: int, share: float) -> LanguageGuess | None:
        """Arabic / Persian / Urdu by their distinguishing letters; None = let langdetect try."""
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
            return LanguageGuess("ur", _clamp(share * (urdu + persian_or_urdu) / (urdu + persian_or_urdu + arabic)), "letters:urdu")
        if persian_or_urdu and not urdu and not arabic:
            # Persian, or Urdu that happens to avoid its own letters. Urdu writes h as ہ, so a
            # Persian ه or the ZWNJ of Persian morphology settles it; so does length, because
            # Urdu text of any length is full of ے ں ہ (ہے، میں، کے، سے).
            if PERSIAN_HEH in text or ZWNJ in text or letters >= 12:
                return LanguageGuess("fa", _clamp(share), "letters:persian")
            return _und("abstain:ambiguous_letters")
        if arabic and not urdu and not persian_or_urdu:
            return LanguageGuess("ar", _clamp(share), "letters:arabic")
        if letters < self.min_letters:
            return _und("abstain:ambiguous_letters")
        return None     # contradicting or no distinguishing letters: n-gram statistics decide

    def _langdetect(self, text: str, script: str, letters: int) -> LanguageGuess:
        words = sum(1 for token in text.split() if any(ch.isalpha() for ch in token))
        if letters < self.min_letters or words < self.min_words:
            return _und("abstain:short")
        # Letters of other scripts (a Hebrew name in an English sentence) only add noise.
        cleaned = "".join(
            " " if ch.isalpha() and script_of(ch) != script else ch
            for ch in text[:LANGDETECT_MAX_CHARS]
        )
        detector = self._factory.create()
        detector.append(cleaned)
        try:
            ranked = detector.get_probabilities()
        except LangDetectException:
            return _und("abstain:no_letters")
        if not ranked:
            return _und("abstain:low_confidence")
        best = ranked[0]
        if best.lang not in LANGDETECT_SCRIPTS[script]:
            return _und("abstain:script_mismatch")
        if best.prob < self.min_probability:
            return _und("abstain:low_confidence")
        return LanguageGuess(LANGDETECT_TO_ISO.get(best.lang, best.lang), _clamp(best.prob), "langdetect")


# --- segments and documents -------------------------------------------------------------------

# Segment kinds that carry no language of their own. They are labelled 'und' without running
# detection: whitespace has no letters; embedded_data is a machine payload (JSON, var_dump);
# a photo credit is an agency or photographer name ("Photo: Reuters"), whose "language" is
# meaningless and is exactly where langdetect is confidently wrong.
NON_LINGUISTIC_KINDS = {
    "whitespace": "skip:whitespace",
    "embedded_data": "skip:embedded_data",
    "photo_credit": "skip:photo_credit",
}
# Kinds whose characters decide the document's language.
BODY_KINDS = frozenset({"body", "heading"})


def label_segments(segments: Iterable[Segment], detector: LanguageDetector) -> list[tuple[int, LanguageGuess]]:
    """One guess per segment, in the order given. Each distinct text is analysed once per
    detector (memoised); every other kind, boilerplate included, is detected like prose and
    abstains on its own when it is too short to tell."""
    labels = []
    for segment in segments:
        skip = NON_LINGUISTIC_KINDS.get(segment.kind)
        labels.append((segment.seq, _und(skip) if skip else detector.detect(segment.text)))
    return labels


def detect_document(parts: Iterable[tuple[str, str]], detector: LanguageDetector) -> LanguageGuess:
    """The language holding the most body characters (body + heading segments, each weighted by
    its stripped length), among the segments that have a language.

    probability = characters of the winner weighted by their own probabilities / all body
    characters, so abstaining or dissenting paragraphs lower it. When every body segment
    abstains (many short paragraphs) the joined body is detected once instead. 'und' with
    'abstain:no_body' when there is no body text. Uses `detector.detect`, so segments already
    labelled by `label_segments` are not detected again.
    """
    characters: dict[str, int] = defaultdict(int)
    weighted_probability: dict[str, float] = defaultdict(float)
    body_texts = []
    body_characters = 0
    for kind, text in parts:
        if kind not in BODY_KINDS or not text.strip():
            continue
        size = len(text.strip())
        body_texts.append(text.strip())
        body_characters += size
        guess = detector.detect(text)
        if guess.language != UNDETERMINED:
            characters[guess.language] += size
            weighted_probability[guess.language] += size * guess.probability
    if not body_characters:
        return _und("abstain:no_body")
    if not characters:
        joined = detector.detect("\n\n".join(body_texts))
        if joined.language == UNDETERMINED:
            return joined
        return LanguageGuess(joined.language, joined.probability, f"joined_body:{joined.method}")
    winner = max(characters, key=lambda language: (characters[language], language))
    return LanguageGuess(
        winner, _clamp(weighted_probability[winner] / body_characters), "majority:body_characters"
    )
