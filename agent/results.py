"""A sweep's results from its files: each trial's outcome, and one table row per configuration.

Layout of a sweep directory (everything is read from files, so a resumed or finished sweep
gives the same table):
    sweep.json                          the spec (configurations, seeds, target)
    trials/<NN-label>/seed-<S>/         an ordinary run directory, plus final.json or error.txt
    results.csv                         the table
    curves.png                          learning curves: returns of the training episodes
    evaluations.png                     the periodic evaluations' mean returns (in the
                                        evaluation envs, which may differ from training's)
    finals.png                          each trial's final evaluation
    tune/                               Ray Tune's state (for --resume)
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from agent.curves import WINDOW, Curve, band, curve_of, read_episodes, read_evaluations
from agent.grid import RANDOM, SweepSpec
from agent.metrics import CSV_NAME, EVAL_CSV_NAME
from agent.plot import EVALUATION_RETURNS, plot_curves, plot_finals
from agent.files import write_csv_atomically, write_text_atomically

TRIALS_DIR = "trials"
FINAL_NAME = "final.json"
"""Written by a trial that finished: its final evaluation (mean, std, success, episodes)."""
ERROR_NAME = "error.txt"
"""Written by a trial that raised: the error, one line."""
RESULTS_NAME = "results.csv"
CURVES_NAME = "curves.png"
EVALUATIONS_NAME = "evaluations.png"
FINALS_NAME = "finals.png"


def trial_dir(sweep_dir: Path, spec: SweepSpec, variant: int, seed: int) -> Path:
    """The run directory of one trial."""
    slug = re.sub(r"[^a-z0-9.=]+", "-", spec.variants[variant].label.lower()).strip("-")
    return sweep_dir / TRIALS_DIR / f"{variant:02d}-{slug}" / f"seed-{seed}"


def write_json(path: Path, values: dict[str, Any]) -> None:
    """Write `values` as JSON atomically."""
    write_text_atomically(path, json.dumps(values, indent=2) + "\n")


class TrialOutcome(NamedTuple):
    """What one trial left behind."""

    variant: int
    seed: int
    run_dir: Path
    final: dict[str, Any] | None
    """final.json (None: not finished)."""
    error: str | None
    """error.txt (None: did not fail)."""
    reached: tuple[int, float] | None
    """(env steps, wall seconds) at the first evaluation whose mean reached the target."""


def first_reaching(run_dir: Path, target: float | None) -> tuple[int, float] | None:
    """The first periodic evaluation in evaluations.csv with mean return >= target."""
    path = run_dir / EVAL_CSV_NAME
    if target is None or not path.is_file():
        return None
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            if float(row["mean_return"]) >= target:
                return int(row["step"]), float(row["wall_s"])
    return None


def outcomes(spec: SweepSpec, sweep_dir: Path) -> list[TrialOutcome]:
    """Every trial of the sweep, in (configuration, seed) order."""
    found = []
    for variant in range(len(spec.variants)):
        for seed in spec.seeds:
            run_dir = trial_dir(sweep_dir, spec, variant, seed)
            final = run_dir / FINAL_NAME
            error = run_dir / ERROR_NAME
            found.append(
                TrialOutcome(
                    variant,
                    seed,
                    run_dir,
                    json.loads(final.read_text()) if final.is_file() else None,
                    error.read_text().strip() if error.is_file() else None,
                    first_reaching(run_dir, spec.target),
                )
            )
    return found


class Row(NamedTuple):
    """One configuration over its seeds."""

    config: str
    seeds: int
    finished: int
    failed: int
    final_mean: float | None
    """Mean over finished seeds of each one's final evaluation mean."""
    final_std: float | None
    """Standard deviation of those means over the seeds."""
    success_rate: float | None
    reached: int
    """Seeds whose evaluations reached the target."""
    steps_to_target: float | None
    """Median over the seeds that reached it."""
    seconds_to_target: float | None


