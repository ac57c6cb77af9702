"""Race targets: time to learn to lap, headless, from scratch.

- `oval`: PPO and REINFORCE with their tuned defaults (agent/defaults.py) on the default track
  each complete a lap in >= 95% of 100 evaluation episodes (greedy actions); the env steps
  and training seconds each needed (target for PPO: under 60 s on this 2-core machine).
- `sweep`: PPO variants tuned for wall-clock speed on the oval (more cars, random starts
  for training, shorter rollouts, bigger minibatches, bigger steps), against the defaults.
- `tracks`: PPO's defaults on the other shipped tracks: what they reach and how long it took.

Evaluation episodes always start on the start line; every run stops at the first
100-episode evaluation with >= 95% laps (bench/protocol.py describes the protocol).

    python bench/race.py                       # all three parts, seeds 0-2
    python bench/race.py --parts oval --seeds 0 1 2 3 4 --json race.json
"""

from __future__ import annotations

from functools import partial
from typing import Any

from protocol import Criterion, Protocol, run_parts, run_seeds, train_ours, warm_up
from reporting import RUN_COLUMNS

LAPS = Criterion(min_success=0.95)
TRACKS = ("hairpins", "chicanes", "speedway")
SWEEP: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    # name: (TrainConfig overrides, PPOConfig overrides, training env options)
    "defaults": ({}, {}, {}),
    "lr 3e-4 (the old default)": ({}, {"learning_rate": 3e-4}, {}),
    "random starts": ({}, {}, {"random_start": True}),
    "16 cars, n_steps 128, batch 512, lr 2e-3": (
        {"num_envs": 16},
        {"n_steps": 128, "batch_size": 512, "learning_rate": 2e-3},
        {},
    ),
    "64 cars, n_steps 32, batch 512, random starts": (
        {"num_envs": 64},
        {"n_steps": 32, "batch_size": 512},
        {"random_start": True},
    ),
    "64 cars, n_steps 64, batch 1024, 4 epochs, random starts": (
        {"num_envs": 64},
        {"n_steps": 64, "batch_size": 1024, "n_epochs": 4},
        {"random_start": True},
    ),
}
COLUMNS = (*RUN_COLUMNS, "total_steps", "train_s")


def oval(seeds: list[int]) -> list[dict]:
    """Both learners from their defaults on the default track."""
    rows = []
    for algo, every, budget in (("ppo", 10_000, 300_000), ("reinforce", 50_000, 1_500_000)):
        warm_up("race", algo)
        protocol = Protocol(LAPS, eval_every=every)
        run = partial(
            train_ours,
            "race",
            algo,
            protocol=protocol,
            budget=budget,
            label=f"oval {algo} (defaults)",
        )
        results = run_seeds(f"race oval {algo}", seeds, run)
        rows += [r.row() for r in results]
    return rows


def sweep(seeds: list[int]) -> list[dict]:
    """PPO variants for wall-clock speed on the oval."""
    protocol = Protocol(LAPS, eval_every=10_000)
    rows = []
    for name, (train, ppo, env) in SWEEP.items():
        run = partial(
            train_ours,
            "race",
            "ppo",
            protocol=protocol,
            budget=500_000,
            train_overrides=train,
            algo_overrides=ppo,
            env_options=env,
            label=f"oval ppo, {name}",
        )
        results = run_seeds(f"race oval ppo, {name}", seeds, run)
        rows += [r.row() for r in results]
    return rows


def tracks(seeds: list[int]) -> list[dict]:
    """PPO's defaults on the other shipped tracks, up to 1M env steps."""
    protocol = Protocol(LAPS, eval_every=25_000)
    rows = []
    for track in TRACKS:
        run = partial(
            train_ours,
            "race",
            "ppo",
            protocol=protocol,
            budget=1_000_000,
            env_options={"track": track},
            label=f"{track} ppo (defaults)",
        )
        results = run_seeds(f"race {track} ppo", seeds, run)
        rows += [r.row() for r in results]
    return rows


PARTS = {"oval": oval, "sweep": sweep, "tracks": tracks}


def main() -> None:
    run_parts(__doc__.splitlines()[0], PARTS, COLUMNS)


if __name__ == "__main__":
    main()
