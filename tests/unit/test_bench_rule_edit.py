"""The bench's edited-rule run (benchmarks/scale_speed.py): a copy of the code with one cleaning
rule deleted, which the job sees as a new cleaning version and nothing else."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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
