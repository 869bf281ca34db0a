"""The layering is checked, not hoped for: import-linter's contracts (pyproject.toml) hold, no
module imports itself through others, and a wrong import breaks them."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


#: (file of the copied tree, the wrong import added to it, the contract that must break).
WRONG_IMPORTS = [
    ("tracker/gaps/rules.py", "from tracker.web import session", "Domain rules import no web module"),
    ("tracker/core/money.py", "import tracker.gaps.rules", "core is shared by every domain"),
    ("reports/rows.py", "import tracker.core.money", "reports builds workbooks from plain rows"),
    ("tracker/schedules/instalments.py", "import tracker.contributions.rules", "No import cycles"),
]


@pytest.mark.parametrize(("path", "line", "contract"), WRONG_IMPORTS, ids=[c for _, _, c in WRONG_IMPORTS])
def test_a_wrong_import_breaks_its_contract(tmp_path, path, line, contract):
    tree = _copy(tmp_path)
    _append(tree / path, f"{line}  # noqa")
    found = lint_imports(tree)
    assert found.returncode != 0
    broken = found.stdout.split("Broken contracts")[-1]
    assert contract in broken and "BROKEN" in found.stdout, found.stdout


def test_two_pages_importing_each_other_are_found(tmp_path):
    tree = _copy(tmp_path)
    _append(tree / "tracker" / "gaps" / "views.py", "import tracker.contributions.views  # noqa")
    assert any(line.startswith("tracker.gaps.views ->") for line in module_cycles(tree))
