"""Track choices: names, files, generated tracks; training draws never reach the held-out ones."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.errors import TrackError
from game.race import track_pool
from game.race.driver import drive
from game.race.env import RaceEnv
from game.race.generate import EVALUATION_SEEDS, TRAINING_SEEDS, generate_track
from game.race.track import build_track, load_track
from game.race.track_choice import (
    HELD_OUT,
    RANDOM,
    draw_training_seeds,
    generated_track,
    parse_track_choice,
)
from game.race.track_file import TRACKS_DIR
from game.race.vector_env import RaceVectorEnv


def seed_of(track) -> int:
    """The generator seed of a generated track, from its name ("Generated #N")."""
    prefix = "Generated #"
    assert track.name.startswith(prefix), track.name
    return int(track.name.removeprefix(prefix))


def test_every_form_of_choice_is_understood():
    assert parse_track_choice("oval") is load_track("oval")
    assert parse_track_choice(TRACKS_DIR / "hairpins.json") is load_track("hairpins")
    track = load_track("chicanes")
    assert parse_track_choice(track) is track
    generated = parse_track_choice("random:1234")
    assert np.array_equal(generated.geometry, build_track(generate_track(1234)).geometry)
    assert parse_track_choice(RANDOM) == RANDOM and parse_track_choice(HELD_OUT) == HELD_OUT


@pytest.mark.parametrize("bad", ["random:", "random:-1", "random:x", "random: 3", "nowhere", 3])
def test_a_bad_choice_is_one_line_naming_the_argument_and_the_forms(bad):
    with pytest.raises(TrackError) as caught:
        parse_track_choice(bad, "--track")
    message = str(caught.value)
    assert message.startswith("--track: expected a shipped track (chicanes, hairpins, oval")
    assert "random, random:N (N >= 0) or random:heldout, got" in message
    assert "\n" not in message
    with pytest.raises(TrackError, match=r"^track: expected"):
        RaceEnv(track=bad)
    with pytest.raises(TrackError, match=r"^track: expected"):
        RaceVectorEnv(2, track=bad)


def test_held_out_episodes_seeded_0_to_99_drive_each_held_out_track_once():
    env = RaceEnv(HELD_OUT)
    seeds = []
    for seed in range(len(EVALUATION_SEEDS)):
        env.reset(seed=seed)
        seeds.append(seed_of(env.track))
    assert seeds == list(EVALUATION_SEEDS)
    env.reset(seed=205)
    assert seed_of(env.track) == EVALUATION_SEEDS[5]
    env.reset()  # unseeded: the next one
    assert seed_of(env.track) == EVALUATION_SEEDS[6]


def test_random_draws_a_training_track_per_episode_the_same_for_a_seed():
    env = RaceEnv(RANDOM)

    def two_episodes(seed: int) -> tuple[int, int]:
        env.reset(seed=seed)
        first = seed_of(env.track)
        env.reset()
        return first, seed_of(env.track)

    drawn = two_episodes(7)
    assert drawn == two_episodes(7) and drawn != two_episodes(8) and drawn[0] != drawn[1]
    assert all(seed in TRAINING_SEEDS for seed in drawn)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), count=st.integers(1, 2_000))
def test_no_training_draw_ever_lands_on_a_held_out_track(seed, count):
    draws = np.array(draw_training_seeds(np.random.default_rng(seed), count))
    assert ((draws >= TRAINING_SEEDS.start) & (draws < TRAINING_SEEDS.stop)).all()
    assert not np.isin(draws, np.asarray(EVALUATION_SEEDS)).any()


def test_the_swarms_pool_holds_training_tracks_renewed_only_where_no_car_drives(monkeypatch):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 5)
    envs = RaceVectorEnv(6, track=RANDOM, random_start=True)
    envs.reset(seed=3)
    pool = envs.car_tracks
    assert pool.size == 6 * track_pool.POOL_PER_CAR and len(set(pool.seeds)) == pool.size
    rng = np.random.default_rng(0)
    renewed = 0
    for _ in range(300):
        before = list(pool.tracks)
        driven = {int(t) for t in envs.sim.state.track}
        envs.step(rng.integers(0, 9, 6))
        changed = {slot for slot in range(pool.size) if pool.tracks[slot] is not before[slot]}
        assert not changed & driven  # a car's track never changes under it
        renewed += len(changed)
        assert all(
            envs.sim.track_of(car) is pool.tracks[envs.sim.state.track[car]] for car in range(6)
        )
    assert renewed == 300 // 5
    assert all(seed in TRAINING_SEEDS for seed in pool.seeds)
    assert [seed_of(t) for t in pool.tracks] == pool.seeds


def test_the_pool_and_each_cars_tracks_follow_from_the_seed():
    def tracks_driven(seed: int) -> list[list[int]]:
        envs = RaceVectorEnv(4, track=RANDOM)
        envs.reset(seed=seed)
        driven = [[seed_of(envs.sim.track_of(car)) for car in range(4)]]
        for _ in range(400):  # flat out: cars leave the track at a bend and start again
            _, _, terminated, truncated, _ = envs.step(np.full(4, 3))
            if (terminated | truncated).any():
                driven.append([seed_of(envs.sim.track_of(car)) for car in range(4)])
        return driven

    first = tracks_driven(11)
    assert first == tracks_driven(11) and first != tracks_driven(12)
    assert len({seed for step in first for seed in step}) > 4  # new episodes, new tracks


def test_the_driver_drives_cars_on_different_tracks_as_it_drives_each_alone():
    envs = RaceVectorEnv(4, track=HELD_OUT)
    envs.reset(seed=20)
    assert len({envs.sim.track_of(car).name for car in range(4)}) == 4
    alone = [RaceVectorEnv(1, track=envs.sim.track_of(car)) for car in range(4)]
    for car, env in enumerate(alone):
        env.reset(seed=20 + car)
    for _ in range(300):
        actions = drive(envs.sim)
        assert [int(drive(env.sim)[0]) for env in alone] == actions.tolist()
        envs.step(actions)
        for car, env in enumerate(alone):
            env.step(actions[car : car + 1])
    assert (envs.sim.state.laps >= 1).all() or (envs.sim.state.travelled_m > 100).all()


def test_generated_tracks_are_cached_by_seed():
    assert generated_track(EVALUATION_SEEDS[3]) is generated_track(EVALUATION_SEEDS[3])