def rows(spec: SweepSpec, found: Sequence[TrialOutcome]) -> list[Row]:
    """The table: one row per configuration."""
    table = []
    for index, variant in enumerate(spec.variants):
        mine = [o for o in found if o.variant == index]
        finals = [o.final for o in mine if o.final is not None]
        means = np.array([f["mean_return"] for f in finals])
        reached = [o.reached for o in mine if o.reached is not None]
        table.append(
            Row(
                config=variant.label,
                seeds=len(mine),
                finished=len(finals),
                failed=sum(o.error is not None and o.final is None for o in mine),
                final_mean=float(means.mean()) if finals else None,
                final_std=float(means.std()) if finals else None,
                success_rate=float(np.mean([f["success_rate"] for f in finals]))
                if finals
                else None,
                reached=len(reached),
                steps_to_target=statistics.median(s for s, _ in reached) if reached else None,
                seconds_to_target=statistics.median(t for _, t in reached) if reached else None,
            )
        )
    return table


def format_table(spec: SweepSpec, table: Sequence[Row]) -> str:
    """The table as aligned text, as printed."""
    target = "-" if spec.target is None else f"{spec.target:g}"
    header = (
        "configuration",
        "finished",
        "final mean ± std",
        "success",
        f"reached {target}",
        "steps to it",
        "seconds to it",
    )
    lines = [header]
    for row in table:
        failed = f" ({row.failed} failed)" if row.failed else ""
        lines.append(
            (
                row.config,
                f"{row.finished}/{row.seeds}{failed}",
                "-" if row.final_mean is None else f"{row.final_mean:.1f} ± {row.final_std:.1f}",
                "-" if row.success_rate is None else f"{row.success_rate:.0%}",
                f"{row.reached}/{row.seeds}",
                "-" if row.steps_to_target is None else f"{row.steps_to_target:,.0f}",
                "-" if row.seconds_to_target is None else f"{row.seconds_to_target:.1f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def write_csv(table: Sequence[Row], path: Path) -> None:
    """The table as CSV (atomically; empty cells for missing numbers)."""
    rows = [["" if v is None else v for v in row] for row in table]
    write_csv_atomically(path, [Row._fields, *rows])


def curves(
    spec: SweepSpec, found: Sequence[TrialOutcome], evaluations: bool = False
) -> dict[str, Curve]:
    """Each configuration's learning curve over its seeds (of training episodes, or with
    `evaluations` of its periodic evaluations); the random baseline's final scores as a flat
    band across the others' steps."""
    read, window = (read_evaluations, 1) if evaluations else (read_episodes, WINDOW)
    drawn: dict[str, Curve] = {}
    for index, variant in enumerate(spec.variants):
        runs = [o.run_dir for o in found if o.variant == index and (o.run_dir / CSV_NAME).is_file()]
        logged = [r for r in map(read, runs) if len(r[0])]
        if logged and variant.algo != RANDOM:
            drawn[variant.label] = curve_of(logged, window=window)
    last = max((int(c.steps[-1]) for c in drawn.values() if len(c.steps)), default=1)
    for index, variant in enumerate(spec.variants):
        finals = [o.final["mean_return"] for o in found if o.variant == index and o.final]
        if variant.algo == RANDOM and finals:
            mean, low, high = (np.repeat(v, 2) for v in band(np.array(finals)[:, None]))
            drawn[variant.label] = Curve(np.array([0, last]), mean, low, high, len(finals))
    return drawn


def write_report(spec: SweepSpec, sweep_dir: Path) -> str:
    """Write results.csv and the plots into `sweep_dir`; return the printed table."""
    found = outcomes(spec, sweep_dir)
    table = rows(spec, found)
    write_csv(table, sweep_dir / RESULTS_NAME)
    title = spec.title or f"{spec.scene}: {len(spec.seeds)} seeds per configuration"
    plot_curves(curves(spec, found), sweep_dir / CURVES_NAME, title, spec.target)
    plot_curves(
        curves(spec, found, evaluations=True),
        sweep_dir / EVALUATIONS_NAME,
        title,
        spec.target,
        EVALUATION_RETURNS,
    )
    finals = {
        v.label: [o.final["mean_return"] for o in found if o.variant == i and o.final]
        for i, v in enumerate(spec.variants)
    }
    plot_finals(finals, sweep_dir / FINALS_NAME, title, spec.target)
    return format_table(spec, table)
