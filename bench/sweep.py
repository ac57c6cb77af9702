"""A sweep of 8 short trials: Ray Tune on this machine's cores against the same trials run one
after another in one process, and Ray's overhead per trial.

The 8 trials are CartPole PPO from the tuned defaults, seeds 0-7, STEPS env steps each, scored
on 100 final evaluation episodes: exactly what `main.py --mode sweep` runs. Three runs, in one
process, in this order:
- one after another: `train_and_score` for each trial in this (warmed-up) process;
- Ray, one trial at a time (`max_concurrent=1`): the difference to the first, over 8, is Ray's
  overhead per trial (starting Ray, a worker process and its imports, scheduling, reporting);
- Ray on every core: the wall time a sweep takes.

    python bench/sweep.py [--steps 20000] [--json sweep.json]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from protocol import base_parser, report, setup

from agent.grid import SweepSpec, Variant
from agent.sweep import EnvMakers, run_sweep, train_and_score
from game.scenes import make_env, make_vector_env

TRIALS = 8


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
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
    with tempfile.TemporaryDirectory() as temp:
        train_and_score(spec, 0, 99, Path(temp) / "warm-up", makers)  # imports, lazy init
        start = time.perf_counter()
        for seed in spec.seeds:
            train_and_score(spec, 0, seed, Path(temp) / f"sequential-{seed}", makers)
        sequential_s = time.perf_counter() - start
        rows.append({"run": "one after another, one process", "wall_s": round(sequential_s, 1)})
        for name, concurrent in (("Ray, one trial at a time", 1), ("Ray, every core", None)):
            start = time.perf_counter()
            run_sweep(spec, Path(temp) / name, makers, max_concurrent=concurrent)
            wall_s = time.perf_counter() - start
            rows.append(
                {
                    "run": name,
                    "wall_s": round(wall_s, 1),
                    "vs_sequential": round(wall_s / sequential_s, 2),
                    "overhead_per_trial_s": round((wall_s - sequential_s) / TRIALS, 2)
                    if concurrent == 1
                    else None,
                }
            )
    report(rows, ("run", "wall_s", "vs_sequential", "overhead_per_trial_s"), info, args.json)


if __name__ == "__main__":
    main()
