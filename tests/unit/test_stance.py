"""Stance and attribution on sentences of the real sample dumps, quotes spanning sentences,
and the stored model's integrity (the outlet-level roll-up is fct_outlet_claims' dbt unit test)."""
import json
import re
from pathlib import Path

import pytest
import yaml

from orchestration.core.stance.attribution import extract_attribution, quote_contexts
from orchestration.core.stance.classify import (
    MODEL_PATH,
    POLICIES,
    POLICY_BY_SECTION,
    classify_stance,
    combine,
    featurize,
    load_model,
    rule_stance,
)
from orchestration.core.stance.lexicon import LEXICON_PATH
from orchestration.core.types import SENTENCE_SECTIONS, STANCES, Sentence, StanceResult

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "landing"
TALKS_CLAIM = ("United States officials have been holding secret back-channel talks with Hamas over "
               "the last six months")


def sample_text(prefix: str) -> str:
    path = next(SAMPLES.glob(prefix + "_*.txt"))
    return path.read_bytes().decode("utf-8", errors="replace")


def sample_sentence(prefix: str, start: str, end: str) -> str:
    """The sample sentence from `start` through `end`, read from the dump (not retyped), so the
    tests see the dumps' real quotes, dashes and non-breaking spaces."""
    text = sample_text(prefix)
    i = text.index(start)
    j = text.index(end, i) + len(end)
    return text[i:j]


# --- denial ----------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix,start,end,speaker", [
    ("002", "The State Department denies", "talks with Hamas.", "State Department"),
    ("002", "“These assertions", "told BuzzFeed.", "Marie Harf"),
    ("003", "The State Department denied", "backchannel talks.", "State Department"),
    ("003", "These assertions are completely untrue", "told BuzzFeed.", "Marie Harf"),
    ("003", "The American administration denied", "as unfounded.", "American administration"),
])
def test_denial_sentences_deny_and_name_the_denier(prefix, start, end, speaker):
    result = classify_stance(sample_sentence(prefix, start, end), TALKS_CLAIM)
    assert result.stance == "denies"
    assert result.attributed_to and speaker in result.attributed_to
    assert result.cue


def test_no_such_back_channel_is_a_denial():
    sentence = sample_sentence("002", '"There is no such', "back channel.")
    assert classify_stance(sentence, TALKS_CLAIM).stance == "denies"


# --- reported (attributed) -----------------------------------------------------------------------

@pytest.mark.parametrize("prefix,start,end,expected_speakers", [
    ("002", "The news website BuzzFeed reports", "unity government.", ("BuzzFeed",)),
    ("003", "The reason for that announcement", "six months.", ("BuzzFeed", "sources")),
    ("003", "According to the aforementioned sources", "Qatar, and Jordan.", ("sources", "BuzzFeed")),
    ("003", "The topics of the negotiations", "reported BuzzFeed.", ("BuzzFeed",)),
    ("000", "June 4, 2014 Jerusalem", "knowledge of the talks.", ("diplomatic sources",)),
    ("001", "Sheera Frenkel reports:", "knowledge of the talks.", ("Sheera Frenkel", "diplomatic sources")),
    ("001", "“Our administration needed", "familiar with the talks.", ("U.S. official",)),
    ("002", '"Our administration needed', "quoting a US official.", ("US official",)),
    ("003", "According to the diplomatic sources", "Pillar of Defense.", ("diplomatic sources",)),
    ("000", "During the talks", "Palestinian — said.", ("diplomatic officials",)),
])
def test_buzzfeed_attributed_sentences_are_reported_with_their_source(prefix, start, end, expected_speakers):
    result = classify_stance(sample_sentence(prefix, start, end), TALKS_CLAIM)
    assert result.stance == "reports"
    assert result.attributed_to is not None
    assert any(s in result.attributed_to for s in expected_speakers), result


