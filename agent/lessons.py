"""The classic policy-gradient comparisons, each one ready sweep: `--mode sweep --lesson NAME`.

Each lesson changes one thing between its configurations, from the tuned defaults in
agent/defaults.py; bench/RESULTS.md records what they showed, on which machine, in how long.
"""

from __future__ import annotations

from agent.errors import ConfigError
from agent.grid import RANDOM, SweepSpec, Variant

_CARTPOLE = {"total_timesteps": 100_000, "eval_every_steps": 5_000}
"""One budget and evaluation schedule for every CartPole learner: the curves share an axis."""

LESSONS: dict[str, SweepSpec] = {
    "cartpole-returns": SweepSpec(
        scene="cartpole",
        variants=(
            Variant("whole-episode return", "reinforce", {**_CARTPOLE, "reward_to_go": False}),
            Variant("reward-to-go", "reinforce", _CARTPOLE),
            Variant(
                "reward-to-go + learned baseline", "reinforce", {**_CARTPOLE, "use_baseline": True}
            ),
            Variant("PPO", "ppo", _CARTPOLE),
        ),
        seeds=tuple(range(10)),
        target=475.0,
        title="CartPole: whole returns, reward-to-go, a baseline, PPO (10 seeds)",
    ),
    "cartpole-network": SweepSpec(
        scene="cartpole",
        variants=(
            Variant("linear policy", "reinforce", {**_CARTPOLE, "hidden_sizes": ()}),
            Variant("one hidden layer of 64", "reinforce", {**_CARTPOLE, "hidden_sizes": (64,)}),
        ),
        seeds=tuple(range(10)),
        target=475.0,
        title="CartPole: REINFORCE, linear policy vs one hidden layer (10 seeds)",
    ),
    "lunar": SweepSpec(
        scene="lunar",
        variants=(
            Variant("random", RANDOM),
            Variant("REINFORCE", "reinforce"),
            Variant("PPO", "ppo"),
        ),
        seeds=(0, 1, 2),
        target=200.0,
        title="LunarLander: random, REINFORCE and PPO (3 seeds)",
    ),
    "race-tracks": SweepSpec(
        scene="race",
        variants=(
            Variant("PPO on the oval", "ppo", env_options={"track": "oval"}),
            Variant("PPO across generated tracks", "ppo", env_options={"track": "random"}),
        ),
        seeds=(0, 1, 2),
        eval_env_options={"track": "random:heldout"},
        title="The race, scored on 100 held-out tracks (3 seeds)",
    ),
}
"""Lesson name -> its sweep (1M steps per LunarLander learner: their tuned budgets)."""


def lesson(name: str) -> SweepSpec:
    """The lesson called `name`, or a ConfigError listing them."""
    try:
        return LESSONS[name]
    except KeyError:
        raise ConfigError(f"--lesson: expected one of {', '.join(LESSONS)}, got {name!r}") from None
