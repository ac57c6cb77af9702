"""Shared measuring tools for the bench scripts: a pausable clock, the evaluation protocol, and
one timed training run of our learners (the flags, the machine and the tables: reporting.py).

The protocol (used for our learners and Stable-Baselines3's alike):
- every `eval_every` env steps, training pauses and the current policy plays `screen_episodes`
  seeded evaluation episodes on fresh single envs made with render_mode=None;
- if the screen passes the criterion, the same policy plays `confirm_episodes` (100) episodes,
  and only that evaluation decides whether the criterion is reached;
- evaluation time is excluded from the training clock; the clock starts before the envs and
  the model are built, after one untimed warm-up run in the same process (imports, numba
  compilation and torch's lazy initialisation are one-off process costs, not training).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple


ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as `python bench/x.py` from anywhere

import game  # noqa: E402
from game.launch_options import evaluation_options  # noqa: E402
from agent import EnvStepReport, EvalResult, RunPlan, Trainer, default_config, run_evaluation  # noqa: E402
from agent.config import CloneConfig  # noqa: E402
from agent.demos import Demonstrations  # noqa: E402
from reporting import base_parser, median, report, setup  # noqa: E402

EVAL_SEED = 10_000
"""Evaluation episode i is reset with seed EVAL_SEED + i (far from the training seeds)."""


class Clock:
    """Wall seconds with pauses taken out (evaluation is not training)."""

    def __init__(self) -> None:
        self.start_s = time.perf_counter()
        self.paused_s = 0.0
        self._pause_start: float | None = None

    def pause(self) -> None:
        self._pause_start = time.perf_counter()

    def resume(self) -> None:
        assert self._pause_start is not None
        self.paused_s += time.perf_counter() - self._pause_start
        self._pause_start = None

    @property
    def seconds(self) -> float:
        """Unpaused seconds since the start (up to the pause, while paused)."""
        now = self._pause_start if self._pause_start is not None else time.perf_counter()
        return now - self.start_s - self.paused_s


@dataclasses.dataclass(frozen=True)
class Criterion:
    """When a policy counts as having reached the target."""

    min_mean: float | None = None
    """Mean return over the evaluation episodes at least this."""
    min_success: float | None = None
    """Success rate (info["is_success"] at episode end) at least this, in [0, 1]."""

    def met(self, result: EvalResult) -> bool:
        return (self.min_mean is None or result.mean_return >= self.min_mean) and (
            self.min_success is None or result.success_rate >= self.min_success
        )

    def describe(self) -> str:
        parts = []
        if self.min_mean is not None:
            parts.append(f"mean return >= {self.min_mean:g}")
        if self.min_success is not None:
            parts.append(f"success >= {self.min_success:.0%}")
        return " and ".join(parts)


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How and when a training run is evaluated."""

    criterion: Criterion
    eval_every: int
    """Env steps (summed over envs) between evaluations."""
    screen_episodes: int = 10
    confirm_episodes: int = 100
    deterministic: bool = True
    """Greedy actions at evaluation; False samples them from the policy."""
    sampled_too: bool = False
    """Also play every evaluation with sampled actions (same episodes): the criterion must then
    hold both ways. The greedy result is the one kept."""
    stop_at_criterion: bool = True
    """Stop training once the criterion is confirmed (else train the whole budget)."""
    eval_envs: int = 10
    final_eval: bool = True
    """Also evaluate the policy at the end of the budget on confirm_episodes (when the
    criterion was not reached)."""
    verbose: bool = False
    """Print every evaluation as it happens."""


class Evaluation(NamedTuple):
    """One evaluation point of a run."""

    steps: int
    train_s: float
    result: EvalResult


