"""The house stays in order: every import of src/kluis runs down the floors of docs/design.md,
no two folders import each other, nothing imports inside a function without saying why, and no
module outgrows the limit. ``scripts/floors.py --detail`` names each import that breaks a rule."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _floors() -> ModuleType:
    spec = importlib.util.spec_from_file_location("floors", ROOT / "scripts" / "floors.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["floors"] = module
    spec.loader.exec_module(module)
    return module


def test_the_source_keeps_to_its_floors(capsys: pytest.CaptureFixture[str]) -> None:
    code = _floors().main([str(ROOT / "src" / "kluis"), "--detail"])
    assert code == 0, capsys.readouterr().out


def test_an_upward_import_is_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = tmp_path / "kluis"
    (package / "audit").mkdir(parents=True)
    (package / "contacts").mkdir()
    (package / "audit" / "service.py").write_text("from kluis.contacts import people\n")
    (package / "contacts" / "people.py").write_text("from kluis.audit import service\n")
    (package / "db.py").write_text("def f() -> None:\n    import json\n")
    assert _floors().main([str(package), "--detail"]) == 1
    out = capsys.readouterr().out
    assert "audit (floor 5) imports contacts (floor 8)" in out
    assert "pair: audit <-> contacts" in out
    assert "inside a function" in out
    assert "imports json" in out


def test_a_part_without_a_floor_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = tmp_path / "kluis"
    (package / "newslice").mkdir(parents=True)
    (package / "newslice" / "service.py").write_text("from kluis import db\n")
    (package / "db.py").write_text("")
    assert _floors().main([str(package), "--detail"]) == 1
    assert "no floor: newslice" in capsys.readouterr().out
