"""Layer contract: storage/, sync/ and checklists/ never import Textual (checked statically with
ast, and by importing every module in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("storage", "sync", "checklists")


def _modules() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_lower_layers_do_not_import_textual_or_screens() -> None:
    offenders = []
    for path in _modules():
        for name in _imported_names(path):
            root = name.split(".")[0]
            if root in ("textual", "screens") or name == "supervisor_tui.shell.app":
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders
    assert len(_modules()) > 5


def test_importing_lower_layers_does_not_load_textual() -> None:
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in _modules()]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(bad))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
