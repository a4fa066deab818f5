"""New stance inputs classified on every core: the labels one process gives, and an input that
fails is left to the step (which quarantines its document)."""
from __future__ import annotations

from orchestration import stance_pool
from orchestration.core.stance.classify import POLICY_BY_SECTION
from orchestration.stance_pool import classify_input, labels_on_cores

SENTENCES = [
    ("Officials said the talks had been held in secret for six months.", "The talks were held in secret", "body"),
    ("The ministry denied that any talks had taken place.", "The talks were held in secret", "body"),
    ("Did the envoy really meet the rebels?", "The envoy met the rebels", "title"),
    ("“We never met them,” the envoy told reporters.", "The envoy met the rebels", "body"),
    ("The central bank froze the accounts of two rebel commanders.", None, "body"),
    ("Rebels seize the airport, witnesses say", "Rebels seized the airport", "title"),
]


def test_two_workers_label_new_inputs_as_one_process_does_and_leave_failures_to_the_step(monkeypatch):
    monkeypatch.setattr(stance_pool, "INPUTS_PER_WORKER", 1)
    inputs = {f"key-{i}": (sentence, claim, None, POLICY_BY_SECTION[section])
              for i, (sentence, claim, section) in enumerate(SENTENCES)}
    inputs["key-broken"] = (None, "The talks were held in secret", None, "rules")   # not a sentence: raises
    alone = {key: classify_input((None, value)) for key, value in inputs.items() if key != "key-broken"}
    assert len({label.stance for label in alone.values()}) >= 2

    on_cores = labels_on_cores(inputs, None, workers=2)

    assert on_cores == alone
    assert labels_on_cores(inputs, "none", workers=2) == {
        key: classify_input(("none", value)) for key, value in inputs.items() if key != "key-broken"}
