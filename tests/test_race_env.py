"""RaceEnv: the Gymnasium contract, determinism, laps that cannot be cheated, crashes and
rewards."""

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import game  # noqa: F401  (registers RaceTrack-v0)
from game.race.driver import drive
from game.race.env import RaceEnv
from game.race.reward import LAP_BONUS, OFF_TRACK_PENALTY, PROGRESS_PER_LAP, REWARD_TERMS
from game.race.car_state import ACTION_NAMES
from game.race.track_file import shipped_tracks

COAST, GAS = ACTION_NAMES.index("coast"), ACTION_NAMES.index("gas")


def test_check_env_passes():
    check_env(gym.make("RaceTrack-v0").unwrapped)


def test_same_seed_and_actions_give_the_same_episode():
    actions = np.random.default_rng(3).integers(0, len(ACTION_NAMES), 300)

    def rollout():
        env = gym.make("RaceTrack-v0")
        obs, _ = env.reset(seed=11)
        trace = [obs]
        for action in actions:
            obs, reward, terminated, truncated, info = env.step(action)
            trace += [obs, reward, info["progress"]]
            if terminated or truncated:
                trace.append(env.reset()[0])
        return trace

    first, second = rollout(), rollout()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_different_seeds_start_differently():
    env = RaceEnv()
    assert not np.array_equal(env.reset(seed=1)[0], env.reset(seed=2)[0])


def test_rendering_never_changes_the_simulation():
    plain, drawn = RaceEnv(), RaceEnv(render_mode="rgb_array")
    obs_a, _ = plain.reset(seed=5)
    obs_b, _ = drawn.reset(seed=5)
    for _ in range(100):
        frame = drawn.render()
        action = int(drive(plain.sim)[0])
        obs_a, *_ = plain.step(action)
        obs_b, *_ = drawn.step(action)
        assert np.array_equal(obs_a, obs_b)
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    assert frame.std() > 10  # a picture, not a blank frame


@pytest.mark.parametrize("name", shipped_tracks())
def test_scripted_driver_laps_every_shipped_track(name):
    env = gym.make("RaceTrack-v0", track=name)
    obs, info = env.reset(seed=0)
    sim = env.unwrapped.sim
    total = 0.0
    while True:
        assert env.observation_space.contains(obs)
        obs, reward, terminated, truncated, info = env.step(int(drive(sim)[0]))
        total += reward
        if terminated or truncated:
            break
    assert truncated and not terminated and not info["crashed"]
    assert info["laps"] >= 1 and info["is_success"]
    assert len(info["lap_times_s"]) == info["laps"]
    # Every lap's time plus the unfinished one add up to the episode's time.
    episode_s = sim.state.steps[0] * sim.config.dt_s
    assert sum(info["lap_times_s"]) + info["lap_time_s"] == pytest.approx(episode_s)
    assert info["best_lap_s"] == min(info["lap_times_s"])
    # Progress pays PROGRESS_PER_LAP a lap, plus the bonus for each lap completed.
    expected = info["progress"] * PROGRESS_PER_LAP + info["laps"] * LAP_BONUS
    assert total == pytest.approx(expected)


def test_progress_per_metre_pays_the_same_for_a_metre_on_every_track():
    # the scripted driver's first 200 steps on a short and a long track, paid per metre
    for name in ("oval", "speedway"):
        env = RaceEnv(track=name, progress_per_m=0.05)
        env.reset(seed=0)
        progress = 0.0
        for _ in range(200):
            *_, info = env.step(int(drive(env.sim)[0]))
            progress += info["reward_components"]["progress"]
        metres = env.sim.state.travelled_m[0]
        assert metres > 100.0 and progress == pytest.approx(0.05 * metres)
        assert info["progress"] == pytest.approx(metres / env.track.length_m)


def _place(env, s_m, travelled_m=None, lateral_m=0.0):
    """Put the car at arc length s (standing still), optionally pretending it has driven
    `travelled_m`."""
    track, st = env.track, env.sim.state
    xy, heading = track.pose_at([s_m])
    xy = xy[0] + lateral_m * np.array([-math.sin(heading[0]), math.cos(heading[0])])
    st.x_m[0], st.y_m[0], st.heading_rad[0], st.speed_mps[0] = xy[0], xy[1], heading[0], 0.0
    if travelled_m is not None:
        st.travelled_m[0] = travelled_m
        st.s_m[0] = s_m % track.length_m
        st.seg[0] = track.segment_at(s_m)


