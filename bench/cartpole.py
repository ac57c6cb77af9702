"""CartPole-v1 target: PPO and REINFORCE each reach a mean return of at least 475 over 100
evaluation episodes (greedy actions), PPO within 50,000 env steps.

Each run trains from the tuned defaults in agent/defaults.py, evaluating every EVERY env steps
(a 10-episode screen, then 100 episodes when the screen passes), and stops at the first
100-episode evaluation that reaches 475; bench/protocol.py describes the protocol.

    python bench/cartpole.py                      # PPO and REINFORCE, seeds 0-4
    python bench/cartpole.py --algos ppo --seeds 0 1 2 --json cartpole.json
"""

from __future__ import annotations

from protocol import Criterion, Protocol, run_learners
from reporting import RUN_COLUMNS, base_parser, report, setup

THRESHOLD = 475.0
BUDGETS = {"ppo": 50_000, "reinforce": 200_000}
EVERY = {"ppo": 1_000, "reinforce": 5_000}
COLUMNS = RUN_COLUMNS


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--algos", nargs="+", default=["ppo", "reinforce"])
    args = parser.parse_args()
    info = setup()
    protocols = {
        algo: Protocol(Criterion(min_mean=THRESHOLD), eval_every=every)
        for algo, every in EVERY.items()
    }
    results = run_learners("cartpole", args.algos, args.seeds or range(5), protocols, BUDGETS)
    rows = [r.row() for runs in results.values() for r in runs]
    report(rows, COLUMNS, info, args.json)


if __name__ == "__main__":
    main()
