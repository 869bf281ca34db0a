"""Timing, and what a benchmark prints and keeps: a table on screen, JSON in bench-results/."""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from sqlalchemy import Engine

RESULTS = Path(__file__).resolve().parents[2] / "bench-results"


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of each repetition of one measurement."""

    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        return min(self.seconds)


def timed(actions: dict[str, Callable[[], object]], repeat: int) -> list[Timing]:
    """Run each action once untimed (compile caches, pool, disk cache), then ``repeat`` rounds
    of all of them in turn.

    Interleaved rounds rather than one action's runs in a row: on a shared machine the load
    drifts, and each round then puts the same load on every action, so the ratios hold.
    The median is the figure to quote; the min shows how much of it is noise.
    """
    for action in actions.values():
        action()
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            seconds[name].append(time.perf_counter() - start)
    return [Timing(name, runs) for name, runs in seconds.items()]


def once(name: str, action: Callable[[], object]) -> Timing:
    """Time a single run of ``action`` (loading data cannot be repeated on the same database)."""
    start = time.perf_counter()
    action()
    return Timing(name, [time.perf_counter() - start])


def table(setup: list[Timing], timings: list[Timing], floor: Timing) -> str:
    """Setup steps, then each measurement with its median, min and ratio to the floor."""
    width = max(len(t.name) for t in [*setup, *timings])
    header = f"{'measurement':<{width}}  {'median':>10}  {'min':>10}  {'× raw':>6}  {'min × raw min':>13}"
    lines = [header, "-" * len(header)]
    lines += [f"{t.name:<{width}}  {_seconds(t.median):>10}" for t in setup]
    lines += [
        f"{t.name:<{width}}  {_seconds(t.median):>10}  {_seconds(t.min):>10}  {t.median / floor.median:>6.2f}"
        f"  {t.min / floor.min:>13.2f}"
        for t in timings
    ]
    return "\n".join(lines)


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def machine(engine: Engine) -> dict:
    """What the numbers were measured on; without it they cannot be compared."""
    version = ".".join(str(part) for part in engine.dialect.server_version_info or ())
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlalchemy": sqlalchemy.__version__,
        "database": f"{engine.dialect.name} {version}",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def save(name: str, parameters: dict, machine_info: dict, setup: list[Timing], timings: list[Timing],
         floor: Timing) -> Path:
    """Write the run as JSON to ``bench-results/<name>-<dialect>-<UTC time>.json``."""
    now = datetime.now(UTC)
    dialect = machine_info["database"].split()[0]
    path = RESULTS / f"{name}-{dialect}-{now:%Y%m%dT%H%M%SZ}.json"
    RESULTS.mkdir(exist_ok=True)
    document = {
        "benchmark": name,
        "at": now.isoformat(timespec="seconds"),
        "parameters": parameters,
        "machine": machine_info,
        "setup": [_timing_json(t) for t in setup],
        "measurements": [
            {**_timing_json(t), "ratio_to_raw": t.median / floor.median, "min_ratio_to_raw": t.min / floor.min}
            for t in timings
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def _timing_json(timing: Timing) -> dict:
    return {**asdict(timing), "median": timing.median, "min": timing.min}


def publish(name: str, args, machine_info: dict, setup: list, timings: list) -> Path:
    """Print the table of a run (the first timing is the floor) and save it; returns the file."""
    floor = timings[0]
    print(f"{machine_info['database']} · {machine_info['cpus']} × {machine_info['cpu_model']} · "
          f"Python {machine_info['python']}")
    print(table(setup, timings, floor))
    parameters = {key: getattr(args, key) for key in ("gaps", "contributions", "repeat", "seed")}
    return save(name, parameters, machine_info, setup, timings, floor)
