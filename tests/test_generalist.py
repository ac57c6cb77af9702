"""Training across generated tracks: its defaults, its seeds, and the shipped driver it made."""

import dataclasses
import json

import numpy as np
import pytest

import main
from agent.config import PPOConfig
from agent.defaults import default_config
from agent.run import new_run
from agent.trainer import Trainer
from game import make_vector_env
from game.cli import build_parser
from game.flag_rules import check_flags
from game.launch import resolve
from game.launch_options import evaluation_options
from game.race.generate import TRAINING_SEEDS
from game.scenes import scene_spec

SHIPPED = scene_spec("race").shipped_checkpoint


def test_training_across_generated_tracks_has_its_own_defaults():
    plan = new_run("race", "ppo", env_options={"track": "random"}, seed=3)
    across = plan.train_config
    assert across.env_options == {
        "track": "random",
        "random_start": True,
        "time_limit_s": 30.0,
        "progress_per_m": 0.1,
        "pool_keep_crashes": 1.0,
    }
    assert (across.num_envs, across.seed, plan.algo_config.n_steps) == (32, 3, 128)
    oval = new_run("race", "ppo", env_options={"track": "oval"}).train_config
    assert oval.env_options == {"track": "oval"}
    assert (oval.num_envs, oval.total_timesteps) == (8, 300_000)
    random_track = {"track": "random"}
    reinforce, reinforce_across = (
        default_config("race", "reinforce", env_options=options) for options in ({}, random_track)
    )
    assert reinforce_across == (
        dataclasses.replace(reinforce[0], env_options=random_track),
        reinforce[1],
    )
    # an option given on the command line wins over the default's
    plan = new_run("race", "ppo", env_options={"track": "random", "random_start": False})
    assert plan.train_config.env_options["random_start"] is False


def test_a_random_track_run_is_shown_on_held_out_tracks_from_the_start_line():
    trained = {
        "track": "random",
        "random_start": True,
        "time_limit_s": 30.0,
        "progress_per_m": 0.05,
        "pool_keep_crashes": 1.0,
    }
    assert evaluation_options(trained) == {"track": "random:heldout"}
    assert evaluation_options({"track": "hairpins", "random_start": True}) == {"track": "hairpins"}


def tracks_trained_on(seed: int) -> list[int]:
    """The generated tracks (their seeds) a 2-car run with `seed` has driven after 512 steps."""
    plan = new_run("race", "ppo", env_options={"track": "random"}, seed=seed, num_envs=2)
    small = PPOConfig(n_steps=64, batch_size=128, n_epochs=1, hidden_sizes=(8,))
    plan = dataclasses.replace(plan, algo_config=small)
    envs = make_vector_env("race", 2, **plan.train_config.env_options)
    trainer = Trainer(plan, envs)
    seen: list[int] = []
    for _ in trainer.run():
        seen += [s for s in envs.car_tracks.seeds if s not in seen]
        if trainer.num_timesteps >= 512:
            break
    trainer.close()
    return seen


def test_a_runs_seed_fixes_the_generated_tracks_it_trains_on():
    first = tracks_trained_on(5)
    assert first == tracks_trained_on(5) and first != tracks_trained_on(6)
    assert all(seed in TRAINING_SEEDS for seed in first)


@pytest.mark.parametrize("mode", ["watch", "play", "eval"])
def test_watch_play_and_eval_use_the_shipped_driver_on_any_track(mode):
    for track in (None, "hairpins", "random", "random:12"):
        argv = ["--mode", mode] + ([] if track is None else ["--track", track])
        args = build_parser("").parse_args(argv)
        check_flags(args)
        target = resolve(args)
        assert target.checkpoint_path == SHIPPED
        assert target.checkpoint["metadata"]["train_config"]["env_options"]["track"] == "random"
        shown = {None: {}, "random": {"track": "random:heldout"}}.get(track, {"track": track})
        assert target.options == shown  # the track asked for, not the one it trained on


def test_the_shipped_driver_laps_held_out_tracks(capsys):
    """`python main.py --mode eval --track random` with no checkpoint: the shipped driver on the
    first held-out generated tracks (training never draws them)."""
    argv = ["--mode", "eval", "--track", "random", "--episodes", "5", "--json"]
    assert main.main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["policy"] == str(SHIPPED)
    assert result["success_rate"] == 1.0 and result["mean_laps"] >= 1
    assert np.isfinite(result["mean_lap_s"])


def test_live_training_across_tracks_draws_the_track_of_the_car_it_follows():
    from game.app import App, AppConfig
    from game.modes import TrainMode

    plan = new_run("race", "ppo", live=True, env_options={"track": "random"}, num_envs=8)
    envs = make_vector_env("race", 8, render_first=True, **plan.train_config.env_options)
    app = App(AppConfig(speed=8.0))
    mode = TrainMode(scene_spec("race"), Trainer(plan, envs), app.keyboard)
    app.attach(mode)
    shown = set()
    for _ in range(150):
        app.frame()
        track = mode.sim.track_of(mode.focus)
        assert mode.view.renderer.track is track  # the followed car's track, not car 0's
        shown.add(track.name)
    app.close()
    assert len(shown) >= 2  # cars crash, start again on other tracks, and the view goes along