def test_wiggling_over_the_line_counts_one_lap_only():
    env = RaceEnv()
    env.reset(seed=0)
    length = env.track.length_m
    start = env.track.start_s_m
    _place(env, start - 2.0, travelled_m=length - 2.0)
    laps = []
    for s in [1.0, -1.0, 1.0, -1.5, 2.0, -2.0, 3.0] * 3:
        _place(env, start + s)
        _, _reward, terminated, _, info = env.step(COAST)
        assert not terminated
        laps.append(info["laps"])
    assert laps[0] == 1 and set(laps) == {1}
    assert info["lap_times_s"] == [pytest.approx(info["lap_times_s"][0])]


def test_crossing_the_line_backwards_never_counts():
    env = RaceEnv()
    env.reset(seed=0)
    length, start = env.track.length_m, env.track.start_s_m
    # Backwards over the line, then all the way round backwards and over it again.
    for s in np.arange(-1.0, -length - 20.0, -1.5):
        _place(env, start + s)
        _, reward, terminated, _, info = env.step(COAST)
        assert not terminated and reward <= 0.0
    assert info["laps"] == 0 and info["progress"] < -1.0


def _backwards_driver(env):
    """Pure pursuit of a point behind on the centreline: a car driving the track the wrong way."""
    st, track = env.sim.state, env.track
    target, _ = track.pose_at(st.s_m - 6.0)
    bearing = math.atan2(target[0, 1] - st.y_m[0], target[0, 0] - st.x_m[0]) - st.heading_rad[0]
    bearing = (bearing + math.pi) % (2 * math.pi) - math.pi
    steer = "left" if bearing > 0.05 else "right" if bearing < -0.05 else ""
    pedal = "gas" if st.speed_mps[0] < 8.0 else "coast" if not steer else ""
    return ACTION_NAMES.index("+".join(p for p in (pedal, steer) if p) or "coast")


def test_driving_the_track_the_wrong_way_never_earns_a_lap():
    env = RaceEnv()
    env.reset(seed=0)
    st = env.sim.state
    st.heading_rad[0] += math.pi  # facing the wrong way on the start line
    total, info = 0.0, {}
    for _ in range(1200):
        _, reward, terminated, truncated, info = env.step(_backwards_driver(env))
        total += reward
        if terminated or truncated:
            break
    assert info["progress"] < -1.0, "the wrong-way driver should have gone round at least once"
    assert info["laps"] == 0 and not info["is_success"]
    assert total < -PROGRESS_PER_LAP


def test_cutting_across_the_infield_ends_the_episode_without_a_lap():
    env = RaceEnv()
    env.reset(seed=0)
    length, start = env.track.length_m, env.track.start_s_m
    _place(env, start - 10.0, travelled_m=length - 10.0)
    env.step(COAST)
    st = env.sim.state
    st.x_m[0], st.y_m[0] = 0.0, 0.0  # the middle of the oval's infield
    _, _reward, terminated, _truncated, info = env.step(COAST)
    assert terminated and info["crashed"] and info["laps"] == 0
    assert info["reward_components"]["off_track"] == OFF_TRACK_PENALTY


def test_flooring_it_into_the_first_bend_crashes():
    env = RaceEnv()
    env.reset(seed=0)
    for step in range(400):  # noqa: B007  (read after the loop)
        _, reward, terminated, truncated, info = env.step(GAS)
        if terminated:
            break
    assert terminated and not truncated and info["crashed"] and step > 40
    assert info["ending"] == "left the track"
    assert tuple(info["reward_components"]) == REWARD_TERMS  # every term, from the one table
    assert info["reward_components"]["off_track"] == OFF_TRACK_PENALTY
    assert reward == pytest.approx(sum(info["reward_components"].values()))


def test_standing_still_is_truncated_at_the_time_limit():
    env = RaceEnv()
    env.reset(seed=0)
    steps = 0
    while True:
        steps += 1
        _, reward, terminated, truncated, _info = env.step(COAST)
        assert reward == 0.0
        if terminated or truncated:
            break
    assert truncated and not terminated
    assert steps == round(env.track.time_limit_s / 0.05)


def test_bad_action_and_render_mode_are_refused():
    with pytest.raises(ValueError, match="render_mode"):
        RaceEnv(render_mode="human")
    env = RaceEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(9)
