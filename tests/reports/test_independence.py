"""``reports`` builds workbooks from plain rows and never reaches into the app."""
import ast
import subprocess
import sys
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_reports_module_imports_tracker():
    modules = sorted(REPORTS.glob("*.py"))
    assert modules
    for path in modules:
        offending = {name for name in imported_modules(path) if name.split(".")[0] == "tracker"}
        assert not offending, f"{path.name} imports {offending}"


def test_importing_every_builder_loads_nothing_of_tracker():
    builders = [f"reports.{p.stem}" for p in sorted(REPORTS.glob("*.py")) if p.stem != "__init__"]
    assert len(builders) >= 8
    names = ", ".join(builders)
    code = f"import sys, {names}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'tracker'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPORTS.parent, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
