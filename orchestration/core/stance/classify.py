"""The stance of a sentence toward a claim: the cue rules, the stored model, the policy joining them."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from orchestration.core.stance.attribution import extract_attribution
from orchestration.core.stance.lexicon import find_cues, load_lexicon
from orchestration.core.text.tokens import stem
from orchestration.core.types import StanceResult

MODEL_PATH = Path(__file__).with_name("stance_model.json")
RULE_PRECEDENCE = ("denies", "questions", "reports")   # first stance with a cue wins
MODEL_CLASSES = ("asserts", "reports", "denies")        # what Emergent can teach (no 'questions')


# --- rules ---------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def rule_stance(sentence: str, quote_context: str | None = None) -> StanceResult:
    """The stance the cue lexicon decides, with the speaker and the deciding cue (once per
    sentence and quotation in a process: labelling a mention asks for it twice, with and
    without the quotation, and a sentence often states two claims)."""
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
    features[f"rule={rule_stance(sentence, None).stance}"] = 1.0   # the cached call classify_stance makes without a quotation
    claim_cues = {c.cue_id for c, _ in find_cues(claim_text, lexicon)}
    for cue, _ in find_cues(sentence, lexicon):
        features[("cue_shared=" if cue.cue_id in claim_cues else "cue=") + cue.cue_id] = 1.0
    tokens, claim_tokens = _tokens(sentence), _tokens(claim_text)
    claim_stems = {stem(t) for t in claim_tokens if t not in _STOP and t.isalnum()}
    masked: list[str] = []
    for t in tokens:
        m = CLAIM_WORD if stem(t) in claim_stems else t
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
    content = {stem(t) for t in tokens if t not in _STOP and t.isalnum()}
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


MODEL_OFF = ("none", "off", "rules")


@lru_cache(maxsize=4)
def load_model(path: str | Path | None = None) -> StanceModel | None:
    """The stored model at `path` (default: the shipped stance_model.json). 'none' turns the
    model off (rules only), e.g. to score the pipeline on Emergent without the model that was
    fitted on those very headlines; a missing file is no model either."""
    chosen = path or MODEL_PATH
    if str(chosen).strip().lower() in MODEL_OFF:
        return None
    path = Path(chosen)
    if not path.exists():
        return None
    return StanceModel.from_json(json.loads(path.read_text(encoding="utf-8")))


POLICIES = ("rules", "model")
# The policy for a sentence by where it was found (SENTENCE_SECTIONS): a headline presents what it
# attributes as news ("X says Y" over a story that tells Y), so on headlines the model reads the
# frame and only denial and doubt cues override it; a body sentence's stance is its cues'
# (see `combine`). Emergent, 5 folds by claim: policy 'model' 0.776, 'rules' 0.707 on headlines.
POLICY_BY_SECTION = {"title": "model", "body": "rules"}


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


