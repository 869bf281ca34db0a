"""The layering is checked, not hoped for: import-linter's contracts (pyproject.toml) hold, no
module imports itself through others, and a wrong import breaks them."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = 8


#: Prints every module of tracker and reports that imports itself through others (grimp's graph
#: counts imports inside functions too), one "module: chain" line each.
FIND_CYCLES = """
import grimp
graph = grimp.build_graph("tracker", "reports")
for module in sorted(graph.modules):
    for imported in graph.find_modules_directly_imported_by(module):
        chain = graph.find_shortest_chain(importer=imported, imported=module)
        if chain:
            print(module, "->", " -> ".join(chain))
"""


def module_cycles(tree: Path) -> list[str]:
    found = subprocess.run([sys.executable, "-c", FIND_CYCLES], cwd=tree, capture_output=True, text=True, check=True)
    return found.stdout.splitlines()


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """import-linter over ``tree`` (a folder holding tracker/, reports/ and pyproject.toml)."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True)


def test_every_contract_is_kept():
    found = lint_imports(ROOT)
    assert found.returncode == 0, found.stdout + found.stderr
    assert f"Contracts: {CONTRACTS} kept, 0 broken." in found.stdout, found.stdout


def test_no_module_imports_itself_through_others():
    """Stricter than the package contract, which lets pages import across domains: not even two
    pages import each other in a circle."""
    assert module_cycles(ROOT) == []


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


def test_two_pages_importing_each_other_are_found(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "tracker" / "gaps" / "views.py", "import tracker.contributions.views  # noqa")
    assert any(line.startswith("tracker.gaps.views ->") for line in module_cycles(tree))
