"""Learning curves from a run's CSVs (metrics.csv: training episodes; evaluations.csv: periodic
evaluations): each run smoothed onto a common grid of env steps, then the mean over seeds with a
95% confidence band (Student's t)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from agent.metrics import CSV_NAME, EVAL_CSV_NAME

WINDOW = 20
"""A run's value at a step is the mean return of its last WINDOW episodes finished by then."""
POINTS = 100
"""Grid points per curve."""


class Curve(NamedTuple):
    """Several runs of one configuration on a grid of env steps: their mean and 95% band."""

    steps: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: int


def _read(path: Path, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(step, `column`) of every row of a run's CSV that has a value there, in order."""
    with path.open(newline="") as file:
        rows = [row for row in csv.DictReader(file) if row.get(column)]
    steps = np.array([int(row["step"]) for row in rows], dtype=np.int64)
    return steps, np.array([float(row[column]) for row in rows])


def read_episodes(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(env step, return) of every episode a run logged, in order."""
    return _read(run_dir / CSV_NAME, "return")


def read_evaluations(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(env step, mean return) of every periodic evaluation a run logged, in order (none: empty)."""
    path = run_dir / EVAL_CSV_NAME
    if not path.is_file():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return _read(path, "mean_return")


def smooth(
    steps: np.ndarray, returns: np.ndarray, grid: np.ndarray, window: int = WINDOW
) -> np.ndarray:
    """At each grid step, the mean return of the last `window` episodes finished by then (NaN
    before the first)."""
    done = np.searchsorted(steps, grid, side="right")
    sums = np.concatenate([[0.0], np.cumsum(returns)])
    first = np.maximum(done - window, 0)
    counts = done - first
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (sums[done] - sums[first]) / counts, np.nan)


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile for p in (0.5, 1): bisection on the CDF, integrated numerically."""

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 4001)
        log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
        density = np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))
        return 0.5 + float(np.sum((density[1:] + density[:-1]) * np.diff(x)) / 2)

    low, high = 0.0, 1.0
    while cdf(high) < p:
        low, high = high, high * 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < p else (low, mid)
    return (low + high) / 2


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over rows (runs) and its 95% confidence interval (t, n - 1 dof); one run, no band."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        return mean, mean.copy(), mean.copy()
    half = t_quantile(0.975, n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def curve_of(
    runs: Sequence[tuple[np.ndarray, np.ndarray]], points: int = POINTS, window: int = WINDOW
) -> Curve:
    """The runs' (steps, returns) on a grid up to the shortest run's last one, each smoothed over
    its last `window` values (1 for evaluations: the latest one by each step)."""
    last = min(int(steps[-1]) for steps, _ in runs if len(steps))
    grid = np.linspace(0, last, points).round().astype(np.int64)
    smoothed = np.stack([smooth(steps, returns, grid, window) for steps, returns in runs])
    defined = ~np.isnan(smoothed).any(axis=0)  # from the step every run has an episode
    mean, low, high = band(smoothed[:, defined])
    return Curve(grid[defined], mean, low, high, len(runs))
