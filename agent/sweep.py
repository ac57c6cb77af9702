"""Sweeps on Ray Tune: each configuration x seed is one trial, an ordinary headless training run.

Ray starts on this machine (every core, one CPU and one torch thread a trial, nothing that
listens beyond localhost, no dashboard), or joins a running cluster with `address`. A trial
writes its own run directory (see agent/results.py) and is its own checkpoint: a trial that
Tune restarts (`--resume`, or after a failure) continues from its last.pt. A trial that raises
is reported and the others go on. Only this module imports Ray (slow: ~2 s).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium as gym
import ray
from gymnasium.vector import VectorEnv
from ray import tune

from agent.checkpoint import load_policy, one_line
from agent.errors import ConfigError
from agent.evaluation import EvalResult, evaluate
from agent.grid import RANDOM, SPEC_NAME, SweepSpec, build_configs
from agent.headless import train_headless
from agent.results import ERROR_NAME, FINAL_NAME, trial_dir, write_json
from agent.run import LAST, RunPlan, check_run_dir, resume_run

TUNE_DIR = "tune"
EXPERIMENT = "sweep"
FINAL_EVAL_SEED = 2_000_000
"""Seed s's final evaluation plays episodes FINAL_EVAL_SEED + s * episodes + i: far from the
training and periodic evaluation seeds, and the same episodes for every configuration."""
PROGRESS_EVERY_S = 30.0


class EnvMakers(NamedTuple):
    """How a trial makes its envs (game.scenes' functions: the agent never imports the game)."""

    vector: Callable[..., VectorEnv]
    """(scene, num_envs, **options) -> a vector env."""
    single: Callable[..., gym.Env]
    """(scene, **options) -> one env, for evaluation."""


def run_trial(config: dict[str, Any], spec: SweepSpec, sweep_dir: Path, makers: EnvMakers) -> None:
    """One trial (Tune calls it in a worker): train or continue the run, then score it."""
    seed = int(config["seed"])
    run_dir = trial_dir(sweep_dir, spec, config["variant"], seed)
    try:
        final = train_and_score(spec, config["variant"], seed, run_dir, makers, _report_evaluation)
    except Exception as error:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / ERROR_NAME).write_text(one_line(error) + "\n")
        raise
    tune.report({"final_mean": final["mean_return"], "final_success": final["success_rate"]})


def train_and_score(
    spec: SweepSpec,
    variant: int,
    seed: int,
    run_dir: Path,
    makers: EnvMakers,
    on_evaluation: Callable[[int, EvalResult], None] | None = None,
) -> dict[str, Any]:
    """A trial's work, without Ray: train (unless the random baseline), evaluate the final policy
    on `spec.final_episodes` episodes, write and return final.json (with `train_s`, the run's
    training seconds over all its sessions, and `trial_s`, this call's seconds)."""
    start_s = time.perf_counter()
    algo = spec.variants[variant].algo
    eval_options = spec.eval_options(variant)

    def make_eval_env() -> gym.Env:
        return makers.single(spec.scene, **eval_options)

    (run_dir / ERROR_NAME).unlink(missing_ok=True)  # a retried trial
    eval_seed = FINAL_EVAL_SEED + seed * spec.final_episodes
    if algo == RANDOM:
        run_dir.mkdir(parents=True, exist_ok=True)
        result = evaluate(None, make_eval_env, spec.final_episodes, eval_seed)
        final = {**_scores(result), "num_timesteps": 0, "train_s": 0.0}
        final["trial_s"] = time.perf_counter() - start_s
        write_json(run_dir / FINAL_NAME, final)
        return final
    plan = _plan(spec, variant, seed, run_dir)
    options = plan.train_config.env_options  # with its defaults' own (random starts...)
    summary = train_headless(
        plan,
        lambda n: makers.vector(spec.scene, n, **options),
        make_eval_env,
        progress=False,
        on_evaluation=on_evaluation,
    )
    if summary.interrupted:
        raise RuntimeError(f"{run_dir}: training was interrupted")
    policy, metadata = load_policy(run_dir / LAST)
    result = evaluate(policy, make_eval_env, spec.final_episodes, eval_seed)
    final = {
        **_scores(result),
        "num_timesteps": metadata["num_timesteps"],
        "train_s": metadata["wall_s"],
        "trial_s": time.perf_counter() - start_s,
    }
    write_json(run_dir / FINAL_NAME, final)
    return final


def _scores(result: EvalResult) -> dict[str, Any]:
    """The final evaluation's scores, as final.json keeps them."""
    scores = result.to_json_dict()
    del scores["wall_s"]
    return scores


def _plan(spec: SweepSpec, variant: int, seed: int, run_dir: Path) -> RunPlan:
    """The trial's run: continued from its last.pt, or new (a trial stopped before its first
    checkpoint left only logs behind: they go)."""
    if (run_dir / LAST).is_file():
        return resume_run(run_dir)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    check_run_dir(run_dir, resume=False)
    variant_spec, options = spec.variants[variant], spec.train_options(variant)
    train_config, algo_config = build_configs(spec.scene, variant_spec, seed, options)
    return RunPlan(train_config, algo_config, run_dir)


def _report_evaluation(step: int, result: EvalResult) -> None:
    """A periodic evaluation, for the progress view."""
    tune.report({"step": step, "eval_mean": result.mean_return})


