"""Peak memory of every step, as `peak_rss_mb` metadata on what the step reports.

`make run` executes every step in the run's own process (the in-process executor), so the
process's high-water mark (ru_maxrss) only ever grows: it says what the largest step took, never
which one. On Linux a process may reset its own high-water mark (writing "5" to
/proc/self/clear_refs, Linux >= 4.0), so each step starts from the memory it inherits and reads
its own peak at the end. The processes a step starts (a process pool's workers, dbt) are sampled
from /proc while it runs: each one's own high-water mark (VmHWM), the largest taken.

What a step reports (each materialization, check result or output it yields or returns):
- `peak_rss_mb`: the larger of the step process's peak and its largest child's;
- `peak_rss_step_process_mb`, `peak_rss_children_mb`, `rss_at_step_start_mb`: the parts.
A step that yields nothing (a skipped dbt build) or fails logs the figures instead.
After a step that grew, its freed memory goes back to the system, so the next step does not start
from it.
"""
from __future__ import annotations

import functools
import gc
import inspect
import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.core.heap import return_freed_heap

SAMPLE_EVERY_SECONDS = 0.5
RELEASE_AFTER_GROWTH_MB = 200
_CONTEXTS = (dg.OpExecutionContext, dg.AssetExecutionContext, dg.AssetCheckExecutionContext)
_PROC = Path("/proc")


def _status_kb(pid: int | str, field: str) -> int:
    """`field` (VmRSS, VmHWM) of /proc/<pid>/status in kB; 0 when the process is gone or not Linux."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def reset_peak() -> bool:
    """Start this process's high-water mark again from its current RSS (False where it cannot)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _children(pid: int) -> list[int] | None:
    """The direct children of `pid` (/proc/<pid>/task/*/children), None where the kernel has no
    such file."""
    found: list[int] = []
    try:
        tasks = os.listdir(_PROC / str(pid) / "task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (_PROC / str(pid) / "task" / task / "children").read_text().split()]
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            continue
    return found


def _children_by_scan() -> dict[int, list[int]]:
    """Every process's children, from the parent ids in /proc/*/stat (all processes: slower)."""
    children: dict[int, list[int]] = {}
    for entry in (e for e in os.listdir(_PROC) if e.isdigit()):
        try:
            stat = (_PROC / entry / "stat").read_text()
            # the command name may hold spaces and parentheses: the fields start after the last ')'
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: walked from its children files, where the kernel has them
    (the cost of the step's own tree, not of the machine's process list)."""
    scanned: dict[int, list[int]] | None = None
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = _children(parent)
        if children is None:
            scanned = scanned if scanned is not None else _children_by_scan()
            children = scanned.get(parent, [])
        found += children
        todo += children
    return found


@dataclass(frozen=True)
class PeakMemory:
    step_process_mb: float
    children_mb: float
    at_start_mb: float

    @property
    def peak_mb(self) -> float:
        return max(self.step_process_mb, self.children_mb)

    def metadata(self) -> dict[str, float]:
        return {"peak_rss_mb": round(self.peak_mb, 1),
                "peak_rss_step_process_mb": round(self.step_process_mb, 1),
                "peak_rss_children_mb": round(self.children_mb, 1),
                "rss_at_step_start_mb": round(self.at_start_mb, 1)}


class PeakMemoryMeter:
    """Started when a step starts; `read()` gives the peaks since then, as often as asked."""

    reported = False    # whether a result of the step carries the figures

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._at_start_kb = _status_kb("self", "VmRSS")
        self._resettable = reset_peak()
        self._children_at_start_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self._children_peak_kb = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="peak-rss-sampler", daemon=True)
        self._sampler.start()

    def _sample_once(self) -> None:
        for child in descendants(self._pid):
            self._children_peak_kb = max(self._children_peak_kb, _status_kb(child, "VmHWM"))

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_SECONDS):
            self._sample_once()

    def read(self) -> PeakMemory:
        self._sample_once()
        own_kb = _status_kb("self", "VmHWM") if self._resettable else \
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children_kb = self._children_peak_kb
        # children waited for during the step (a pool shut down between two samples)
        waited_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if waited_kb > self._children_at_start_kb:
            children_kb = max(children_kb, waited_kb)
        return PeakMemory(own_kb / 1024, children_kb / 1024, self._at_start_kb / 1024)

    def stop(self) -> PeakMemory:
        self._stop.set()
        self._sampler.join()
        return self.read()


def release_free_memory(peak: PeakMemory) -> None:
    """After a step that grew by more than RELEASE_AFTER_GROWTH_MB: hand the memory it freed back
    to the system (glibc keeps freed heap in its arenas otherwise, and every later step of the
    in-process executor starts from the largest step's footprint). Not after the others: a full
    collection costs 0.2-0.7 s, which was most of a run with nothing new."""
    if peak.step_process_mb - peak.at_start_mb < RELEASE_AFTER_GROWTH_MB:
        return
    gc.collect()
    return_freed_heap()


def _with_peak(event, meter: PeakMemoryMeter):
    """`event` with the step's peaks so far added to its metadata (events without metadata as they are)."""
    if isinstance(event, (dg.MaterializeResult, dg.AssetCheckResult, dg.Output)):
        metadata = meter.read().metadata()
        meter.reported = True
        if isinstance(event, dg.MaterializeResult):
            return event._replace(metadata={**(event.metadata or {}), **metadata})
        return event.with_metadata({**(event.metadata or {}), **metadata})
    return event


def _log_peak(args, kwargs, meter: PeakMemoryMeter, peak: PeakMemory) -> None:
    """The figures as a log line, for a step none of whose results carries them (a skipped dbt
    build, a failure): every event costs a write to the run's event log."""
    context = next((a for a in (*args, *kwargs.values()) if isinstance(a, _CONTEXTS)), None)
    if context is not None and not meter.reported:
        context.log.info(f"peak RSS of this step: {peak.peak_mb:.0f} MB (step process {peak.step_process_mb:.0f} MB, "
                         f"from {peak.at_start_mb:.0f} MB at start; largest child {peak.children_mb:.0f} MB)")


def reports_peak_memory(fn):
    """`fn` (a step's function) with `peak_rss_mb` added to every result it yields or returns."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def steps(*args, **kwargs):
            meter = PeakMemoryMeter()
            try:
                for event in fn(*args, **kwargs):
                    yield _with_peak(event, meter)
            finally:
                peak = meter.stop()
                _log_peak(args, kwargs, meter, peak)
                release_free_memory(peak)
        return steps

    @functools.wraps(fn)
    def step(*args, **kwargs):
        meter = PeakMemoryMeter()
        try:
            return _with_peak(fn(*args, **kwargs), meter)
        finally:
            peak = meter.stop()
            _log_peak(args, kwargs, meter, peak)
            release_free_memory(peak)
    return step
