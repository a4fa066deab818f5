"""Code versions derived from the code and data a stage runs on.

A stage's version is the hash of its asset module, of every `orchestration.core` module that
module imports (transitively, lazy imports inside functions included), and of the data files
those modules name: a file or folder beside the module whose name appears in it as a string
literal (`Path(__file__).with_name("synonyms.yaml")`, `parent / "rules"`). Nothing is listed by
hand, so a new rule file or a new import is covered the moment the code names it. Data the
stage reads from a setting (the outlet registry, the stance model) is declared at the asset as
`extra_files`.

Dagster compares these versions with the ones recorded at the last materialization: a changed
file shows the assets it feeds as stale in the UI, and the document stages re-process a document
only when its version key (stage version + the keys of its inputs) changed (ledger.py).
"""
from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = "orchestration"
CORE_PACKAGE = "orchestration.core"
PACKAGE_ROOT = Path(__file__).resolve().parent
VERSION_LENGTH = 16


def module_path(module: str, package_root: Path = PACKAGE_ROOT) -> Path | None:
    """The source file of `orchestration.x.y` below package_root, or None."""
    parts = module.split(".")[1:]
    base = package_root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _imports_and_literals(source: str, module: str) -> tuple[frozenset[str], frozenset[str]]:
    # kept by source text: every asset module reaches the same core modules, and parsing them
    # again for each was most of loading the code location's definitions
    tree = ast.parse(source)
    imported: set[str] = set()
    literals: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            imported.add(base)
            imported.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) < 200:
            literals.add(node.value)
    return frozenset(imported), frozenset(literals)


def _named_data_files(path: Path, literals: frozenset[str]) -> list[Path]:
    """Files beside a module (or below a folder beside it) that the module names literally."""
    found = []
    for entry in sorted(path.parent.iterdir()):
        if entry.name not in literals or entry.suffix == ".py":
            continue
        if entry.is_file():
            found.append(entry)
        elif entry.is_dir() and not (entry / "__init__.py").exists():  # a data folder, not a package
            found.extend(sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix != ".pyc"))
    return found


def stage_files(module: str, package_root: Path = PACKAGE_ROOT) -> list[Path]:
    """The asset module, the core modules it reaches, and the data files they name, sorted."""
    seen: set[str] = set()
    files: set[Path] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_path(name, package_root)
        if path is None:
            continue
        files.add(path)
        imported, literals = _imports_and_literals(path.read_text(encoding="utf-8"), name)
        files.update(_named_data_files(path, literals))
        todo.extend(m for m in imported if m.startswith(CORE_PACKAGE + ".") or m == CORE_PACKAGE)
    return sorted(files)


def files_version(files: list[Path], package_root: Path = PACKAGE_ROOT) -> str:
    digest = hashlib.sha256()
    for path in files:
        try:
            name = str(path.relative_to(package_root))
        except ValueError:
            name = path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:VERSION_LENGTH]


@cache
def code_version(module: str, extra_files: tuple[str, ...] = ()) -> str:
    """The code version of the stage whose asset module is `module`."""
    return files_version(stage_files(module) + [Path(p) for p in extra_files])
