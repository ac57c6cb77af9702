"""Live training's start and end: a resumed run shows its whole curve; a finished run goes on
showing the trained policy until the person quits."""

import csv
import dataclasses
import math

import pygame
import pytest
from test_engine import open_app, press, tiny_cartpole_trainer

from agent.headless import train_headless
from agent.metrics import logged_returns
from agent.run import new_run, resume_run
from agent.trainer import Trainer
from game import make_env, make_vector_env, scene_spec
from game.modes import TrainMode


@pytest.fixture(autouse=True)
def quit_pygame():
    yield
    pygame.quit()


def test_finished_training_goes_on_showing_the_trained_policy(tmp_path):
    trainer = tiny_cartpole_trainer(tmp_path, total=1_000)
    app, mode = open_app(lambda _: TrainMode(scene_spec("cartpole"), trainer), speed=math.inf)
    view = mode.view  # it goes on after the switch (no new drawing of the scene, no pause)
    for _ in range(2_000):
        app.frame()
        if mode.watching is not None:
            break
    assert mode.finished and mode.watching is not None
    # the envs carry on where training left them (not reset: a swarm stays spread out)
    assert mode.watching.stepper is trainer.stepper and mode.watching.obs is mode.last.obs
    assert trainer.num_timesteps >= 1_000 and (tmp_path / "last.pt").exists()
    trained = trainer.num_timesteps
    episodes_then = mode.curve.episodes
    lengths = []
    for _ in range(60):
        app.frame()
        lengths.append(int(mode.watching.stepper.episode_lengths[0]))
    # the policy keeps driving: the envs step on (frames later, more steps or more episodes),
    # while training itself stays where it ended
    assert lengths[-1] != lengths[0] or mode.curve.episodes > episodes_then
    assert trainer.num_timesteps == trained
    state = mode.hud_state()
    assert state.mode == "trained: watching" and state.total_steps == trained
    assert state.probs is not None and math.isclose(sum(state.probs), 1.0, rel_tol=1e-5)
    # the notice says so, then the status keeps saying it
    mode._notice_until = 0.0
    assert "training finished after" in mode.hud_state().status
    assert "Esc quits" in mode.hud_state().status
    assert mode.view is view
    press(pygame.K_ESCAPE)
    app.run()
    assert not app.running and (tmp_path / "last.pt").exists()


def test_a_resumed_run_shows_the_curve_its_metrics_csv_holds(tmp_path):
    run_dir = tmp_path / "run"
    plan = new_run("cartpole", "ppo", total_timesteps=3_000, num_envs=4, run_dir=run_dir)
    plan = dataclasses.replace(
        plan, train_config=dataclasses.replace(plan.train_config, eval_every_steps=0)
    )
    train_headless(
        plan, lambda n: make_vector_env("cartpole", n), lambda: make_env("cartpole"), progress=False
    )
    with (run_dir / "metrics.csv").open(newline="") as file:
        logged = [float(row["return"]) for row in csv.DictReader(file)]
    assert len(logged) > 20
    resumed = resume_run(run_dir, total_timesteps=6_000)
    trainer = Trainer(resumed, make_vector_env("cartpole", resumed.num_envs, render_first=True))
    app, mode = open_app(lambda _: TrainMode(scene_spec("cartpole"), trainer))
    state = mode.hud_state()  # before a single step: the history is there
    assert list(state.recent_returns) == pytest.approx(logged[-len(state.recent_returns) :])
    assert mode.curve.episodes == len(logged)
    assert state.best_return == pytest.approx(max(logged))
    app.close()


def test_logged_returns_stop_at_the_checkpoint_and_skip_cut_rows(tmp_path):
    (tmp_path / "metrics.csv").write_text(
        "step,episode,return,length,is_success,wall_s\n"
        "8,1,10.5,8,0,0.1\n"
        "16,2,-3,8,0,0.2\n"
        "24,3,7.25,8,0,0.3\n"
        "32,4,1"  # cut short by a kill
    )
    assert logged_returns(tmp_path, 16) == [10.5, -3.0]
    assert logged_returns(tmp_path, 100) == [10.5, -3.0, 7.25]
    assert logged_returns(tmp_path / "missing", 100) == []
