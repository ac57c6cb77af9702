"""A sweep of 8 short trials: Ray Tune on this machine's cores against the same trials run one
after another in one process, and Ray's overhead per trial.

The 8 trials are CartPole PPO from the tuned defaults, seeds 0-7, STEPS env steps each, scored
on 100 final evaluation episodes: exactly what `main.py --mode sweep` runs. Each round runs,
in one process, in this order:
- one after another: `train_and_score` for each trial in this (warmed-up) process;
- Ray, one trial at a time (`max_concurrent=1`);
- Ray on every core: the wall time a sweep takes.
On a shared machine the load moves between runs, so Ray's overhead is also measured within each
Ray run: its wall time minus the trials' own time (`trial_s` in their final.json, measured in
the workers), over the trials: starting Ray, worker processes and their imports, scheduling.

    python bench/sweep.py [--steps 20000] [--rounds 2] [--json sweep.json]
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from protocol import ROOT  # noqa: F401  (puts the project on sys.path)
from reporting import base_parser, report, setup

from agent.grid import SweepSpec, Variant
from agent.results import FINAL_NAME
from agent.sweep import EnvMakers, run_sweep, train_and_score
from game.scenes import make_env, make_vector_env

TRIALS = 8


def trials_s(sweep_dir: Path) -> float:
    """The trials' own seconds, summed (measured inside each trial)."""
    return sum(json.loads(f.read_text())["trial_s"] for f in sweep_dir.glob(f"**/{FINAL_NAME}"))


def one_round(spec: SweepSpec, makers: EnvMakers, temp: Path, label: str) -> list[dict]:
    """Sequential, Ray one at a time, Ray on every core: one row each."""
    start = time.perf_counter()
    for seed in spec.seeds:
        train_and_score(spec, 0, seed, temp / f"{label}-sequential-{seed}", makers)
    sequential_s = time.perf_counter() - start
    rows = [{"round": label, "run": "one after another", "wall_s": round(sequential_s, 1)}]
    for name, concurrent in (("Ray, one at a time", 1), ("Ray, every core", None)):
        sweep_dir = temp / f"{label}-{name}"
        start = time.perf_counter()
        run_sweep(spec, sweep_dir, makers, max_concurrent=concurrent)
        wall_s = time.perf_counter() - start
        own_s = trials_s(sweep_dir)
        row = {
            "round": label,
            "run": name,
            "wall_s": round(wall_s, 1),
            "vs_sequential": round(wall_s / sequential_s, 2),
            "trials_own_s": round(own_s, 1),
        }
        if concurrent == 1:
            row["overhead_per_trial_s"] = round((wall_s - own_s) / TRIALS, 2)
        rows.append(row)
    return rows


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    info = setup()
    spec = SweepSpec(
        "cartpole",
        (Variant("ppo", "ppo", {"total_timesteps": args.steps, "eval_every_steps": 5_000}),),
        seeds=tuple(range(TRIALS)),
        target=475.0,
    )
    makers = EnvMakers(make_vector_env, make_env)
    rows = []
    with tempfile.TemporaryDirectory() as name:
        temp = Path(name)
        train_and_score(spec, 0, 99, temp / "warm-up", makers)  # imports, lazy init
        for round_ in range(args.rounds):
            rows += one_round(spec, makers, temp, str(round_ + 1))
    columns = ("round", "run", "wall_s", "vs_sequential", "trials_own_s", "overhead_per_trial_s")
    report(rows, columns, info, args.json)


if __name__ == "__main__":
    main()
