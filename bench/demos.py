"""Learning from demonstrations: behaviour cloning alone, and cloning then PPO, against PPO from
scratch with the same defaults and seeds, in the same run.

- race, hairpins: from 5 laps of the scripted driver, the clone alone should lap in >= 80% of
  100 episodes, and cloning then PPO reach >= 95% laps in at most half PPO's env steps;
- race, hairpins: the same from the laps in tests/fixtures/person-hairpins.npz (driven through
  the real window's keys, see bench/person.py);
- LunarLander: from 20 episodes of a trained PPO agent (trained here, seed 100, to the
  criterion), cloning then PPO should reach a mean of 200 in fewer env steps than PPO alone.

Protocol (bench/protocol.py): evaluation every `eval_every` env steps, a screen then 100
greedy episodes; the training clock excludes evaluation and includes cloning. The clone alone is
scored on 100 episodes before its first RL update.

    python bench/demos.py --json demos.json                  # all parts, seeds 0-2
    python bench/demos.py --parts race-driver --seeds 0
"""

from __future__ import annotations

from functools import partial

from protocol import (
    ROOT,
    Criterion,
    Protocol,
    run_parts,
    run_seeds,
    train_ours,
    warm_up,
)

import game
from agent import evaluate
from agent.demo_file import load_demos
from agent.demos import Demonstrations
from agent.recording import DemoRecorder, outcome
from agent.episodes import EpisodeStepper
from game.race.driver import drive
from game.race.vector_env import RaceVectorEnv

TRACK = "hairpins"
PERSON = ROOT / "tests" / "fixtures" / "person-hairpins.npz"
RACE = game.scene_spec("race").demo_spec
LAPS = Protocol(Criterion(min_success=0.95), eval_every=5_000)
LUNAR = Protocol(Criterion(min_mean=200.0), eval_every=25_000, screen_episodes=20)
LUNAR_EXPERT = Protocol(Criterion(min_mean=200.0, min_success=0.95), eval_every=50_000)
COLUMNS = (
    "label",
    "seed",
    "clone_accuracy",
    "clone_success",
    "clone_mean_return",
    "steps_to_criterion",
    "seconds_to_criterion",
    "success_rate",
    "mean_return",
    "episodes",
    "total_steps",
)


def driver_laps(laps: int, seed: int = 0) -> Demonstrations:
    """The scripted driver on the hairpins until it has driven `laps` laps (the stretch it is
    in then is cut there, unfinished)."""
    recorder = DemoRecorder(RACE, "driver", {"track": TRACK})
    envs = RaceVectorEnv(1, track=TRACK)
    stepper = EpisodeStepper(envs)
    obs, done_laps = stepper.reset(seed=seed), 0
    while done_laps + int(envs.sim.state.laps[0]) < laps:
        actions = drive(envs.sim)
        step = stepper.step(actions)
        recorder.add(0, obs[0], int(actions[0]), float(step.rewards[0]))
        for episode in step.finished:
            recorder.end(0, **outcome(episode.info, episode.info["ending"]))
            done_laps += int(episode.info["laps"])
        obs = step.obs
    recorder.end(0, f"{laps} laps recorded", finished=False)
    stepper.close()
    return recorder.take()


def race(demos: Demonstrations, who: str, seeds: list[int]) -> list[dict]:
    """PPO from scratch; cloning then PPO; the same without the cloning term during RL, with
    plain cross-entropy (every step weighed alike rather than every action), and (a person's
    demonstrations) with each action cloned from its own step's observation."""
    print(f"demonstrations ({who}): {demos.describe()}", flush=True)
    options = {"track": TRACK}
    rows = []
    variants = (
        ("ppo from scratch", None, {}),
        (f"clone {who}, then ppo", demos, {}),
        (f"clone {who}, then ppo, no cloning during RL", demos, {"rl_coef": 0.0}),
        (f"clone {who} (plain cross-entropy), then ppo", demos, {"balance_actions": 0.0}),
    )
    if any(e.by_person for e in demos.episodes):
        variants += ((f"clone {who} (no reaction lag), then ppo", demos, {"reaction_steps": 0}),)
    for label, with_demos, clone_overrides in variants:
        run = partial(
            train_ours,
            "race",
            "ppo",
            protocol=LAPS,
            budget=300_000,
            env_options=options,
            label=f"{TRACK} {label}",
            demos=with_demos,
            clone_overrides=clone_overrides,
        )
        rows += [r.row() for r in run_seeds(f"{TRACK} {label}", seeds, run)]
    return rows


def race_driver(seeds: list[int]) -> list[dict]:
    """From 5 laps of the scripted driver."""
    return race(driver_laps(5), "5 driver laps", seeds)


def race_person(seeds: list[int]) -> list[dict]:
    """From the laps a person drove in the window (the committed fixture)."""
    return race(load_demos(PERSON, RACE), "person", seeds)


def lunar(seeds: list[int]) -> list[dict]:
    """A PPO expert (seed 100) records 20 greedy episodes; then scratch vs cloning, seed by seed."""
    warm_up("lunar", "ppo")
    expert = train_ours("lunar", "ppo", 100, LUNAR_EXPERT, budget=1_000_000, label="expert")
    print(f"expert: {expert.row()}", flush=True)
    recorder = DemoRecorder(game.scene_spec("lunar").demo_spec, "checkpoint (PPO expert)", {})
    recorded = evaluate(
        expert.policy, lambda: game.make_env("lunar"), 20, seed=20_000, recorder=recorder
    )
    demos = recorder.take()
    print(f"demonstrations: {demos.describe()}; their score: {recorded.summary()}", flush=True)
    rows = [{**expert.row(), "label": "lunar expert (ppo, seed 100)"}]
    for label, with_demos in (
        ("ppo from scratch", None),
        ("clone 20 expert episodes, then ppo", demos),
    ):
        run = partial(
            train_ours,
            "lunar",
            "ppo",
            protocol=LUNAR,
            budget=1_000_000,
            label=f"lunar {label}",
            demos=with_demos,
        )
        rows += [r.row() for r in run_seeds(f"lunar {label}", seeds, run)]
    return rows


PARTS = {"race-driver": race_driver, "race-person": race_person, "lunar": lunar}


def main() -> None:
    run_parts(__doc__.splitlines()[0], PARTS, COLUMNS)


if __name__ == "__main__":
    main()
