"""Our PPO against Stable-Baselines3's PPO on CartPole-v1 and LunarLander-v3, side by side.

Both train in this one process, interleaved seed by seed (ours first on even seeds, SB3 first
on odd ones), so a noisy shared machine slows both alike. The protocol is the same for both
(bench/protocol.py): torch.set_num_threads(1); one untimed warm-up run each; the clock covers
building the envs and the model and training, minus evaluation; every EVERY env steps the
current policy plays a greedy 10- (CartPole) or 20-episode (LunarLander) screen on fresh
render_mode=None envs, and 100 episodes when the screen passes; the first 100-episode
evaluation meeting the criterion (CartPole: mean >= 475; LunarLander: mean >= 200 with >= 95%
landed) stops the run and gives its env steps and seconds to the criterion.

Our PPO uses its tuned defaults (agent/defaults.py). SB3's PPO runs as a speed-minded user runs
it: rl-zoo's published hyperparameters (DLR-RM/rl-baselines3-zoo, hyperparameters/ppo.yml:
CartPole-v1 and LunarLander-v2, the same env as v3) with its linear schedules over rl-zoo's
n_timesteps, one torch thread, and envs made with render_mode=None (make_vec_env's default is
"rgb_array", which makes LunarLander simulate its flame particles; --sb3-render-mode rgb_array
measures that handicapped SB3, for the record only).

Needs the bench extra:  pip install -e ".[bench]"

    python bench/vs_sb3.py                                   # both tasks, seeds 0-4
    python bench/vs_sb3.py --tasks cartpole --seeds 0 1 2 --json vs_sb3.json
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

import numpy as np
from protocol import (  # first: it puts this checkout first on sys.path
    Clock,
    Criterion,
    Protocol,
    RunResult,
    Watcher,
    summary_line,
    train_ours,
    warm_up,
)
from reporting import RUN_COLUMNS, base_parser, median, report, setup

import game


def linear(initial: float):
    """rl-zoo's `lin_<value>`: decays linearly to 0 with SB3's progress_remaining (1 -> 0)."""
    return lambda progress_remaining: progress_remaining * initial


class Task(NamedTuple):
    scene: str
    env_id: str
    criterion: Criterion
    every: int
    screen_episodes: int
    sb3_envs: int
    sb3_timesteps: int
    """rl-zoo's n_timesteps: SB3's budget and the horizon of its linear schedules."""
    sb3_hyperparameters: dict[str, Any]


TASKS = {
    "cartpole": Task(
        "cartpole",
        "CartPole-v1",
        Criterion(min_mean=475.0),
        1_000,
        10,
        8,
        100_000,
        {
            "n_steps": 32,
            "batch_size": 256,
            "gae_lambda": 0.8,
            "gamma": 0.98,
            "n_epochs": 20,
            "ent_coef": 0.0,
            "learning_rate": linear(0.001),
            "clip_range": linear(0.2),
        },
    ),
    "lunar": Task(
        "lunar",
        "LunarLander-v3",
        Criterion(min_mean=200.0, min_success=0.95),
        25_000,
        20,
        16,
        1_000_000,
        {
            "n_steps": 1024,
            "batch_size": 64,
            "gae_lambda": 0.98,
            "gamma": 0.999,
            "n_epochs": 4,
            "ent_coef": 0.01,
        },
    ),
}
COLUMNS = (*RUN_COLUMNS, "total_steps", "train_s")


def import_sb3() -> Any:
    """stable_baselines3, or exit with how to install it (it is an optional extra)."""
    try:
        import stable_baselines3
    except ImportError:
        sys.exit('vs_sb3.py: needs Stable-Baselines3: pip install -e ".[bench]"')
    return stable_baselines3


class SB3Actor:
    """An SB3 model behind our evaluation's `act(obs, deterministic).action` interface."""

    class Output(NamedTuple):
        action: np.ndarray

    def __init__(self, model: Any):
        self.model = model

    def act(self, obs: np.ndarray, deterministic: bool = True) -> SB3Actor.Output:
        action, _ = self.model.predict(obs, deterministic=deterministic)
        return self.Output(np.asarray(action))


