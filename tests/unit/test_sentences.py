"""Sentence splitting: offsets, abbreviations, quotes, datelines, and the sample bodies."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.core.text.sentences import document_sentences, split_sentences
from tests.unit.sample_bodies import BODIES


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_empty_and_whitespace_bodies_have_no_sentences():
    assert split_sentences("") == []
    assert split_sentences("  \n\n \n") == []


@pytest.mark.parametrize("name", sorted(BODIES))
def test_offsets_point_into_the_body_and_seq_counts_up(name):
    body = BODIES[name]
    sentences = split_sentences(body)
    assert sentences
    assert [s.seq for s in sentences] == list(range(len(sentences)))
    previous_end = 0
    for s in sentences:
        assert body[s.start:s.end] == s.text == s.text.strip()
        assert s.start >= previous_end
        assert "\n\n" not in s.text            # paragraphs are hard boundaries
        previous_end = s.end


def test_abbreviations_titles_and_party_state_tags_do_not_end_sentences():
    text = ("Also in February 2009, there were reports Sen. John Kerry, D-Mass., now a favorite "
            "for secretary of state, accepted a letter. Mr. Kerry had visited Gaza. "
            "U.N. relief agency chief Karen Abu Zayd told the BBC.")
    assert texts(text) == [
        "Also in February 2009, there were reports Sen. John Kerry, D-Mass., now a favorite "
        "for secretary of state, accepted a letter.",
        "Mr. Kerry had visited Gaza.",
        "U.N. relief agency chief Karen Abu Zayd told the BBC.",
    ]


def test_us_inside_and_at_the_end_of_a_sentence():
    text = ("Hamas gave assurances that allowed the U.S. to support the government. "
            "Egypt talks with the U.S. The State Department denied it. "
            "The U.S. Senate met.")
    assert texts(text) == [
        "Hamas gave assurances that allowed the U.S. to support the government.",
        "Egypt talks with the U.S.",
        "The State Department denied it.",
        "The U.S. Senate met.",
    ]


def test_initials_decimals_and_lowercase_continuations():
    text = ("John F. Kennedy won 49.7 percent in 1960. The U.S, government's stance is unchanged. "
            "Prices rose 3.5% on Nov. 21, 2012. \"Why?\" he asked.")
    assert texts(text) == [
        "John F. Kennedy won 49.7 percent in 1960.",
        "The U.S, government's stance is unchanged.",
        "Prices rose 3.5% on Nov. 21, 2012.",
        "\"Why?\" he asked.",
    ]


def test_closing_quotes_stay_with_their_sentence_curly_and_straight():
    text = ("“These assertions are completely untrue,” spokeswoman Marie Harf said. "
            "\"There is no such back channel.\" Officials declined to comment.")
    assert texts(text) == [
        "“These assertions are completely untrue,” spokeswoman Marie Harf said.",
        "\"There is no such back channel.\"",
        "Officials declined to comment.",
    ]


def test_a_quote_spanning_sentences_marks_the_later_ones():
    text = ("Harf told reporters: \"There is no such back channel. Our position has not changed. "
            "We will not talk.” Then she left. “I doubt it,” an official said.")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Harf told reporters: \"There is no such back channel.",
        "Our position has not changed.",
        "We will not talk.”",
        "Then she left.",
        "“I doubt it,” an official said.",
    ]
    assert [s.continues_quote for s in sentences] == [False, True, True, False, False]


def test_apostrophes_do_not_open_quotes_and_single_quotes_do():
    text = ("Israel’s leaders and Hamas’ leadership met. The official said: ‘We talked. "
            "It helped.’ Nothing else was said.")
    sentences = split_sentences(text)
    assert [s.continues_quote for s in sentences] == [False, False, True, False]


def test_unbalanced_quote_does_not_leak_past_its_paragraph():
    text = "He said \"this is open. Still open.\n\nA new paragraph. Another one."
    sentences = split_sentences(text)
    assert [s.continues_quote for s in sentences] == [False, True, False, False]


def test_dangling_opening_quote_opens_the_next_paragraph():
    text = "They said those assurances held. ‘\n\nOur administration needed it,’ said one official."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "They said those assurances held.",
        "Our administration needed it,’ said one official.",
    ]
    assert [s.continues_quote for s in sentences] == [False, True]


@pytest.mark.parametrize("dateline, first", [
    ("JERUSALEM – ", "The White House did not reject an Egyptian plan."),
    ("GAZA CITY (Ma'an) -- ", "Hamas said on Monday that talks had ended."),
    ("WASHINGTON, D.C. — ", "The State Department denied it."),
    ("June 4, 2014 Jerusalem — ", "United States officials have been holding talks."),
])
def test_datelines_are_split_off_and_not_emitted(dateline, first):
    text = dateline + first + " A second sentence follows."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [first, "A second sentence follows."]
    assert sentences[0].start == len(dateline)


def test_a_capitalised_opening_phrase_with_a_dash_is_not_a_dateline_unless_all_caps():
    text = "Hamas leaders – and their allies – met in Cairo."
    assert texts(text) == [text]


def test_sample_bodies_split_where_a_reader_would():
    denial = texts(BODIES["002_07b8c526e59b7ca9.txt"])
    assert "“These assertions are completely untrue,” spokeswoman Marie Harf told BuzzFeed." in denial
    assert "\"There is no such back channel." in denial
    assert "Our position on Hamas has not changed.”" in denial
    older = split_sentences(BODIES["004_69145af5bc353dce.txt"])
    assert older[0].text.startswith("The White House did not reject")      # dateline split off
    assert any(s.text.startswith("Also in February 2009, there were reports Sen. John Kerry, "
                                 "D-Mass., now a favorite") for s in older)
    copied = split_sentences(BODIES["000_5a453cdda17c36e7.txt"])
    # The embedded original keeps its first sentence without the "June 4, 2014 Jerusalem —" dateline.
    assert any(s.text.startswith("United States officials have been holding secret") for s in copied)
    quoted = [s for s in copied if s.text.startswith("Our administration needed")]
    assert len(quoted) == 1 and quoted[0].continues_quote


PIECES = ["U.S.", "Sen.", "D-Mass.", "Mr.", "J.", "3.5", "said", "Hamas", "the", "talks", ".", "?",
          "!", "…", "\"", "“", "”", "‘", "’", "'", ",", ";", "–", "--", "JERUSALEM", "(AP)", "\n",
          "\n\n", " ", "  ", "\u00a0", "The", "It", "was", "June 4, 2014"]


@given(st.lists(st.sampled_from(PIECES), max_size=60).map(" ".join))
@settings(max_examples=300, deadline=None)
def test_any_text_yields_stripped_ordered_sentences_at_their_offsets(text):
    previous_end = 0
    for seq, s in enumerate(split_sentences(text)):
        assert s.seq == seq
        assert text[s.start:s.end] == s.text == s.text.strip()
        assert any(ch.isalnum() for ch in s.text)
        assert s.start >= previous_end
        previous_end = s.end


def test_the_title_is_one_more_sentence_after_the_body():
    body = "Talks went on for months. Officials denied it."
    sentences = document_sentences(body, "  Secret talks revealed: report \n")
    assert [(s.seq, s.section, s.text) for s in sentences] == [
        (0, "body", "Talks went on for months."), (1, "body", "Officials denied it."),
        (2, "title", "Secret talks revealed: report")]
    title = sentences[-1]
    assert "  Secret talks revealed: report \n"[title.start:title.end] == title.text
    # a headline-only document: the title is its only sentence; no title, no title sentence
    assert [(s.seq, s.section) for s in document_sentences("", "Willie Nelson dead at 81")] == [(0, "title")]
    assert document_sentences(body, None) == split_sentences(body)
    assert document_sentences("", " -- ") == []
