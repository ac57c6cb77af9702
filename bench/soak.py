"""Soak test: train headless for a long time and report the process's memory (RSS) over time.

    python bench/soak.py                          race PPO for 30 minutes, RSS every 30 s
    python bench/soak.py --minutes 5 --scene cartpole --algo reinforce

It runs what `main.py --mode train --headless` runs (the scene's tuned config, checkpoints,
evaluations, TensorBoard and metrics.csv) in a temporary run directory, for a fixed wall time.
Memory after the warm-up must not grow by more than --max-growth; the exit code is 1 if it does.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from agent.run import RunPlan


def rss_mb() -> float:
    """The current resident set size of this process [MB] (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


class Sample(NamedTuple):
    """One memory reading."""

    elapsed_s: float
    rss_mb: float
    steps: int
    extra: str
    """Anything else the script tracks (e.g. live surfaces), already formatted."""


class MemoryLog:
    """RSS readings every `every_s` seconds for `duration_s`, printed as they come, judged after a
    warm-up."""

    def __init__(self, every_s: float, warmup_s: float, duration_s: float):
        self.every_s = every_s
        self.warmup_s = warmup_s
        self.duration_s = duration_s
        self.samples: list[Sample] = []
        self.start_s = time.perf_counter()
        self._next_s = 0.0

    def keep_going(self, steps: int, describe: Callable[[], str] = str) -> bool:
        """Take a reading when one is due (and at the end); False once the duration is over."""
        elapsed = time.perf_counter() - self.start_s
        over = elapsed >= self.duration_s
        if over or elapsed >= self._next_s:
            self.sample(elapsed, steps, describe())
        return not over

    def sample(self, elapsed_s: float, steps: int, extra: str) -> None:
        """Take a reading and print it as one line."""
        reading = Sample(elapsed_s, rss_mb(), steps, extra)
        self.samples.append(reading)
        self._next_s = elapsed_s + self.every_s
        print(
            f"{elapsed_s / 60:7.2f} min  {steps:>12,} steps  RSS {reading.rss_mb:8.1f} MB  {extra}",
            flush=True,
        )

    def growth(self) -> tuple[Sample, Sample, float]:
        """The first reading after the warm-up, the last one, and the growth between them [%]."""
        after = [s for s in self.samples if s.elapsed_s >= self.warmup_s] or self.samples[-1:]
        warm, end = after[0], self.samples[-1]
        peak = max(s.rss_mb for s in after)
        return warm, end, 100.0 * (max(end.rss_mb, peak) - warm.rss_mb) / warm.rss_mb

    def verdict(self, max_growth_pct: float) -> int:
        """Print the summary; 0 if growth after warm-up stayed within `max_growth_pct`, else 1."""
        warm, end, growth = self.growth()
        peak = max(s.rss_mb for s in self.samples)
        print(
            f"RSS after warm-up ({warm.elapsed_s / 60:.1f} min): {warm.rss_mb:.1f} MB; "
            f"at the end ({end.elapsed_s / 60:.1f} min): {end.rss_mb:.1f} MB; peak {peak:.1f} MB; "
            f"growth {growth:+.1f}% (limit {max_growth_pct:g}%)"
        )
        ok = growth <= max_growth_pct
        print("PASS" if ok else "FAIL: memory grew after warm-up")
        return 0 if ok else 1


def soak_parser(doc: str, minutes: float, warmup_minutes: float) -> argparse.ArgumentParser:
    """The flags every soak has: how long, when memory is judged, how often it is read, the
    limit."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=float, default=minutes, help=f"wall time (default {minutes:g})"
    )
    parser.add_argument(
        "--warmup", type=float, default=warmup_minutes, help="minutes before memory is judged"
    )
    parser.add_argument("--every", type=float, default=30.0, help="seconds between readings")
    parser.add_argument("--algo", default="ppo", choices=("ppo", "reinforce"))
    parser.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth [%%]")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The soak's flags."""
    parser = soak_parser(__doc__, minutes=30.0, warmup_minutes=5.0)
    parser.add_argument("--scene", default="race", choices=("race", "lunar", "cartpole"))
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train for the wall time, printing RSS readings, then judge the growth."""
    args = parse_args(argv)
    from agent.defaults import default_config
    from agent.trainer import Trainer
    from game.scenes import make_env, make_vector_env, scene_spec

    train_config, algo_config = default_config(args.scene, args.algo)
    train_config = dataclasses.replace(train_config, total_timesteps=10**12, seed=args.seed)
    log = MemoryLog(args.every, args.warmup * 60, args.minutes * 60)
    with tempfile.TemporaryDirectory(prefix="soak-") as run_dir:
        envs = make_vector_env(args.scene, train_config.num_envs)
        trainer = Trainer(
            RunPlan(train_config, algo_config, Path(run_dir), scene_spec(args.scene).action_names),
            envs,
            lambda: make_env(args.scene),
        )
        print(f"soak: {args.scene} {args.algo}, {train_config.num_envs} envs, {args.minutes:g} min")
        run = trainer.run()
        for _ in run:
            if not log.keep_going(
                trainer.num_timesteps,
                lambda: f"{trainer.episodes:,} episodes, {trainer.updates:,} updates",
            ):
                break
        run.close()
        trainer.close()
        envs.close()
    return log.verdict(args.max_growth)


if __name__ == "__main__":
    sys.exit(main())
