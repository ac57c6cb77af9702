"""Plots (matplotlib, PNG): learning curves per configuration with a 95% band over seeds, and
final scores per configuration; `main.py --mode plot` groups any runs into configurations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, no display needed
from matplotlib.ticker import StrMethodFormatter

from agent.files import write_atomically
from agent.curves import WINDOW, Curve, band, curve_of, read_episodes
from agent.metrics import CSV_NAME
from agent.run import LAST

NOT_CONFIG = ("seed",)
"""Fields that differ between the seeds of one configuration."""


def _save(figure: Figure, path: Path) -> None:
    """Write the figure as PNG atomically."""
    write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=100))


TRAINING_RETURNS = f"episode return (mean of the last {WINDOW}, over seeds)"
"""The y axis of curves of training episodes."""
EVALUATION_RETURNS = "evaluation mean return (the latest by each step, over seeds)"
"""The y axis of curves of periodic evaluations."""


def plot_curves(
    curves: Mapping[str, Curve],
    path: Path,
    title: str,
    target: float | None = None,
    ylabel: str = TRAINING_RETURNS,
) -> None:
    """Mean return against env steps per configuration, a shaded 95% band over its seeds."""
    figure = Figure(figsize=(8, 5), layout="constrained")
    axes = figure.add_subplot()
    for label, curve in curves.items():
        (line,) = axes.plot(curve.steps, curve.mean, label=f"{label} ({curve.runs} seeds)")
        axes.fill_between(curve.steps, curve.low, curve.high, color=line.get_color(), alpha=0.2)
    if target is not None:
        axes.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target:g}")
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlabel("env steps")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    _save(figure, path)


def plot_finals(
    scores: Mapping[str, Sequence[float]], path: Path, title: str, target: float | None = None
) -> None:
    """Each seed's final evaluation mean as a dot, with the mean and 95% interval per
    configuration."""
    figure = Figure(figsize=(8, 0.6 * len(scores) + 1.8), layout="constrained")
    axes = figure.add_subplot()
    for row, values in enumerate(scores.values()):
        if not values:
            continue
        values = np.asarray(values, dtype=float)
        mean, low, high = (float(v[0]) for v in band(values[:, None]))
        axes.scatter(values, np.full(len(values), row), s=14, alpha=0.6)
        axes.errorbar(mean, row, xerr=[[mean - low], [high - mean]], fmt="D", color="black")
    if target is not None:
        axes.axvline(target, color="grey", linestyle="--", linewidth=1)
    axes.set_yticks(range(len(scores)), list(scores))
    axes.invert_yaxis()
    axes.set_xlabel("final evaluation: mean return (dots: seeds; diamond: mean, 95% interval)")
    axes.set_title(title)
    axes.grid(alpha=0.3, axis="x")
    _save(figure, path)


def find_runs(paths: Sequence[Path]) -> list[Path]:
    """The run directories (with a metrics.csv) at or below each path, sorted."""
    runs = set()
    for path in paths:
        if (path / CSV_NAME).is_file():
            runs.add(path)
        runs.update(csv.parent for csv in path.rglob(CSV_NAME))
    return sorted(runs)


def _config(run_dir: Path) -> dict[str, Any] | None:
    """A run's configuration from its last.pt (the seed left out), or None without one."""
    from agent.checkpoint import load_checkpoint  # torch: only when plotting arbitrary runs

    if not (run_dir / LAST).is_file():
        return None
    metadata = load_checkpoint(run_dir / LAST)["metadata"]
    train = {k: v for k, v in metadata["train_config"].items() if k not in NOT_CONFIG}
    return {**train, **metadata["algo_config"]}


def group_runs(run_dirs: Sequence[Path]) -> dict[str, list[Path]]:
    """Runs with the same configuration (seeds aside) in one group, labelled by scene, algorithm
    and the fields that differ between groups (a run without last.pt: its directory's name)."""
    configs = {run: _config(run) for run in run_dirs}
    keys: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[Path]] = {}
    for run, config in configs.items():
        key = run.name if config is None else json.dumps(config, sort_keys=True, default=str)
        keys.setdefault(key, config or {})
        groups.setdefault(key, []).append(run)
    known = [c for c in keys.values() if c]
    differ = sorted(
        k for k in {k for c in known for k in c} if len({str(c.get(k)) for c in known}) > 1
    )
    labels = {}
    for key, config in keys.items():
        if not config:
            labels[key] = key
            continue
        shown = [f"{k}={config.get(k)}" for k in differ if k not in ("scene", "algo")]
        labels[key] = " ".join([config["scene"], config["algo"], *shown])
    return {labels[key]: runs for key, runs in groups.items()}


def plot_runs(paths: Sequence[Path], out: Path) -> dict[str, list[Path]]:
    """The learning curves of any runs (grouped into configurations), drawn to `out`."""
    groups = group_runs(find_runs(paths))
    if not groups:
        return groups
    curves = {}
    for label, runs in groups.items():
        episodes = [e for e in map(read_episodes, runs) if len(e[0])]
        if episodes:
            curves[label] = curve_of(episodes)
    plot_curves(curves, out, "learning curves")
    return groups
