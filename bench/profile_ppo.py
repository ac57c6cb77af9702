"""Where a PPO training run's time goes, ours beside Stable-Baselines3's, on the same budget.

Each side trains its vs_sb3.py configuration (ours: agent/defaults.py; SB3: rl-zoo's
hyperparameters, render_mode=None) for the same number of env steps, without evaluation, after
an untimed warm-up, one torch thread, in this one process and interleaved (ours, SB3, SB3,
ours, ... over --repeats). Timers wrapped around named functions split the training loop's
wall time into exclusive parts (a timed call inside another is taken out of the outer one):

- env physics: the Gymnasium env's own step and reset (LunarLander's Box2D, CartPole's);
- vector env and wrappers: the rest of stepping the envs (vector env, TimeLimit, episode
  statistics, info dicts; SB3: DummyVecEnv and Monitor);
- policy inference: acting and bootstrap values during collection;
- update: advantages (GAE) and the gradient steps;
- the loop itself: everything else (storing transitions, bookkeeping, callbacks).

    python bench/profile_ppo.py --tasks lunar --steps 100000 --repeats 2
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any
from unittest import mock

import gymnasium as gym
from protocol import ROOT  # noqa: F401  (first: it puts this checkout first on sys.path)
from reporting import base_parser, setup
from vs_sb3 import TASKS, Task, import_sb3, make_sb3

import game
from agent import RunPlan, Trainer, default_config
from agent.episodes import EpisodeStepper
from agent.policy import Policy
from agent.ppo import PPO

PARTS = ("env physics", "vector env and wrappers", "policy inference", "update", "the loop")


class Timers:
    """Exclusive wall seconds per part: a timed call nested in another counts for itself only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [part, start, seconds of timed calls inside]

    def enter(self, part: str) -> None:
        self._stack.append([part, time.perf_counter(), 0.0])

    def exit(self) -> None:
        part, start, inner = self._stack.pop()
        elapsed = time.perf_counter() - start
        self.seconds[part] += elapsed - inner
        if self._stack:
            self._stack[-1][2] += elapsed

    def wrap(self, function: Callable[..., Any], part: str) -> Callable[..., Any]:
        """`function`, timed as `part`."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter(part)
            try:
                return function(*args, **kwargs)
            finally:
                self.exit()

        return timed

    def wrap_generator(self, function: Callable[..., Iterator[Any]], part: str) -> Callable:
        """A generator function, timed as `part` while it runs (not while it is suspended)."""

        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            generator = function(*args, **kwargs)
            while True:
                self.enter(part)
                try:
                    item = next(generator)
                except StopIteration:
                    return
                finally:
                    self.exit()
                yield item

        return timed


def patched(stack: ExitStack, timers: Timers, targets: list[tuple[Any, str, str]]) -> None:
    """Time each (class, method name, part) until `stack` closes."""
    for owner, name, part in targets:
        function = getattr(owner, name)
        wrap = timers.wrap_generator if name == "update" else timers.wrap
        stack.enter_context(mock.patch.object(owner, name, wrap(function, part)))


def env_class(task: Task) -> type:
    """The Gymnasium env class whose step and reset are the physics."""
    env = gym.make(task.env_id)
    env.close()
    return type(env.unwrapped)


def timed(
    task: Task, targets: list[tuple[Any, str, str]], run: Callable[[], Any]
) -> dict[str, float]:
    """Exclusive seconds per part while `run()` trains: the env's physics and `targets` timed,
    the rest counted as "the loop"."""
    timers = Timers()
    physics = env_class(task)
    with ExitStack() as stack:
        patched(
            stack,
            timers,
            [(physics, "step", "env physics"), (physics, "reset", "env physics"), *targets],
        )
        timers.enter("the loop")
        run()
        timers.exit()
    return dict(timers.seconds)


def profile_ours(task: Task, seed: int, steps: int) -> dict[str, float]:
    """Seconds per part of our PPO training `steps` env steps."""
    train_config, algo_config = default_config(task.scene, "ppo")
    train_config = dataclasses.replace(
        train_config,
        seed=seed,
        total_timesteps=steps,
        eval_every_steps=0,
        checkpoint_every_steps=1 << 40,
    )
    trainer = Trainer(
        RunPlan(train_config, algo_config),
        game.make_vector_env(task.scene, train_config.num_envs),
    )
    seconds = timed(
        task,
        [
            (EpisodeStepper, "step", "vector env and wrappers"),
            (Policy, "act_normalized", "policy inference"),
            (Policy, "value", "policy inference"),
            (PPO, "update", "update"),
        ],
        lambda: deque(trainer.run(), maxlen=0),
    )
    trainer.envs.close()
    return seconds


def profile_sb3(task: Task, seed: int, steps: int) -> dict[str, float]:
    """Seconds per part of SB3's PPO training `steps` env steps."""
    from stable_baselines3 import PPO as SB3PPO
    from stable_baselines3.common.buffers import RolloutBuffer
    from stable_baselines3.common.policies import ActorCriticPolicy
    from stable_baselines3.common.vec_env import DummyVecEnv

    model = make_sb3(task, seed)
    seconds = timed(
        task,
        [
            (DummyVecEnv, "step", "vector env and wrappers"),
            (ActorCriticPolicy, "forward", "policy inference"),
            (ActorCriticPolicy, "predict_values", "policy inference"),
            (RolloutBuffer, "compute_returns_and_advantage", "update"),
            (SB3PPO, "train", "update"),
        ],
        lambda: model.learn(total_timesteps=steps),
    )
    model.env.close()
    return seconds


def print_table(task: Task, runs: dict[str, list[dict[str, float]]], steps: int) -> None:
    """Mean seconds per part over the repeats, and microseconds per env step."""
    print(f"\n{task.env_id}, {steps:,} env steps per run, mean of {len(runs['ours'])} runs:")
    print("| part | ours s | ours us/step | SB3 s | SB3 us/step | ours / SB3 |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = {side: sum(sum(r.values()) for r in rs) / len(rs) for side, rs in runs.items()}
    for part in (*PARTS, "total"):
        mean = {
            side: totals[side] if part == "total" else sum(r[part] for r in rs) / len(rs)
            for side, rs in runs.items()
        }
        print(
            f"| {part} | {mean['ours']:.2f} | {mean['ours'] / steps * 1e6:.1f} | "
            f"{mean['sb3']:.2f} | {mean['sb3'] / steps * 1e6:.1f} | "
            f"x{mean['ours'] / mean['sb3']:.2f} |"
        )


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=["lunar"])
    parser.add_argument("--steps", type=int, default=100_000, help="env steps per run")
    parser.add_argument("--repeats", type=int, default=2, help="runs per side")
    args = parser.parse_args()
    import_sb3()
    setup()
    for name in args.tasks:
        task = TASKS[name]
        profile_ours(task, 0, 2_048)  # warm-ups: imports and lazy init, untimed
        profile_sb3(task, 0, 2_048)
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "sb3": []}
        for repeat in range(args.repeats):
            order = ("ours", "sb3") if repeat % 2 == 0 else ("sb3", "ours")
            for side in order:
                profile = profile_ours if side == "ours" else profile_sb3
                runs[side].append(profile(task, (args.seeds or [0])[0], args.steps))
                print(f"{task.env_id} {side}: {sum(runs[side][-1].values()):.1f} s", flush=True)
        print_table(task, runs, args.steps)


if __name__ == "__main__":
    main()