def make_sb3(task: Task, seed: int, render_mode: str | None = None) -> Any:
    """SB3's PPO with rl-zoo's hyperparameters on its own vector env (`model.env`).

    make_vec_env renders to "rgb_array" unless told otherwise: render_mode=None is SB3 at its
    best (LunarLander with a render mode simulates its flame particles, ~4x slower per step).
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    envs = make_vec_env(
        task.env_id, n_envs=task.sb3_envs, seed=seed, env_kwargs={"render_mode": render_mode}
    )
    return PPO("MlpPolicy", envs, seed=seed, device="cpu", verbose=0, **task.sb3_hyperparameters)


def train_sb3(
    task: Task,
    seed: int,
    protocol: Protocol,
    budget: int | None = None,
    render_mode: str | None = None,
) -> RunResult:
    """SB3's PPO with rl-zoo's hyperparameters until the criterion or its budget."""
    from stable_baselines3.common.callbacks import BaseCallback

    clock = Clock()
    model = make_sb3(task, seed, render_mode)
    envs = model.env
    watcher = Watcher(protocol, lambda: game.make_env(task.scene), clock)
    actor = SB3Actor(model)

    class Evaluate(BaseCallback):
        """Runs the watcher after each env step; returning False stops learn()."""

        def _on_step(self) -> bool:
            if not watcher.due(self.num_timesteps):
                return True
            return not (watcher.check(actor, self.num_timesteps) and protocol.stop_at_criterion)

    try:
        model.learn(total_timesteps=budget or task.sb3_timesteps, callback=Evaluate())
    finally:
        envs.close()
        watcher.close()
    label = "sb3 ppo (rl-zoo)" + ("" if render_mode is None else f", {render_mode}")
    return watcher.run_result(label, seed, model.num_timesteps, actor)


def compare(task: Task, seeds: list[int], sb3_render_mode: str | None) -> list[dict[str, Any]]:
    """Interleaved runs of both, then the medians and their ratios."""
    protocol = Protocol(task.criterion, eval_every=task.every, screen_episodes=task.screen_episodes)
    warm_up(task.scene, "ppo")
    train_sb3(task, 0, protocol, budget=2_048)  # warm-up: imports and lazy init, untimed
    runs: dict[str, list[RunResult]] = {"ours": [], "sb3": []}
    for seed in seeds:
        order = ("ours", "sb3") if seed % 2 == 0 else ("sb3", "ours")
        for side in order:
            if side == "ours":
                result = train_ours(task.scene, "ppo", seed, protocol, label="ours ppo")
            else:
                result = train_sb3(task, seed, protocol, render_mode=sb3_render_mode)
            print(f"{task.env_id}: {summary_line(result)}", flush=True)
            runs[side].append(result)
    rows = []
    for results in runs.values():
        rows += [{**r.row(), "label": f"{task.env_id} {r.label}"} for r in results]
    steps = {side: median(r.steps_to_criterion for r in rs) for side, rs in runs.items()}
    seconds = {side: median(r.seconds_to_criterion for r in rs) for side, rs in runs.items()}
    print(f"\n{task.env_id}, {task.criterion.describe()}, seeds {seeds}:")
    for side in runs:
        reached = sum(r.steps_to_criterion is not None for r in runs[side])
        print(
            f"  {side:>4}: {reached}/{len(seeds)} reached; median {_fmt(steps[side], '.0f')} "
            f"env steps, {_fmt(seconds[side], '.1f')} s"
        )
    if None not in (*steps.values(), *seconds.values()):
        print(
            f"  ours/sb3: env steps x{steps['ours'] / steps['sb3']:.2f}, "
            f"wall seconds x{seconds['ours'] / seconds['sb3']:.2f} "
            f"(targets: <= 1 and <= 0.5)"
        )
    for ours, sb3 in zip(runs["ours"], runs["sb3"], strict=True):
        if ours.seconds_to_criterion and sb3.seconds_to_criterion:
            print(
                f"  seed {ours.seed}: seconds ours/sb3 "
                f"x{ours.seconds_to_criterion / sb3.seconds_to_criterion:.2f}"
            )
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "not reached" if value is None else format(value, spec)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=["cartpole", "lunar"])
    parser.add_argument(
        "--sb3-render-mode",
        choices=["rgb_array"],
        default=None,
        help="SB3's training envs render (make_vec_env's default; a handicap, for the record)",
    )
    args = parser.parse_args()
    sb3 = import_sb3()
    info = setup() | {"stable_baselines3": sb3.__version__}
    rows = []
    for name in args.tasks:
        rows += compare(TASKS[name], args.seeds or [0, 1, 2, 3, 4], args.sb3_render_mode)
    report(rows, COLUMNS, info, args.json)


if __name__ == "__main__":
    main()
