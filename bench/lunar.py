"""LunarLander-v3 targets, within 1,000,000 env steps:
- PPO: mean return >= 200 with >= 95% safe landings over 100 episodes (greedy actions);
- REINFORCE: the same, over 100 episodes with greedy actions *and* over the same 100 episodes
  with actions sampled from the policy (as the reference recipe, hands-on-rl 04_lunar_lander,
  evaluates its agent).

Each run trains from the tuned defaults in agent/defaults.py (plus any --set overrides),
evaluating every 50,000 env steps (a 20-episode screen, then 100 episodes when the screen
passes), and stops at the first 100-episode evaluation that meets the target; bench/protocol.py
describes the protocol. The policy a run ends with is then scored over 100 episodes both ways,
with two success rates: ours ("landed": the lander came to rest without crashing) and the
reference's ("final reward > 0": the episode's last reward was positive).

    python bench/lunar.py                          # PPO and REINFORCE, seeds 0-2
    python bench/lunar.py --algos reinforce --seeds 0 1 2 3 4 --json lunar.json
    python bench/lunar.py --algos reinforce --set use_baseline=false --set gamma=0.98
    python bench/lunar.py --algos reinforce --seeds 3 --verbose   # every evaluation as it runs
    python bench/lunar.py --algos reinforce --budget 2000000     # schedules stretched to 2M steps
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

import gymnasium as gym

import game
from agent import evaluate
from agent.defaults import default_config
from game.cli import positive_int
from protocol import EVAL_SEED, Criterion, Protocol, run_learners
from reporting import base_parser, report, setup

BUDGET = 1_000_000
PROTOCOLS = {
    "ppo": Protocol(
        Criterion(min_mean=200.0, min_success=0.95), eval_every=50_000, screen_episodes=20
    ),
    "reinforce": Protocol(
        Criterion(min_mean=200.0, min_success=0.95),
        eval_every=50_000,
        screen_episodes=20,
        sampled_too=True,
    ),
}
COLUMNS = (
    "label",
    "seed",
    "steps_to_criterion",
    "seconds_to_criterion",
    "greedy_mean",
    "greedy_std",
    "greedy_landed",
    "greedy_final_reward_positive",
    "sampled_mean",
    "sampled_std",
    "sampled_landed",
    "sampled_final_reward_positive",
)


class FinalRewards(gym.Wrapper):
    """Appends each finished episode's last reward to `sink` (the reference's success: > 0)."""

    def __init__(self, env: gym.Env, sink: list[float]):
        super().__init__(env)
        self.sink = sink

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.sink.append(float(reward))
        return obs, reward, terminated, truncated, info


def score(policy: Any, deterministic: bool) -> dict[str, float]:
    """Mean ± std return and both success rates over 100 seeded episodes, acting one way."""
    final_rewards: list[float] = []
    result = evaluate(
        policy,
        lambda: FinalRewards(game.make_env("lunar"), final_rewards),
        episodes=100,
        seed=EVAL_SEED,
        deterministic=deterministic,
    )
    way = "greedy" if deterministic else "sampled"
    return {
        f"{way}_mean": round(result.mean_return, 2),
        f"{way}_std": round(result.std_return, 2),
        f"{way}_landed": result.success_rate,
        f"{way}_final_reward_positive": sum(r > 0 for r in final_rewards) / len(final_rewards),
    }


def parse_overrides(pairs: list[str], algos: list[str]) -> dict[str, Any]:
    """--set KEY=VALUE pairs as config overrides (values read as JSON, else as strings)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        for algo in algos:
            fields = {f.name for f in dataclasses.fields(default_config("lunar", algo)[1])}
            if not sep or key not in fields:
                raise SystemExit(
                    f"--set: expected KEY=VALUE with KEY a {algo} config field, got {pair!r}"
                )
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = text
    return overrides


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--algos", nargs="+", default=["ppo", "reinforce"])
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field of the algorithm's config (repeatable)",
    )
    parser.add_argument("--envs", type=int, default=None, help="training envs (default: tuned)")
    parser.add_argument("--verbose", action="store_true", help="print every evaluation as it runs")
    parser.add_argument(
        "--budget",
        type=positive_int,
        default=BUDGET,
        help=f"env steps per run, also the length of annealed schedules (default {BUDGET:,})",
    )
    args: argparse.Namespace = parser.parse_args()
    algo_overrides = parse_overrides(args.set, args.algos)
    train_overrides = {} if args.envs is None else {"num_envs": args.envs}
    changes = [
        *args.set,
        *([f"envs={args.envs}"] if args.envs else []),
        *([f"budget={args.budget}"] if args.budget != BUDGET else []),
    ]
    info = setup()
    budgets = dict.fromkeys(PROTOCOLS, args.budget)
    protocols = {a: dataclasses.replace(p, verbose=args.verbose) for a, p in PROTOCOLS.items()}
    results = {
        algo: run_learners(
            "lunar",
            [algo],
            args.seeds or range(3),
            protocols,
            budgets,
            algo_overrides=algo_overrides,
            train_overrides=train_overrides,
            label=" ".join([f"ours {algo}", *changes]),
        )[algo]
        for algo in args.algos
    }
    rows = []
    for runs in results.values():
        for result in runs:
            row = result.row()
            if result.policy is not None:
                row |= score(result.policy, deterministic=True)
                row |= score(result.policy, deterministic=False)
            rows.append(row)
    report(rows, COLUMNS, info, args.json)


if __name__ == "__main__":
    main()