def test_told_an_outlet_names_the_speaker_and_the_outlet():
    attribution = extract_attribution(sample_sentence("002", "“These assertions", "told BuzzFeed."))
    assert attribution.speaker == "Marie Harf" and attribution.channel == "BuzzFeed"
    assert attribution.attributed_to == "Marie Harf via BuzzFeed"


# --- own voice and doubt ------------------------------------------------------------------------

@pytest.mark.parametrize("prefix,start,end", [
    ("002", "The United States has never lacked", "about Hamas."),
    ("004", "Pickering is currently", "Benghazi attacks."),
    ("003", "US law determines", "terrorist organization."),
    ("004", "Kerry had visited Gaza", "camps there."),
    ("004", "The State Department did not immediately", "on the claim."),
])
def test_own_voice_sentences_assert(prefix, start, end):
    result = classify_stance(sample_sentence(prefix, start, end), TALKS_CLAIM)
    assert result.stance == "asserts"
    assert result.attributed_to is None


@pytest.mark.parametrize("prefix,start,end,cue", [
    ("004", "The gathering allegedly", "Mahmoud al-Zahar.", "allegedly"),
    ("002", "Well-informed sources in the region", "Hamas representatives.", "skeptical"),
    ("002", "“I doubt it,”", "official in Cairo.", "doubt"),
])
def test_doubt_questions_the_claim(prefix, start, end, cue):
    result = classify_stance(sample_sentence(prefix, start, end), TALKS_CLAIM)
    assert result.stance == "questions"
    assert cue in result.cue.lower()


def test_doubt_quote_names_the_doubter():
    result = classify_stance(sample_sentence("002", "“I doubt it,”", "official in Cairo."))
    assert result.attributed_to == "one top-level security official"


def test_stances_are_from_the_closed_vocabulary():
    for sentence in re.split(r"(?<=[.!?])\s+", sample_text("002")[:2500]):
        if sentence.strip():
            assert classify_stance(sentence).stance in STANCES


# --- quotations spanning sentences ------------------------------------------------------------------

def _sentences(paragraph: str, pieces: list[str], continues: set[int] = frozenset()) -> list[Sentence]:
    out, pos = [], 0
    for seq, piece in enumerate(pieces):
        start = paragraph.index(piece, pos)
        pos = start + len(piece)
        out.append(Sentence(seq, start, pos, piece, continues_quote=seq in continues))
    return out


def test_sentences_inside_a_denial_quote_deny_for_the_speaker():
    paragraph = sample_sentence("002", "“These assertions", "has not changed.”")
    pieces = [paragraph[:paragraph.index("BuzzFeed.") + len("BuzzFeed.")],
              paragraph[paragraph.index('"There'):paragraph.index("channel.") + len("channel.")],
              paragraph[paragraph.index("Our position"):]]
    sentences = _sentences(paragraph, pieces)
    contexts = quote_contexts(sentences, paragraph)
    assert contexts[0] is None                      # attributes itself
    assert contexts[1] == pieces[0] and contexts[2] == pieces[0]
    last = classify_stance(pieces[2], TALKS_CLAIM, contexts[2])
    assert last.stance == "denies"
    assert "Marie Harf" in last.attributed_to
    # without its quotation the same words are just a sentence in the outlet's voice
    assert rule_stance(pieces[2]).stance == "asserts"


def test_attribution_after_a_multi_sentence_quote_reaches_back():
    paragraph = "“We have not met Hamas. It is simply not true,” the State Department spokesman said."
    pieces = ["“We have not met Hamas.", "It is simply not true,” the State Department spokesman said."]
    sentences = _sentences(paragraph, pieces, continues={1})
    contexts = quote_contexts(sentences, paragraph)
    assert contexts[0] == pieces[1]
    first = classify_stance(pieces[0], TALKS_CLAIM, contexts[0])
    assert first.stance == "denies"
    assert first.attributed_to == "State Department spokesman"


