"""The app's outward surface — every URL rule and every CLI command — compared with the lists
checked in beside this test, so that moving code around cannot make a route or a command
vanish, change its methods or its endpoint name.

After a deliberate change of the surface, regenerate the lists with
``python -m tests.test_surface`` and review the diff.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker import create_app

SURFACE = Path(__file__).resolve().parent / "surface"
ROUTES = SURFACE / "routes.txt"
COMMANDS = SURFACE / "commands.txt"


def _app(tmp: Path):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp / 'surface.sqlite3'}",
                       "SECRET_KEY": "surface", "TRACKER_SEED": ""})


def route_lines(app) -> list[str]:
    """One line per URL rule: the rule, its methods and its endpoint."""
    return sorted(f"{rule.rule} {','.join(sorted(rule.methods))} {rule.endpoint}" for rule in app.url_map.iter_rules())


def _parameters(command: click.Command) -> str:
    shown = []
    for param in command.params:
        shown.append("/".join(sorted(param.opts)) if isinstance(param, click.Option) else param.name.upper())
    return " ".join(shown)


def command_lines(group: click.Group, prefix: str = "") -> list[str]:
    """One line per command of the app's CLI, sub-commands under their group, with parameters."""
    lines = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        lines.append(f"{path} {_parameters(command)}".rstrip())
        if isinstance(command, click.Group):
            lines.extend(command_lines(command, f"{path} "))
    return lines


def _expected(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_every_url_rule_is_where_it_was(tmp_path):
    app = _app(tmp_path)
    try:
        found = route_lines(app)
    finally:
        app.extensions["tracker.engine"].dispose()
    expected = _expected(ROUTES)
    assert len(expected) > 30
    assert found == expected


def test_every_cli_command_is_where_it_was(tmp_path):
    app = _app(tmp_path)
    try:
        found = command_lines(app.cli)
    finally:
        app.extensions["tracker.engine"].dispose()
    expected = _expected(COMMANDS)
    assert len(expected) > 10
    assert found == expected


def main(folder: str) -> None:
    """Write the current surface to the checked-in lists."""
    app = _app(Path(folder))
    ROUTES.write_text("\n".join(route_lines(app)) + "\n", encoding="utf-8")
    COMMANDS.write_text("\n".join(command_lines(app.cli)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        main(scratch if len(sys.argv) < 2 else sys.argv[1])
