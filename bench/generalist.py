"""The generalist: PPO trained across generated tracks, scored on tracks it never saw (issue 11).

- `generalist`: `python main.py --mode train --headless --track random`'s defaults
  (agent/config.py) for each seed: the training seconds, then greedy evaluations from the start
  line on the 100 held-out generated tracks (EVALUATION_SEEDS, each once) and on each shipped
  track (100 episodes each; none of them is ever trained on).
- `specialists`: PPO's defaults trained on one shipped track only, for `--specialist-steps`,
  evaluated there every 100,000 steps the same way; its fastest evaluation with >= 95% laps
  is the reference the generalist's mean lap time should be within 1.15x of.

Targets: >= 95% of episodes complete a lap on each; lap time <= 1.15x the specialist's;
training <= 10 minutes. Evaluation is outside the training clock (bench/protocol.py).

    python bench/generalist.py --seeds 0 1 2 --json generalist.json
"""

from __future__ import annotations

from functools import partial
from typing import Any

from protocol import EVAL_SEED, Criterion, Protocol, train_ours, warm_up
from reporting import base_parser, report, setup

import game
from agent import evaluate
from game.race.track_choice import HELD_OUT, RANDOM

SHIPPED = ("oval", "hairpins", "chicanes", "speedway")
EPISODES = 100
TRAIN_ONLY = Protocol(Criterion(), eval_every=1 << 40, final_eval=False)
"""Train the whole budget; every score is taken afterwards."""
SPECIALIST = Protocol(
    Criterion(min_success=0.95),
    eval_every=100_000,
    confirm_episodes=EPISODES,
    stop_at_criterion=False,
    final_eval=False,
)
"""Evaluated as it trains (100 episodes once 10 pass), on to the end of its budget: trained on,
a specialist can lose its laps (hairpins: 19% after 500k steps), so the best version counts."""
COLUMNS = ("label", "seed", "track", "success", "mean_lap_s", "mean_return", "train_s", "steps")


def score(policy: Any, track: str) -> dict[str, Any]:
    """`policy` greedy over EPISODES episodes of `track` from the start line (held-out: each of
    the 100 held-out tracks once)."""
    result = evaluate(
        policy, partial(game.make_env, "race", track=track), EPISODES, EVAL_SEED, num_envs=20
    )
    return {
        "track": "100 held-out generated" if track == HELD_OUT else track,
        "success": result.success_rate,
        "mean_lap_s": None if result.mean_lap_s is None else round(result.mean_lap_s, 2),
        "mean_return": round(result.mean_return, 1),
    }


def generalist(seed: int) -> list[dict[str, Any]]:
    """One generalist from the --track random defaults, scored on held-out and shipped tracks."""
    run = train_ours("race", "ppo", seed, TRAIN_ONLY, env_options={"track": RANDOM})
    print(f"generalist seed {seed}: {run.total_steps:,} steps in {run.train_s:.1f} s", flush=True)
    rows = []
    for track in (HELD_OUT, *SHIPPED):
        row = {"label": "generalist", "seed": seed, **score(run.policy, track)}
        rows.append({**row, "train_s": round(run.train_s, 1), "steps": run.total_steps})
        print(row, flush=True)
    return rows


def specialist(track: str, seed: int, steps: int) -> dict[str, Any]:
    """PPO's defaults trained on `track` alone for `steps`, evaluated every SPECIALIST_EVERY
    steps: its fastest evaluation of the ones that lapped in >= 95% of EPISODES."""
    run = train_ours("race", "ppo", seed, SPECIALIST, budget=steps, env_options={"track": track})
    lapped = [
        e
        for e in run.evaluations
        if e.result.episodes >= EPISODES and SPECIALIST.criterion.met(e.result)
    ]
    best = min(lapped, key=lambda e: e.result.mean_lap_s or float("inf"), default=None)
    row = {"label": "specialist", "seed": seed, "track": track}
    if best is not None:
        result = best.result
        row |= {"success": result.success_rate, "mean_lap_s": round(result.mean_lap_s, 2)}
        row |= {"mean_return": round(result.mean_return, 1), "train_s": round(best.train_s, 1)}
        row |= {"steps": best.steps}
    print(row, flush=True)
    return row


def lap_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per shipped track: the generalists' mean lap time over the specialists' (seed means)."""

    def mean_lap(label: str, track: str) -> float | None:
        # a specialist with no evaluation of >= 95% laps has no lap time: its row says so
        laps = [r.get("mean_lap_s") for r in rows if r["label"] == label and r["track"] == track]
        laps = [lap for lap in laps if lap is not None]
        return sum(laps) / len(laps) if laps else None

    ratios = []
    for track in SHIPPED:
        ours, theirs = mean_lap("generalist", track), mean_lap("specialist", track)
        if ours is not None and theirs is not None:
            ratios.append({"label": "lap time ratio", "track": track, "mean_lap_s": ours / theirs})
    return ratios


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=("generalist", "specialists"))
    parser.add_argument("--specialist-seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--specialist-steps", type=int, default=1_000_000)
    args = parser.parse_args()
    parts = args.parts or ["generalist", "specialists"]
    info = setup()
    warm_up("race", "ppo")
    rows = []
    if "generalist" in parts:
        for seed in args.seeds or [0, 1, 2]:
            rows += generalist(seed)
    if "specialists" in parts:
        for track in SHIPPED:
            for seed in args.specialist_seeds:
                rows.append(specialist(track, seed, args.specialist_steps))
    report(rows + lap_ratios(rows), COLUMNS, info, args.json)


if __name__ == "__main__":
    main()
