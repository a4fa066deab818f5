"""Who a sentence attributes its claim to, and the quotation a sentence sits in."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from orchestration.core.stance.lexicon import Lexicon, load_lexicon
from orchestration.core.types import Sentence


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


def _quote_walk(text: str, inside: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """Each character of `text` with whether it is a quotation mark and whether a quotation is
    open after it, starting from `inside`: the one quote tracker the helpers below share."""
    for ch in text:
        if ch in _OPEN_QUOTES:
            inside, mark = True, True
        elif ch in _CLOSE_QUOTES:
            inside, mark = False, True
        elif ch == _STRAIGHT_QUOTE:
            inside, mark = not inside, True
        else:
            mark = False
        yield ch, mark, inside


def _outside_quotes(text: str) -> str:
    """The sentence with quoted words blanked out (same length), so "said" inside a quote
    is not mistaken for the attribution of the quote."""
    return "".join(" " if mark or inside else ch for ch, mark, inside in _quote_walk(text))


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
    state = inside
    for _, _, state in _quote_walk(text, inside):  # noqa: B007 (the last state is the answer)
        pass
    return state