def test_continues_quote_flag_is_honoured_without_quote_marks():
    paragraph = "Officials met Hamas in Doha, a diplomat said: We met them twice. They asked for aid."
    pieces = ["Officials met Hamas in Doha, a diplomat said: We met them twice.", "They asked for aid."]
    # the splitter marks the second sentence as inside the quote, even without marks
    sentences = _sentences(paragraph, pieces, continues={1})
    contexts = quote_contexts(sentences, paragraph)
    assert contexts[1] == pieces[0]
    result = classify_stance(pieces[1], None, contexts[1])
    assert result.stance == "reports" and result.attributed_to == "diplomat"


def test_quotes_do_not_carry_across_paragraphs():
    body = "“It is untrue,” she said.\n\n\"We met. Twice.\""
    s0 = Sentence(0, 0, 25, "“It is untrue,” she said.")
    s1 = Sentence(1, 27, 36, '"We met.')
    s2 = Sentence(2, 37, 44, 'Twice."', continues_quote=True)
    contexts = quote_contexts([s0, s1, s2], body)
    assert contexts == {0: None, 1: None, 2: None}


# --- data files ---------------------------------------------------------------------------------

def test_lexicon_is_well_formed():
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    ids = [str(c["id"]) for k in ("denies", "questions", "reports", "features") for c in data[k]]
    assert len(ids) == len(set(ids))
    for k in ("denies", "questions", "reports", "features"):
        for cue in data[k]:
            re.compile(cue["pattern"])
    assert all(isinstance(w, str) for w in data["speech_verbs"] + data["speaker_stop_words"])


def test_model_is_plain_json_over_the_three_emergent_classes():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert sorted(data["classes"]) == ["asserts", "denies", "reports"]
    assert all(len(w) == 3 for w in data["weights"].values())
    model = load_model()
    probs = model.probabilities(featurize("Report: Apple to launch a watch", "Apple will launch a watch"))
    assert abs(sum(probs.values()) - 1) < 1e-9


def test_featurize_masks_the_claim_words():
    features = featurize("Banksy arrested? No, it's a hoax", "Banksy was arrested")
    assert "mb=<s>_C" in features and "m=hoax" in features
    assert not any(k.startswith("m=banksy") for k in features)


def test_featurize_sees_any_nt_contraction_as_a_negation_of_the_claim_words():
    features = featurize("These Men Weren't Really Tricked Into Harassing Their Moms",
                         "A video shows men being tricked into harassing their own mothers")
    assert features.get("neg_not_in_claim") == 1.0
    assert features.get("neg_before_claim_words") == 1.0
    # the claim's own negation is not news: nothing fires when both sides negate
    same = featurize("Apple Watch battery doesn't last a day", "Apple Watch battery doesn't last more than one day")
    assert "neg_not_in_claim" not in same and "neg_before_claim_words" not in same


def test_policies_differ_only_where_no_denial_or_doubt_cue_fired():
    rules = StanceResult("reports", "analyst", "says")
    assert combine(rules, "asserts", "rules") == rules
    assert combine(rules, "asserts", "model").stance == "asserts"
    denial = StanceResult("denies", None, "hoax")
    assert combine(denial, "asserts", "model") == denial


def test_model_can_be_switched_off_by_configuration():
    from orchestration.settings import load_settings

    assert load_settings({"CLAIMGRID_STANCE_MODEL": "none"}).stance_model == "none"
    assert load_model("none") is None
    sentence = "Apple may launch a watch next year."
    assert classify_stance(sentence, use_model=False) == rule_stance(sentence)


def test_every_section_a_sentence_can_be_found_in_has_a_stance_policy():
    # a section added to the vocabulary without a policy would fail each of its mentions
    assert set(POLICY_BY_SECTION) == set(SENTENCE_SECTIONS)
    assert set(POLICY_BY_SECTION.values()) <= set(POLICIES)
