"""LunarLander-v3 targets, within 1,000,000 env steps:
- PPO: mean return >= 200 with >= 95% safe landings over 100 episodes (greedy actions);
- REINFORCE (reward-to-go, one hidden layer of 64 units): mean return >= 200 over 100
  episodes with actions *sampled* from the policy, as the reference recipe (hands-on-rl,
  04_lunar_lander) evaluates its agent; the greedy score of that policy is printed too.

Each run trains from the tuned defaults in agent/defaults.py, evaluating every 50,000 env
steps (a 20-episode screen, then 100 episodes when the screen passes), and stops at the
first 100-episode evaluation that meets the target; bench/protocol.py describes the protocol.

    python bench/lunar.py                          # PPO and REINFORCE, seeds 0-2
    python bench/lunar.py --algos reinforce --seeds 0 1 2 3 4 --json lunar.json
"""

from __future__ import annotations

import game
from agent import evaluate
from protocol import EVAL_SEED, Criterion, Protocol, base_parser, report, run_learners, setup

BUDGET = 1_000_000
PROTOCOLS = {
    "ppo": Protocol(
        Criterion(min_mean=200.0, min_success=0.95), eval_every=50_000, screen_episodes=20
    ),
    "reinforce": Protocol(
        Criterion(min_mean=200.0), eval_every=50_000, screen_episodes=20, deterministic=False
    ),
}
COLUMNS = (
    "label",
    "seed",
    "steps_to_criterion",
    "seconds_to_criterion",
    "mean_return",
    "std_return",
    "success_rate",
    "episodes",
    "greedy_mean",
    "greedy_success",
)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--algos", nargs="+", default=["ppo", "reinforce"])
    args = parser.parse_args()
    info = setup()
    budgets = dict.fromkeys(PROTOCOLS, BUDGET)
    results = run_learners("lunar", args.algos, args.seeds or range(3), PROTOCOLS, budgets)
    rows = []
    for algo, runs in results.items():
        for result in runs:
            row = result.row()
            if not PROTOCOLS[algo].deterministic and result.policy is not None:
                # the other way of acting, for comparison: the most probable action every step
                greedy = evaluate(
                    result.policy,
                    lambda: game.make_env("lunar"),
                    episodes=100,
                    seed=EVAL_SEED,
                    deterministic=True,
                )
                row |= {
                    "greedy_mean": round(greedy.mean_return, 2),
                    "greedy_success": greedy.success_rate,
                }
            rows.append(row)
    report(rows, COLUMNS, info, args.json)


if __name__ == "__main__":
    main()
