"""Racing your agent: a countdown, a race of a few laps side by side, the result."""

import math

import numpy as np
import pygame
import pytest
from test_engine import driving_policy, open_app, press

from agent.episodes import EpisodeStepper
from game import make_vector_env, scene_spec
from game.modes import VersusMode
from game.modes.duel import COUNTDOWN_S, RACE_LAPS, Duel
from game.race.driver import drive
from game.race.vector_env import RaceVectorEnv
from game.session import VERSUS_TIME_LIMIT_S


@pytest.fixture(autouse=True)
def quit_pygame():
    yield
    pygame.quit()


def versus_app():
    envs = make_vector_env("race", 2, side_by_side=True, time_limit_s=VERSUS_TIME_LIMIT_S)
    return open_app(
        lambda keyboard: VersusMode(scene_spec("race"), envs, keyboard, driving_policy(), seed=0)
    )


def test_the_cars_wait_for_the_countdown_then_yours_follows_the_keys():
    app, mode = versus_app()
    st = mode.sim.state
    # a front row: side by side on the line, one car left of the centreline, one right
    assert st.lateral_m[0] > 1.5 and st.lateral_m[1] < -1.5
    press(pygame.K_UP)
    for _ in range(20):
        app.frame()
    assert (st.steps == 0).all()  # a third of a second into the countdown: nobody has moved
    assert mode.view.box is not None  # the countdown is drawn over the track
    assert mode.duel.banner()[0] in {"3", "2"}
    mode.duel.count_down(COUNTDOWN_S)
    for _ in range(30):
        app.frame()
    assert mode.duel.banner() == ("GO!",) or mode.duel.race_s >= 1.0
    assert mode.scene.action_names[mode.actions[0]] == "gas"
    assert st.steps[0] > 0 and st.speed_mps[0] > 0
    state = mode.hud_state()
    assert state.table[0] == ("", "you", "agent")
    assert state.probs is None  # the HUD follows you, and you are not a policy
    app.close()


def race(cars_off_track_at=None):
    """Two scripted drivers race RACE_LAPS laps; returns the duel and each car's lap times.

    `cars_off_track_at`: (car, race step) at which that car is put off the track once.
    """
    envs = RaceVectorEnv(2, side_by_side=True, time_limit_s=VERSUS_TIME_LIMIT_S)
    sim = envs.sim
    stepper = EpisodeStepper(envs)
    stepper.reset(seed=0)
    duel = Duel(sim, ("you", "agent"))
    duel.count_down(COUNTDOWN_S)
    laps: list[list[float]] = [[], []]
    for step in range(20 * 60 * 5):
        actions = drive(sim).astype(np.int64)
        if cars_off_track_at is not None and step == cars_off_track_at[1]:
            sim.state.x_m[cars_off_track_at[0]] += 1000.0  # far off the track: the step ends it
        report = stepper.step(actions)
        for car in (0, 1):
            if sim.output.new_laps[car]:
                laps[car].append(float(sim.state.last_lap_s[car]))
        duel.step({e.env_index: int(e.info.get("laps", 0)) for e in report.finished})
        if duel.over:
            break
    return duel, laps


def test_a_race_ends_when_both_cars_have_done_their_laps_and_names_the_winner():
    duel, laps = race()
    assert duel.over
    for car in (0, 1):
        # no car left the track: its race time is its laps' times added up (the first lap
        # starts at "GO", from a standing start on the line)
        assert duel.finish_s[car] == pytest.approx(sum(laps[car][:RACE_LAPS]), abs=1e-9)
        assert duel.best_lap_s[car] == pytest.approx(min(laps[car][:RACE_LAPS]))
    winner = int(np.argmin(duel.finish_s))
    assert list(duel.places()) == ([1, 2] if winner == 0 else [2, 1])
    banner = duel.banner()
    assert banner[0] == ("You win!" if winner == 0 else "The agent wins")
    gap = abs(duel.finish_s[0] - duel.finish_s[1])
    assert banner[1] == f"by {gap:.2f} s over {RACE_LAPS} laps"
    assert banner[-1] == "R: race again"
    table = dict((row[0], row[1:]) for row in duel.table())
    assert table["lap"] == ("finished", "finished")
    assert table["race time"] == tuple(f"{t:.2f} s" for t in duel.finish_s)
    assert table["place"] == tuple("1st" if p == 1 else "2nd" for p in duel.places())


def test_leaving_the_track_costs_the_lap_in_progress_but_keeps_the_laps_done():
    clean, _ = race()
    one_lap_s = clean.finish_s[0] / RACE_LAPS
    crash_step = round(1.5 * one_lap_s / 0.05)  # halfway round the second lap
    duel, laps = race(cars_off_track_at=(0, crash_step))
    assert duel.over
    assert len(laps[0]) >= RACE_LAPS  # it still completed its laps, one of them before the crash
    # car 0 lost half a lap plus the standing start again: it finishes well behind car 1
    assert duel.finish_s[0] > duel.finish_s[1] + 0.4 * one_lap_s
    assert list(duel.places()) == [2, 1]
    assert duel.banner()[0] == "The agent wins"
    assert math.isclose(duel.finish_s[1], clean.finish_s[1])  # the other car is unaffected


def test_play_with_an_agent_starts_a_front_row_whose_race_no_time_limit_cuts():
    from game import session
    from game.app import AppConfig

    app = session.drive("race", {}, AppConfig(), human=True, scripted=True, max_frames=2)
    sim = app.mode.sim
    assert app.mode.name == "versus" and sim.num_cars == 2
    assert sim.max_steps_of(0) * sim.config.dt_s == VERSUS_TIME_LIMIT_S
    assert sim.state.lateral_m[0] == pytest.approx(sim.track.half_width_m / 2, abs=0.01)
    assert sim.state.lateral_m[1] == pytest.approx(-sim.track.half_width_m / 2, abs=0.01)