class RunResult(NamedTuple):
    """One timed training run."""

    label: str
    seed: int
    steps_to_criterion: int | None
    """Env steps when the criterion was first confirmed; None = never within the budget."""
    seconds_to_criterion: float | None
    confirmed: EvalResult | None
    """The confirming evaluation (confirm_episodes episodes)."""
    last: Evaluation | None
    """The last evaluation made (a screen, or a confirmation)."""
    total_steps: int
    train_s: float
    eval_s: float
    policy: Any = None
    """The policy as training stopped (the confirmed one when the criterion was reached)."""
    clone: EvalResult | None = None
    """With demonstrations: the clone alone (before any RL update) on confirm_episodes."""
    clone_accuracy: float | None = None
    """With demonstrations: the clone's agreement with the demonstrator on its steps."""
    evaluations: tuple[Evaluation, ...] = ()
    """Every evaluation made, in order."""

    def row(self) -> dict[str, Any]:
        """A flat, JSON-able summary."""
        best = self.confirmed or (self.last.result if self.last else None)
        return {
            "label": self.label,
            "seed": self.seed,
            "steps_to_criterion": self.steps_to_criterion,
            "seconds_to_criterion": _round(self.seconds_to_criterion),
            "episodes": best.episodes if best else None,
            "mean_return": _round(best.mean_return) if best else None,
            "std_return": _round(best.std_return) if best else None,
            "success_rate": best.success_rate if best else None,
            "total_steps": self.total_steps,
            "train_s": _round(self.train_s),
            "eval_s": _round(self.eval_s),
            "clone_accuracy": _round(self.clone_accuracy, 3),
            "clone_mean_return": _round(self.clone.mean_return) if self.clone else None,
            "clone_success": self.clone.success_rate if self.clone else None,
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class Watcher:
    """Evaluates a policy on the protocol's schedule, outside the training clock."""

    def __init__(self, protocol: Protocol, make_eval_env: Callable[[], Any], clock: Clock):
        self.protocol = protocol
        self.clock = clock
        self.envs = [make_eval_env() for _ in range(protocol.eval_envs)]
        self.next_eval = protocol.eval_every
        self.hit: Evaluation | None = None
        self.last: Evaluation | None = None
        self.history: list[Evaluation] = []

    def due(self, steps: int) -> bool:
        return steps >= self.next_eval

    def check(self, policy: Any, steps: int, final: bool = False) -> bool:
        """Evaluate `policy` (paused clock); True once the criterion is confirmed.

        `final`: the policy training ended with, scored on confirm_episodes at once.
        """
        protocol = self.protocol
        self.clock.pause()
        train_s = self.clock.seconds
        first = protocol.confirm_episodes if final else protocol.screen_episodes
        result, met = self._judge(policy, first)
        if met and protocol.confirm_episodes > result.episodes:
            result, met = self._judge(policy, protocol.confirm_episodes)
        self.last = Evaluation(steps, train_s, result)
        self.history.append(self.last)
        if protocol.verbose:
            print(
                f"  {steps:>9} steps {train_s:7.1f} s: {result.mean_return:8.2f} ± "
                f"{result.std_return:6.2f} over {result.episodes}, "
                f"success {result.success_rate:.0%}",
                flush=True,
            )
        if met and self.hit is None:
            self.hit = self.last
        self.next_eval = (steps // protocol.eval_every + 1) * protocol.eval_every
        self.clock.resume()
        return self.hit is not None

    def _judge(self, policy: Any, episodes: int) -> tuple[EvalResult, bool]:
        """The evaluation kept, and whether the criterion holds (both ways with sampled_too)."""
        result = self._play(policy, episodes, self.protocol.deterministic)
        met = self.protocol.criterion.met(result)
        if met and self.protocol.sampled_too:
            met = self.protocol.criterion.met(self._play(policy, episodes, deterministic=False))
        return result, met

    def _play(self, policy: Any, episodes: int, deterministic: bool) -> EvalResult:
        envs = self.envs[: min(len(self.envs), episodes)]
        # sampled evaluation draws from the policy's generator: put it back afterwards, so the
        # training run does not depend on when (or whether) it was evaluated
        rng = getattr(policy, "rng", None)
        rng_state = None if rng is None else rng.bit_generator.state
        *_, report = run_evaluation(policy, envs, episodes, EVAL_SEED, deterministic)
        if rng is not None:
            rng.bit_generator.state = rng_state
        assert report.result is not None
        return report.result

    def score(self, policy: Any) -> EvalResult:
        """`policy` on confirm_episodes, outside the training clock and the schedule."""
        self.clock.pause()
        result = self._play(policy, self.protocol.confirm_episodes, self.protocol.deterministic)
        self.clock.resume()
        return result

    def close(self) -> None:
        for env in self.envs:
            env.close()

    def run_result(self, label: str, seed: int, steps: int, policy: Any = None) -> RunResult:
        """The run's outcome, `steps` being the env steps trained in all."""
        hit = self.hit
        return RunResult(
            label=label,
            seed=seed,
            steps_to_criterion=hit.steps if hit else None,
            seconds_to_criterion=hit.train_s if hit else None,
            confirmed=hit.result if hit else None,
            last=self.last,
            total_steps=steps,
            train_s=self.clock.seconds,
            eval_s=self.clock.paused_s,
            policy=policy,
            evaluations=tuple(self.history),
        )


def train_ours(
    scene: str,
    algo: str,
    seed: int,
    protocol: Protocol,
    budget: int | None = None,
    train_overrides: dict[str, Any] | None = None,
    algo_overrides: dict[str, Any] | None = None,
    env_options: dict[str, Any] | None = None,
    eval_env_options: dict[str, Any] | None = None,
    label: str | None = None,
    demos: Demonstrations | None = None,
    clone_overrides: dict[str, Any] | None = None,
) -> RunResult:
    """Train our learner from its tuned defaults (plus overrides) until the criterion or budget.

    `env_options` shape the training envs (e.g. random_start), on top of the defaults' ones;
    evaluation envs get `eval_env_options` (default: where `python main.py` scores such a run,
    game/launch.py evaluation_options: no training-only options, held-out tracks for random).
    With `demos`, the run clones them first (on the training clock) and the clone alone is
    scored on confirm_episodes before its first RL update; `clone_overrides` change its
    CloneConfig.
    """
    train_config, algo_config = default_config(scene, algo, env_options=env_options)
    env_options = train_config.env_options
    if eval_env_options is None:
        eval_env_options = evaluation_options(env_options)
    overrides = {"seed": seed, "eval_every_steps": 0, "checkpoint_every_steps": 1 << 40}
    if budget is not None:
        overrides["total_timesteps"] = budget
    train_config = dataclasses.replace(train_config, **overrides, **(train_overrides or {}))
    algo_config = dataclasses.replace(algo_config, **(algo_overrides or {}))
    clock = Clock()
    envs = game.make_vector_env(scene, train_config.num_envs, **env_options)
    clone_config = CloneConfig(
        demos=None if demos is None else "demonstrations", **(clone_overrides or {})
    )
    plan = RunPlan(train_config, algo_config, clone_config=clone_config, demos=demos)
    trainer = Trainer(plan, envs)
    watcher = Watcher(protocol, lambda: game.make_env(scene, **eval_env_options), clock)
    clone = None
    try:
        for report in trainer.run():
            if isinstance(report, EnvStepReport) and demos is not None and clone is None:
                clone = watcher.score(trainer.policy)  # no RL update has happened yet
            if isinstance(report, EnvStepReport) and watcher.due(trainer.num_timesteps):
                if watcher.check(trainer.evaluated_policy, trainer.num_timesteps) and (
                    protocol.stop_at_criterion
                ):
                    break
        else:
            last = watcher.last
            scored = (
                last is not None
                and last.steps == trainer.num_timesteps
                and (last.result.episodes >= protocol.confirm_episodes)
            )
            if protocol.final_eval and not scored:
                watcher.check(trainer.evaluated_policy, trainer.num_timesteps, final=True)
    finally:
        envs.close()
        watcher.close()
    result = watcher.run_result(
        label or f"ours {algo}", seed, trainer.num_timesteps, trainer.evaluated_policy
    )
    accuracy = None if trainer.clone_result is None else trainer.clone_result.accuracy
    return result._replace(clone=clone, clone_accuracy=accuracy)


def warm_up(scene: str, algo: str) -> None:
    """Pay one-off process costs (imports, compilation, lazy init) outside any clock."""
    protocol = Protocol(Criterion(), eval_every=1 << 40, eval_envs=1, final_eval=False)
    train_ours(scene, algo, seed=0, protocol=protocol, budget=2_000)


def run_learners(
    scene: str,
    algos: Iterable[str],
    seeds: Iterable[int],
    protocols: Mapping[str, Protocol],
    budgets: Mapping[str, int],
    **options: Any,
) -> dict[str, list[RunResult]]:
    """Each algorithm from its defaults on `scene`, warmed up once, then seed by seed;
    `options` go to train_ours (e.g. algo_overrides, label)."""
    seeds = list(seeds)
    results = {}
    for algo in algos:
        warm_up(scene, algo)
        run = partial(
            train_ours, scene, algo, protocol=protocols[algo], budget=budgets[algo], **options
        )
        results[algo] = run_seeds(f"{scene} {algo}", seeds, run)
    return results


def run_seeds(name: str, seeds: Iterable[int], run: Callable[[int], RunResult]) -> list[RunResult]:
    """`run(seed)` for each seed, one console line each, then the medians over the seeds."""
    results = []
    for seed in seeds:
        result = run(seed)
        print(summary_line(result), flush=True)
        results.append(result)
    reached = sum(r.steps_to_criterion is not None for r in results)
    steps = median(r.steps_to_criterion for r in results)
    seconds = median(r.seconds_to_criterion for r in results)
    print(
        f"{name}: {reached}/{len(results)} seeds reached the criterion; median "
        f"{'-' if steps is None else f'{steps:.0f}'} steps, "
        f"{'-' if seconds is None else f'{seconds:.1f}'} s",
        flush=True,
    )
    return results


def summary_line(result: RunResult) -> str:
    """One line per run for the console."""
    row = result.row()
    reached = (
        f"reached at {row['steps_to_criterion']} steps / {row['seconds_to_criterion']} s"
        if result.steps_to_criterion is not None
        else f"not reached in {row['total_steps']} steps / {row['train_s']} s"
    )
    return (
        f"{row['label']:<28} seed {row['seed']}: {reached}; eval over {row['episodes']} episodes: "
        f"{row['mean_return']} ± {row['std_return']}, success {row['success_rate']:.0%}"
        if row["episodes"]
        else f"{row['label']} seed {row['seed']}: {reached}"
    )


Part = Callable[[list[int]], list[dict[str, Any]]]
"""One part of a bench: rows for these training seeds."""


def run_parts(description: str, parts: Mapping[str, Part], columns: Sequence[str]) -> None:
    """A bench made of parts (chosen with --parts, all by default), its race PPO warmed up once,
    seeds 0-2 unless --seeds; one table of every part's rows."""
    parser = base_parser(description)
    parser.add_argument("--parts", nargs="+", choices=list(parts), default=list(parts))
    args = parser.parse_args()
    info = setup()
    seeds = args.seeds or [0, 1, 2]
    warm_up("race", "ppo")
    rows = []
    for part in args.parts:
        rows += parts[part](seeds)
    report(rows, columns, info, args.json)