class Progress(tune.Callback):
    """One line per finished or failed trial (trials done, best final score so far), and every
    PROGRESS_EVERY_S a line with the counts and the best periodic evaluation of any trial yet."""

    def __init__(self, spec: SweepSpec, sweep_dir: Path):
        self.spec = spec
        self.sweep_dir = sweep_dir
        self.best: tuple[float, str] | None = None
        self.best_eval: tuple[float, str] | None = None
        self.next_s = time.monotonic() + PROGRESS_EVERY_S

    def _name(self, trial: Any) -> str:
        variant = self.spec.variants[trial.config["variant"]]
        return f"{variant.label}, seed {trial.config['seed']}"

    def _status(self, trials: list[Any], ended: Any = None, failed: bool = False) -> str:
        """Counts of the trials (`ended`: the one that just finished, or failed)."""
        others = [t.status for t in trials if t is not ended]
        done = others.count("TERMINATED") + (ended is not None and not failed)
        errors = others.count("ERROR") + (ended is not None and failed)
        total = len(self.spec.variants) * len(self.spec.seeds)
        best = "" if self.best is None else f"; best so far {self.best[0]:.1f}: {self.best[1]}"
        return f"[{done}/{total} done, {others.count('RUNNING')} running, {errors} failed{best}]"

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info):
        score = result.get("final_mean")
        if score is not None and (self.best is None or score > self.best[0]):
            self.best = (float(score), self._name(trial))
        score = result.get("eval_mean")
        if score is not None and (self.best_eval is None or score > self.best_eval[0]):
            where = f"{self._name(trial)}, at {result['step']:,} steps"
            self.best_eval = (float(score), where)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info):
        score = (trial.last_result or {}).get("final_mean")
        shown = "-" if score is None else f"{score:.1f}"
        print(f"{self._name(trial)}: final mean {shown}  {self._status(trials, trial)}", flush=True)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info):
        run_dir = trial_dir(
            self.sweep_dir, self.spec, trial.config["variant"], trial.config["seed"]
        )
        error = run_dir / ERROR_NAME
        why = error.read_text().strip() if error.is_file() else "its worker died"
        print(
            f"{self._name(trial)}: FAILED: {why}  {self._status(trials, trial, True)}", flush=True
        )

    def on_step(self, iteration: int, trials: list, **info):
        if time.monotonic() >= self.next_s:
            self.next_s = time.monotonic() + PROGRESS_EVERY_S
            evaluation = self.best_eval
            shown = (
                ""
                if evaluation is None
                else f" best evaluation {evaluation[0]:.1f}: {evaluation[1]}"
            )
            print(f"{self._status(trials)}{shown}", flush=True)


def start_ray(address: str | None) -> bool:
    """Join the cluster at `address`, or start Ray here (localhost only); True if started here."""
    if ray.is_initialized():
        return False
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)  # failures: Progress says them
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # with verbose=0: Tune prints nothing
    if address is not None:
        try:
            ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError) as error:  # Ray's AuthenticationError is one too
            while error.__cause__ is not None:  # the first reason: a wrong token, no answer...
                error = error.__cause__
            # Ray puts the reason last, below a traceback it quotes in the message
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            reason = lines[-1][:200] if lines else type(error).__name__
            raise ConfigError(
                f"--address: expected a running Ray cluster at {address}, got {reason}"
            ) from None
        return True
    # Ray treats any Linux machine as a cluster node and listens on its network address; this
    # makes it use the loopback address instead (checked with `ss -ltn` while a sweep ran)
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray.init(include_dashboard=False, log_to_driver=False)
    return True


def run_sweep(
    spec: SweepSpec,
    sweep_dir: Path,
    makers: EnvMakers,
    address: str | None = None,
    resume: bool = False,
    max_concurrent: int | None = None,
) -> None:
    """Run (or, with `resume`, continue) every trial of the sweep in `sweep_dir`."""
    sweep_dir = sweep_dir.resolve()  # workers may run elsewhere (another cwd, another machine)
    started = start_ray(address)  # a cluster that is not there leaves no sweep directory behind
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if not resume:
        spec.save(sweep_dir / SPEC_NAME)
    trainable = tune.with_resources(
        tune.with_parameters(run_trial, spec=spec, sweep_dir=sweep_dir, makers=makers),
        {"cpu": 1},
    )
    path = sweep_dir / TUNE_DIR / EXPERIMENT
    try:
        if resume and tune.Tuner.can_restore(str(path)):
            tuner = tune.Tuner.restore(str(path), trainable, resume_errored=True)
        else:
            tuner = tune.Tuner(
                trainable,
                param_space={
                    "variant": tune.grid_search(list(range(len(spec.variants)))),
                    "seed": tune.grid_search(list(spec.seeds)),
                },
                # one worker process runs trial after trial: imports (~8 s on a loaded 2-core
                # machine) are paid once per core, not once per trial
                tune_config=tune.TuneConfig(
                    max_concurrent_trials=max_concurrent, reuse_actors=True
                ),
                run_config=tune.RunConfig(
                    name=EXPERIMENT,
                    storage_path=str(sweep_dir / TUNE_DIR),
                    verbose=0,
                    callbacks=[Progress(spec, sweep_dir)],
                ),
            )
        tuner.fit()
    finally:
        if started:
            ray.shutdown()
