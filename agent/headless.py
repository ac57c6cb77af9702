"""Headless training: the trainer's loop behind a progress bar, as `main.py --headless` runs it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv
from tqdm import tqdm

from agent.clone import CloneResult
from agent.evaluation import EvalReport, EvalResult
from agent.episodes import EnvStepReport
from agent.run import RunPlan
from agent.trainer import Trainer

PROGRESS_EVERY_STEPS = 50
"""Vector steps between progress-bar refreshes (tqdm per step would cost more than a step)."""


class TrainSummary(NamedTuple):
    """How a headless run ended."""

    run_dir: Path | None
    num_timesteps: int
    episodes: int
    updates: int
    wall_s: float
    recent_mean_return: float | None
    """Mean return of the last 100 training episodes."""
    best_eval_mean: float | None
    last_eval: EvalResult | None
    interrupted: bool
    """Stopped before total_timesteps (Ctrl+C or a stop request); last.pt and the logs are written.
    """
    clone: CloneResult | None = None
    """What cloning the demonstrations did (None without them)."""


def train_headless(
    plan: RunPlan,
    make_envs: Callable[[int], VectorEnv],
    make_eval_env: Callable[[], gym.Env] | None,
    progress: bool = True,
    stop_requested: Callable[[], bool] = lambda: False,
    on_evaluation: Callable[[int, EvalResult], None] | None = None,
) -> TrainSummary:
    """Train the planned run to its total_timesteps (new, or continuing its last.pt).

    Training stops cleanly, with last.pt and the logs written, at the first step after
    `stop_requested()` turns true, or on Ctrl+C. `on_evaluation(step, result)` hears of each
    periodic evaluation (a sweep reports them to Ray Tune).
    """
    envs = make_envs(plan.num_envs)
    trainer = Trainer(plan, envs, make_eval_env)
    start_s = time.perf_counter()
    total = trainer.train_config.total_timesteps
    bar = tqdm(
        total=total,
        initial=trainer.num_timesteps,
        unit="step",
        disable=not progress,
        dynamic_ncols=True,
    )
    run = trainer.run()
    interrupted = False
    try:
        shown = trainer.num_timesteps
        env_steps = 0
        for report in run:
            if stop_requested():
                interrupted = True
                break
            if isinstance(report, EvalReport) and report.result and on_evaluation is not None:
                on_evaluation(trainer.num_timesteps, report.result)
            if not isinstance(report, EnvStepReport):
                continue
            env_steps += 1
            if env_steps % PROGRESS_EVERY_STEPS == 0:
                bar.update(trainer.num_timesteps - shown)
                shown = trainer.num_timesteps
                if trainer.recent_returns:
                    bar.set_postfix(ret=f"{np.mean(trainer.recent_returns):.1f}", refresh=False)
        bar.update(trainer.num_timesteps - shown)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        try:
            run.close()  # the loop's own cleanup writes last.pt
            trainer.close()
        finally:
            envs.close()
    return TrainSummary(
        run_dir=plan.run_dir,
        num_timesteps=trainer.num_timesteps,
        episodes=trainer.episodes,
        updates=trainer.updates,
        wall_s=time.perf_counter() - start_s,
        recent_mean_return=float(np.mean(trainer.recent_returns))
        if trainer.recent_returns
        else None,
        best_eval_mean=trainer.best_eval_mean,
        last_eval=trainer.last_eval,
        interrupted=interrupted,
        clone=trainer.clone_result,
    )
