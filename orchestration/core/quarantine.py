"""Per-document isolation: one bad document is set aside with a reason, the batch goes on.

A stage runs its per-document work through `isolate`: an exception raised for one document
becomes a QuarantineRecord (`stage_error`, the exception in the detail) and the document is left
out of what the stage writes, and of every stage after it. A stage also quarantines documents
whose output breaks a content rule (`debris_residue`), which used to fail a blocking
expectation and stop the whole run.

Whether the batch as a whole may go on is a rate, decided by `rate_verdict`: a stage may set
aside up to `max_share` of the documents it was given (or `allowance` documents, whichever is
more, so a batch of six with one bad file is not 17 % broken); beyond that the stage's gate
fails and nothing downstream runs, so a run where most of the batch is quarantined never
publishes an emptier grid than the last snapshot.
"""
from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from orchestration.core.types import QUARANTINE_REASONS, QUARANTINE_STAGES, QuarantineRecord

T = TypeVar("T")
R = TypeVar("R")

MAX_DETAIL_CHARS = 500

# Debris that must never reach a body, a sentence or a claim: PHP var_dump residue
# (`string(123) "...`) and JSON structure (runs of brackets, `[{"`, `},{"`). The GX suites
# read the same patterns (orchestration/checks/suites.py).
VAR_DUMP_RESIDUE = r"string\(\d+\)"
JSON_DEBRIS = (
    VAR_DUMP_RESIDUE,
    r"(?:[\[\]{}]\s*){4,}",
    r"\[\s*\{\s*\"",
    r"\}\s*,\s*\{\s*\"",
)
_JSON_DEBRIS = [re.compile(p) for p in JSON_DEBRIS]


def debris_in(text: str | None) -> str | None:
    """The first var_dump or JSON debris in `text`, with a little context, or None."""
    if not text:
        return None
    for pattern in _JSON_DEBRIS:
        match = pattern.search(text)
        if match:
            start = max(0, match.start() - 30)
            return text[start:match.end() + 30]
    return None


def short(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """A detail line: one line, bounded (a 10 KB outlet name is not repeated whole)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_detail(error: BaseException) -> str:
    """`Type: message at file:line` of the innermost frame: enough to find the bug."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return short(f"{type(error).__name__}: {error}{where}")


class ConfigError(ValueError):
    """Configuration that cannot be used at all; the message names the file and the reason."""


def config_record(reason: str, source_file: str, row: int | None, detail: str) -> QuarantineRecord:
    """A configuration row (manifest line, catalog row) that is left out, and why."""
    return QuarantineRecord(stage="config", reason=reason, subject="config_row", source_file=source_file,
                            record_index=row, document_id=None, detail=short(detail))


def document_record(stage: str, reason: str, document_id: str, detail: str,
                    source_file: str | None = None, record_index: int | None = None) -> QuarantineRecord:
    assert stage in QUARANTINE_STAGES and reason in QUARANTINE_REASONS, (stage, reason)
    return QuarantineRecord(stage=stage, reason=reason, subject="document", source_file=source_file,
                            record_index=record_index, document_id=document_id, detail=short(detail))


@dataclass
class Isolated:
    """What `isolate` returns: results of the documents that went through, records of the rest."""
    results: list = field(default_factory=list)
    quarantined: list[QuarantineRecord] = field(default_factory=list)

    @property
    def quarantined_ids(self) -> set[str]:
        return {r.document_id for r in self.quarantined if r.document_id}


def isolate(items: Iterable[T], process: Callable[[T], R], stage: str,
            document_id: Callable[[T], str], source_file: Callable[[T], str | None] = lambda _: None) -> Isolated:
    """`process` every item; one that raises is quarantined (`stage_error`) instead of failing
    the stage. Only Exception is caught: MemoryError and KeyboardInterrupt still stop the run."""
    outcome = Isolated()
    for item in items:
        try:
            outcome.results.append(process(item))
        except MemoryError:
            raise
        except Exception as error:  # noqa: BLE001 - the point: one document's bug is not the batch's
            outcome.quarantined.append(
                document_record(stage, "stage_error", document_id(item), error_detail(error), source_file(item))
            )
    return outcome


@dataclass(frozen=True)
class QuarantinePolicy:
    """How much of a stage's batch may be quarantined before the stage's gate fails."""
    max_share: float = 0.02
    allowance: int = 3
    stage_max_share: dict[str, float] = field(default_factory=dict)

    def share_for(self, stage: str) -> float:
        return self.stage_max_share.get(stage, self.max_share)

    def limit(self, stage: str, batch: int) -> int:
        """The most documents `stage` may quarantine out of `batch`."""
        return max(int(self.share_for(stage) * batch), self.allowance)


@dataclass(frozen=True)
class RateVerdict:
    stage: str
    batch: int              # documents (or files, at ingest) the stage was given
    quarantined: int
    limit: int
    max_share: float

    @property
    def passed(self) -> bool:
        return self.quarantined <= self.limit

    @property
    def share(self) -> float:
        return self.quarantined / self.batch if self.batch else 0.0

    def describe(self) -> str:
        verdict = "within" if self.passed else "over"
        return (f"{self.quarantined} of {self.batch} quarantined at {self.stage} ({self.share:.1%}), "
                f"{verdict} the limit of {self.limit} (max share {self.max_share:.1%})")


def rate_verdict(stage: str, batch: int, quarantined: int, policy: QuarantinePolicy) -> RateVerdict:
    return RateVerdict(stage=stage, batch=batch, quarantined=quarantined,
                       limit=policy.limit(stage, batch), max_share=policy.share_for(stage))


def parse_stage_shares(text: str | None) -> dict[str, float]:
    """`clean=0.05,language=0.1` -> {'clean': 0.05, 'language': 0.1}; unknown stages are an error
    (a typo must not silently leave the default in force)."""
    shares: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        stage, _, value = part.partition("=")
        stage = stage.strip()
        if stage not in QUARANTINE_STAGES:
            raise ValueError(f"unknown quarantine stage {stage!r}; stages are {', '.join(QUARANTINE_STAGES)}")
        share = float(value)
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"quarantine share for {stage} must be in [0, 1], got {share}")
        shares[stage] = share
    return shares
