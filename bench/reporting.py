"""What every bench script shares around its runs: the flags, the machine (threads fixed), and
the table and JSON it writes."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from threadpoolctl import threadpool_info, threadpool_limits

TORCH_THREADS = 1


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "blas_threads": [pool["num_threads"] for pool in threadpool_info()],
        "torch": str(torch.__version__),
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def median(values: Iterable[float | None]) -> float | None:
    """The median, counting None (never reached) as infinitely late; None if that is the median."""
    ordered = sorted(float("inf") if v is None else v for v in values)
    if not ordered:
        return None
    m = statistics.median(ordered)
    return None if m == float("inf") else m


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a GitHub markdown table (None printed as a dash)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


RUN_COLUMNS = (
    "label",
    "seed",
    "steps_to_criterion",
    "seconds_to_criterion",
    "mean_return",
    "std_return",
    "success_rate",
    "episodes",
)
"""The columns of RunResult.row() every learning bench prints first."""


def base_parser(description: str) -> argparse.ArgumentParser:
    """The flags every bench script shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="training seeds")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    return parser


def setup() -> dict[str, Any]:
    """Fix the thread count and return the machine description (printed)."""
    torch.set_num_threads(TORCH_THREADS)
    threadpool_limits(TORCH_THREADS, user_api="blas")  # numpy's BLAS (SB3's too)
    info = machine()
    print("machine:", json.dumps(info))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    return info


def report(
    rows: list[dict[str, Any]], columns: Sequence[str], info: dict[str, Any], path: Path | None
) -> None:
    """Print the rows as a markdown table and optionally save them with the machine as JSON."""
    print()
    print(markdown_table(rows, columns))
    if path is not None:
        payload = {"machine": info, "command": sys.argv, "rows": rows}
        path.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {path}")
