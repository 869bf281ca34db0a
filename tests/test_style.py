"""No dead imports or unused names in the code: pyflakes finds none."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pyflakes_finds_nothing():
    folders = [str(ROOT / name) for name in ("tracker", "reports", "tests", "migrations") if (ROOT / name).exists()]
    found = subprocess.run([sys.executable, "-m", "pyflakes", *folders], capture_output=True, text=True)
    assert found.stdout == "", found.stdout
