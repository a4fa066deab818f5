"""The debris rules file: every rule's own examples, the file's schema, and rules as data."""
from __future__ import annotations

import textwrap

import pytest

from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.ingest import _make_dump
from orchestration.core.cleaning.rules import DEFAULT_RULES_PATH, RuleError, load_rules, parse_rules
from orchestration.core.types import SEGMENT_KINDS

RULES = load_rules()
MUST_MATCH = [pytest.param(rule, example, id=f"{rule.id}:{i}")
              for rule in RULES for i, example in enumerate(rule.must_match)]
MUST_NOT_MATCH = [pytest.param(rule, example, id=f"{rule.id}:{i}")
                  for rule in RULES for i, example in enumerate(rule.must_not_match)]


@pytest.mark.parametrize(("rule", "example"), MUST_MATCH)
def test_rule_matches_its_examples(rule, example):
    assert rule.match(example), f"{rule.id} should match {example!r}"


@pytest.mark.parametrize(("rule", "example"), MUST_NOT_MATCH)
def test_rule_leaves_its_counter_examples(rule, example):
    assert not rule.match(example), f"{rule.id} should not match {example!r}"


def test_every_rule_is_documented_and_typed():
    assert len(RULES) >= 20
    for rule in RULES:
        assert rule.why.endswith("."), rule.id
        assert rule.kind in SEGMENT_KINDS and rule.kind not in ("body", "whitespace")
        assert rule.must_match and rule.must_not_match, rule.id


def test_rules_name_no_sample_outlet():
    """Rules describe newsroom furniture in general, never the outlets of the bundled samples."""
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8").lower()
    for name in ("alalam", "ynet", "mondoweiss", "wnd", "globalmbwatch", "gmbdw", "buzzfeed", "hamas"):
        assert name not in text


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("rules: [{id: a, pattern: x, kind: nonsense, why: w., must_match: [x], must_not_match: []}]", "kind"),
    ("rules: [{id: a, pattern: '(', kind: boilerplate, why: w., must_match: [x], must_not_match: []}]", "bad pattern"),
    ("rules: [{id: a, pattern: x, kind: boilerplate, why: w., must_match: [], must_not_match: []}]", "must_match"),
    ("rules: [{id: a, pattern: x, kind: boilerplate, must_match: [x], must_not_match: []}]", "missing why"),
    ("rules: [{id: a, pattern: x, kind: boilerplate, scope: page, why: w., must_match: [x], must_not_match: []}]",
     "scope"),
    ("rules:\n - {id: a, pattern: x, kind: boilerplate, why: w., must_match: [x], must_not_match: []}\n"
     " - {id: a, pattern: y, kind: boilerplate, why: w., must_match: [y], must_not_match: []}", "twice"),
])
def test_malformed_rules_are_refused_with_the_reason(yaml_text, message):
    import yaml
    with pytest.raises(RuleError, match=message):
        parse_rules(yaml.safe_load(yaml_text))


def test_a_new_rule_needs_no_python_change(tmp_path):
    """Appending one YAML entry makes cleaning remove a line it kept before."""
    text = "A headline for the test\n\nThe council met on Monday and voted.\n\nWeather widget: sunny 21C\n"
    dump = _make_dump(text.encode(), "t.txt", 0, "txt", {})
    before = clean_dump(dump)
    assert "Weather widget" in before.body_text

    extended = tmp_path / "rules.yaml"
    new_rule = textwrap.indent(textwrap.dedent("""
        - id: weather_widget
          kind: boilerplate
          pattern: 'weather widget:.*'
          why: A weather box is page furniture.
          must_match: ["Weather widget: rain"]
          must_not_match: ["The weather was bad."]
    """), "  ")
    extended.write_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8") + new_rule, encoding="utf-8")
    after = clean_dump(dump, rules=load_rules(extended))
    assert "Weather widget" not in after.body_text
    assert [s.rule_id for s in after.segments if "Weather" in s.text] == ["weather_widget"]
    assert "The council met on Monday and voted." in after.body_text
