"""The layering is checked, not hoped for: import-linter's contracts (pyproject.toml) hold, and
a wrong import breaks them."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = 8


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """import-linter over ``tree`` (a folder holding tracker/, reports/ and pyproject.toml)."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True)


def test_every_contract_is_kept():
    found = lint_imports(ROOT)
    assert found.returncode == 0, found.stdout + found.stderr
    assert f"Contracts: {CONTRACTS} kept, 0 broken." in found.stdout, found.stdout


def _copy(tmp_path: Path) -> Path:
    for name in ("tracker", "reports"):
        skipped = shutil.ignore_patterns("__pycache__", "templates", "static")
        shutil.copytree(ROOT / name, tmp_path / name, ignore=skipped)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "config.py", tmp_path)
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_a_rule_that_imports_a_page_breaks_the_contracts(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "tracker" / "gaps" / "rules.py", "from tracker.web import session  # noqa")
    found = lint_imports(tree)
    assert found.returncode != 0
    assert "Domain rules import no web module" in found.stdout and "BROKEN" in found.stdout


def test_core_importing_a_domain_breaks_the_contracts(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "tracker" / "core" / "money.py", "import tracker.gaps.rules  # noqa")
    found = lint_imports(tree)
    assert found.returncode != 0
    assert "core is shared by every domain" in found.stdout


def test_reports_importing_tracker_breaks_the_contracts(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "reports" / "rows.py", "import tracker.core.money  # noqa")
    assert lint_imports(tree).returncode != 0


def test_a_cycle_between_rules_breaks_the_contracts(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "tracker" / "schedules" / "instalments.py", "import tracker.contributions.rules  # noqa")
    found = lint_imports(tree)
    assert found.returncode != 0
    assert "No import cycles" in found.stdout
