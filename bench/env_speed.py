"""Env steps per second, ours beside Gymnasium's, random actions, headless, one process on one core.

    python bench/env_speed.py            # about a minute and a half
    python bench/env_speed.py --seconds 2

Rows: our RaceEnv through gymnasium.make (what a user gets, with Gymnasium's wrappers), the
natively batched RaceVectorEnv at several batch sizes (car-steps per second: every car's step
counts), then 1,024 cars each on its own generated track and 1,024 cars drawing generated
tracks from a pool (`track="random"`: each new episode on a pool track, the pool renewed as it
goes), and Gymnasium's CarRacing-v3 (the closest peer: a car on a track, pixels) and
CartPole-v1 (the cheapest classic env) through gymnasium.make. Each figure is the best of
three timed windows, so a busy moment on a shared machine does not decide it. Random actions
mean cars crash and restart often, so resets are part of the cost, as in early training.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_rate(step: Callable[[], int], seconds: float, windows: int = 3) -> float:
    """The best steps per second over `windows` timed windows of `seconds` each."""
    rates = []
    for _ in range(windows):
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            steps += step()
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


def single_env(env_id: str, seconds: float, **kwargs: object) -> float:
    """Steps per second of one env made by gymnasium.make, with random actions and resets."""
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    actions = [env.action_space.sample() for _ in range(1024)]
    counter = iter(range(1 << 62))

    def step() -> int:
        _, _, terminated, truncated, _ = env.step(actions[next(counter) % 1024])
        if terminated or truncated:
            env.reset()
        return 1

    best_rate(step, 0.3, windows=1)  # warm up (compiled code, caches)
    return best_rate(step, seconds)


def batched_race(num_envs: int, seconds: float, track: object = "oval") -> float:
    """Car-steps per second of the batched race env (autoreset included) on `track`."""
    import game

    envs = game.make_vector_env("race", num_envs, track=track)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = [rng.integers(0, 9, num_envs) for _ in range(64)]
    counter = iter(range(1 << 62))

    def step() -> int:
        envs.step(actions[next(counter) % 64])
        return num_envs

    best_rate(step, 0.3, windows=1)
    return best_rate(step, seconds)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed window")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    import game  # noqa: F401  (registers RaceTrack-v0)

    rows = [("RaceTrack-v0 (ours), 1 env", single_env("RaceTrack-v0", args.seconds))]
    for num_envs in (1, 16, 64, 256, 1024):
        rows.append(
            (f"RaceVectorEnv (ours), {num_envs} cars", batched_race(num_envs, args.seconds))
        )
    own_tracks = [f"random:{seed}" for seed in range(1024)]  # generated tracks 0-1023
    rows.append(
        (
            "RaceVectorEnv (ours), 1024 cars, each on its own track",
            batched_race(1024, args.seconds, own_tracks),
        )
    )
    rows.append(
        (
            "RaceVectorEnv (ours), 1024 cars, track=random (a pool of 1024)",
            batched_race(1024, args.seconds, "random"),
        )
    )
    rows.append(("CarRacing-v3 (Gymnasium), 1 env", single_env("CarRacing-v3", args.seconds)))
    rows.append(("CartPole-v1 (Gymnasium), 1 env", single_env("CartPole-v1", args.seconds)))
    width = max(len(name) for name, _ in rows)
    print(f"{'env':{width}}  steps per second")
    for name, rate in rows:
        print(f"{name:{width}}  {rate:>14,.0f}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
