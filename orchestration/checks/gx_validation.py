"""Great Expectations 1.x, run by hand inside Dagster asset checks.

Suites are versioned JSON in the GX file project under expectations/gx/expectations/. GX 1.x has
no working DuckDB datasource, so each check reads its frame from DuckDB with SQL and validates it
here through an in-memory pandas datasource. Validation runs in an ephemeral context: a run must
not write datasources or validation results into the repository's GX project.

GX is imported lazily (~4-6 s) so loading the code location and the UI stay fast.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from orchestration.settings import EXPECTATIONS_DIR

MAX_EXAMPLES = 5
MAX_EXAMPLE_CHARS = 120


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str            # type plus its column(s), e.g. expect_column_values_to_be_unique(document_id)
    success: bool
    observed_value: str | None  # JSON text, sanitised
    unexpected_count: int | None
    examples: list[str] = field(default_factory=list)  # sanitised, truncated failing values


@dataclass(frozen=True)
class ValidationOutcome:
    suite_name: str
    success: bool
    row_count: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def sanitise(value: Any, limit: int = MAX_EXAMPLE_CHARS) -> str:
    """Dump text is hostile input: GX Data Docs and Dagster metadata would render markup in it.
    Drop control characters, truncate, then escape HTML (escaping last, so truncation never
    cuts an entity in half) before a value leaves this module. Sanitised values go into JSON
    metadata and GX results only, never into markdown (whose link syntax escaping cannot stop)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def sanitise_tree(value: Any, limit: int = MAX_EXAMPLE_CHARS) -> Any:
    """Sanitise every string inside a JSON-like structure (dicts, lists), keys included;
    numbers, booleans and None pass through. Used on whole GX results before Data Docs."""
    if isinstance(value, dict):
        return {sanitise(k, limit) if isinstance(k, str) else k: sanitise_tree(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitise_tree(v, limit) for v in value]
    if isinstance(value, str):
        return sanitise(value, limit)
    if isinstance(value, float):
        return _clean_json(value)
    return value


_NOT_MATCH_TYPES = ("expect_column_values_to_not_match_regex", "expect_column_values_to_not_match_regex_list")


def forbidden_patterns(config) -> list[str]:
    """The regexes a not-match expectation forbids ([] for other expectation types)."""
    if config.type not in _NOT_MATCH_TYPES:
        return []
    kwargs = config.kwargs
    return [kwargs["regex"]] if kwargs.get("regex") else list(kwargs.get("regex_list") or [])


def focus(value: Any, patterns: list[str], before: int = 40) -> Any:
    """A long text failing a not-match expectation, cut to start just before the forbidden
    match, so the truncated example shows the debris rather than the article's first line."""
    if not isinstance(value, str) or not patterns:
        return value
    starts = []
    for pattern in patterns:
        try:
            match = re.search(pattern, value)
        except re.error:
            continue
        if match:
            starts.append(match.start())
    if not starts:
        return value
    start = max(0, min(starts) - before)   # the earliest debris of any forbidden pattern
    return ("…" if start else "") + value[start:]


def focus_result(config, details: dict) -> dict:
    """details (a GX result dict) with its unexpected values focused on the forbidden match."""
    patterns = forbidden_patterns(config)
    if not patterns or not details:
        return details
    details = dict(details)
    if details.get("partial_unexpected_list"):
        details["partial_unexpected_list"] = [focus(v, patterns) for v in details["partial_unexpected_list"]]
    if details.get("partial_unexpected_counts"):
        details["partial_unexpected_counts"] = [
            {**c, "value": focus(c.get("value"), patterns)} for c in details["partial_unexpected_counts"]
        ]
    return details


@lru_cache(maxsize=1)
def _file_context():
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
    _quiet(context)
    return context


def _quiet(context) -> None:
    """No tqdm bars: they flood Dagster's captured stderr with one line per metric."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    _quiet(context)
    source = context.data_sources.add_pandas("claimgrid_frames")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole_frame")


def warm_up() -> None:
    """Import Great Expectations and open both contexts now (a long-lived worker, at its start)."""
    _file_context()
    _batch_definition()


def load_suite(suite_name: str):
    return _file_context().suites.get(suite_name)


def suite_names() -> list[str]:
    return sorted(p.stem for p in (EXPECTATIONS_DIR / "gx" / "expectations").glob("*.json"))


def _domain_columns(kwargs) -> list[str]:
    """The columns an expectation validates (none for a table expectation)."""
    if kwargs.get("column"):
        return [kwargs["column"]]
    if kwargs.get("column_A") and kwargs.get("column_B"):
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def _describe(config) -> str:
    columns = _domain_columns(config.kwargs)
    return f"{config.type}({','.join(columns)})" if columns else config.type


def _clean_json(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


# Columns that name a failing row, most specific first: the first group the frame has becomes
# GX's unexpected_index_column_names, so failing examples say which rows failed.
ROW_ID_PREFERENCE: tuple[tuple[str, ...], ...] = (
    ("measure",), ("mention_id",), ("sentence_key",), ("outlet_id", "claim_id"), ("document_id", "seq"),
    ("document_id", "sentence_seq"), ("document_id", "related_id"), ("document_id", "source_document_id"),
    ("document_id",), ("claim_id",), ("outlet_id",),
)


def row_id_columns(frame: pd.DataFrame) -> list[str]:
    for group in ROW_ID_PREFERENCE:
        if all(c in frame.columns for c in group):
            return list(group)
    return []


# GX's SUMMARY result: counts and the first failing rows by their positions in the frame. (Given
# unexpected_index_column_names, GX looks up the id values of *every* failing row, one .at per
# row and column, then keeps the first 20: 8 s of the warn gate on the 100k bench's 95k documents,
# three quarters of them without a publication time. attach_row_ids names the kept ones only.)
RESULT_FORMAT = {"result_format": "SUMMARY"}


def attach_row_ids(result, frame: pd.DataFrame) -> None:
    """In place: each failing row GX kept (its position in `frame`) becomes the dict GX gives with
    unexpected_index_column_names, the expectation's columns then the frame's row-id columns
    (row_id_columns), and those names are recorded as GX records them."""
    ids = row_id_columns(frame)
    if not ids:
        return
    for item in result.results:
        details = item.result or {}
        positions = details.get("partial_unexpected_index_list")
        if not positions or not all(isinstance(p, (int, np.integer)) for p in positions):
            continue
        columns = [c for c in _domain_columns(item.expectation_config.kwargs) if c in frame.columns]
        rows = frame.loc[list(positions), list(dict.fromkeys([*columns, *ids]))].to_dict("records")
        details["partial_unexpected_index_list"] = [
            {**{c: row[c] for c in columns}, **{c: row[c] for c in ids}} for row in rows]
        details["unexpected_index_column_names"] = ids


def validate_frame_raw(suite_name: str, frame: pd.DataFrame):
    """The GX ExpectationSuiteValidationResult, unsanitised: only for code that sanitises it
    (outcome_from_result, orchestration.docs) before anyone sees it."""
    return validate_batch(_batch_definition(), load_suite(suite_name), frame)


def validate_batch(batch_definition, suite, frame: pd.DataFrame):
    """`frame` validated against `suite` through `batch_definition` (a whole-dataframe batch of a
    pandas data source), failing rows named by their ids (attach_row_ids)."""
    if not frame.index.equals(pd.RangeIndex(len(frame))):   # a frame read by SQL already is
        frame = frame.reset_index(drop=True)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format=RESULT_FORMAT)
    attach_row_ids(result, frame)
    return result


def validate_frame(suite_name: str, frame: pd.DataFrame) -> ValidationOutcome:
    """Validate `frame` against the named suite. Never raises on failed expectations (a GX
    checkpoint does not either): the caller decides what a failure blocks."""
    return outcome_from_result(suite_name, validate_frame_raw(suite_name, frame), len(frame))


def _plain(value: Any) -> Any:
    """numpy scalars and NaN/NaT as plain JSON values."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def failing_examples(config, details: dict) -> list[str]:
    """A few failing rows, each as `id=value: failing value`, sanitised and truncated. Rows come
    from GX's unexpected index list when the frame had id columns, else the bare values."""
    patterns = forbidden_patterns(config)
    ids = details.get("unexpected_index_column_names") or []
    rows = details.get("partial_unexpected_index_list") or []
    examples = []
    if rows and isinstance(rows[0], dict):
        for row in rows[:MAX_EXAMPLES]:
            label = ", ".join(f"{c}={_plain(row.get(c))}" for c in ids)
            rest = {k: _plain(v) for k, v in row.items() if k not in ids}
            value = next(iter(rest.values())) if len(rest) == 1 else rest
            value = focus(value, patterns)
            shown = "" if not rest else f": {value if isinstance(value, str) else json.dumps(value, default=str)}"
            examples.append(sanitise(label + shown))
        return examples
    for value in (details.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]:
        examples.append(sanitise(focus(_plain(value), patterns)))
    return examples


def outcome_from_result(suite_name: str, result, row_count: int) -> ValidationOutcome:
    outcomes = []
    for item in result.results:
        details = item.result or {}
        observed = details.get("observed_value")
        examples = failing_examples(item.expectation_config, details) if not item.success else []
        if item.exception_info and item.exception_info.get("raised_exception"):
            examples.append(sanitise(item.exception_info.get("exception_message")))
        outcomes.append(
            ExpectationOutcome(
                expectation=_describe(item.expectation_config),
                success=bool(item.success),
                observed_value=None if observed is None else sanitise(_clean_json(_plain(observed)), 500),
                unexpected_count=details.get("unexpected_count"),
                examples=examples,
            )
        )
    return ValidationOutcome(
        suite_name=suite_name, success=bool(result.success), row_count=row_count, outcomes=outcomes
    )
