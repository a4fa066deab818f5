"""The bench's scenarios (benchmarks/scale_speed.py): the edited-rule run, a copy of the code with
one cleaning rule deleted, which the job sees as a new cleaning version and nothing else; and the
same day of news landed under every size's archive."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from orchestration.core.cleaning.rules import DEFAULT_RULES_PATH, load_rules
from orchestration.versions import PACKAGE_ROOT, files_version, stage_files

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("scale_speed", REPO / "benchmarks" / "scale_speed.py")
scale_speed = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = scale_speed
_spec.loader.exec_module(scale_speed)


def rule_ids(path: Path) -> list[str]:
    return [rule.id for rule in load_rules(path).rules]


def test_the_copy_lacks_exactly_the_deleted_rule_and_only_cleaning_changes_version():
    with scale_speed.code_with_rule_deleted(scale_speed.EDITED_RULE) as code:
        edited = rule_ids(code / scale_speed.RULES_FILE)
        package = code / "orchestration"
        versions = {stage: (files_version(stage_files(f"orchestration.assets.{stage}", package), package),
                            files_version(stage_files(f"orchestration.assets.{stage}"), PACKAGE_ROOT))
                    for stage in ("clean", "language", "sentences", "outlets", "claims")}
        assert (code / "dbt_project" / "dbt_project.yml").exists() and not (code / ".venv").exists()
    assert edited == [r for r in rule_ids(DEFAULT_RULES_PATH) if r != scale_speed.EDITED_RULE]
    assert {stage for stage, (copy, repo) in versions.items() if copy != repo} == {"clean"}
    assert not code.exists()


def _landing_with_its_one_percent_day(folder: Path, size: int) -> Path:
    scale_speed.corpus.write_landing(folder, scale_speed.corpus.build_corpus(size, scale_speed.SEED))
    scale_speed.land_new_day(folder, scale_speed.one_percent(size), scale_speed.ONE_PERCENT_SEED, "new-")
    return folder


def test_the_same_day_is_the_same_news_on_the_same_day_at_every_size(tmp_path: Path):
    if not scale_speed.corpus.load_sources():
        pytest.skip("no text source for the bench corpus")
    small, large = (_landing_with_its_one_percent_day(tmp_path / str(n), n) for n in (100, 400))
    days = {scale_speed.land_new_day(folder, scale_speed.SAME_DAY_DUMPS, scale_speed.SAME_DAY_SEED, "same-")
            for folder in (small, large)}
    assert len(days) == 1
    [day] = days

    def same_day_files(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((folder / str(day)).iterdir())}

    files = same_day_files(small)
    assert files == same_day_files(large) and all(name.startswith("same-") for name in files)
    landed = sum(len(body.splitlines()) if name.endswith(".jsonl") else 1 for name, body in files.items())
    assert landed == scale_speed.SAME_DAY_DUMPS
