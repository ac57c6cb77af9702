"""The training pool's crash scores: what they count, and which tracks they keep."""

import numpy as np
import pytest

from game.race import track_pool
from game.race.track_choice import RANDOM
from game.race.track_pool import CRASH_EMA, TrackPool
from game.race.vector_env import RaceVectorEnv


def test_each_pool_track_scores_its_episodes_that_left_the_track(monkeypatch):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 10_000)  # the same tracks throughout
    envs = RaceVectorEnv(4, track=RANDOM, pool_keep_crashes=0.5)
    envs.reset(seed=5)
    pool = envs.car_tracks
    expected = np.zeros(pool.size)
    crashes = 0
    for _ in range(600):  # flat out: most episodes end off the track at a bend
        driving = envs.sim.state.track.copy()
        _, _, terminated, truncated, _ = envs.step(np.full(4, 3))
        for car in np.flatnonzero(terminated | truncated):
            track, crash = driving[car], float(terminated[car])
            expected[track] = (1 - CRASH_EMA) * expected[track] + CRASH_EMA * crash
            crashes += int(terminated[car])
    assert crashes > 10
    np.testing.assert_allclose(pool.crash_score, expected)


def test_hand_computed_moving_average():
    pool = TrackPool(2, size=16, keep_crashes=1.0)
    pool.seed([0, 1])
    pool.episodes_ended(np.array([2, 2, 5]), np.array([True, False, True]))
    assert pool.crash_score[2] == pytest.approx(0.25 * 0.75)
    assert pool.crash_score[5] == pytest.approx(0.25)
    assert pool.crash_score.sum() == pytest.approx(0.4375)


def test_a_pool_that_never_keeps_crashes_does_not_score_them():
    pool = TrackPool(2, size=16)
    pool.seed([0, 1])
    pool.episodes_ended(np.array([2, 5]), np.array([True, True]))
    assert not pool.crash_score.any()


def test_keeping_crashes_replaces_the_safest_free_one(monkeypatch):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 1)
    pool = TrackPool(2, size=16, keep_crashes=1.0)
    pool.seed([0, 1])
    pool.crash_score[:] = 0.5
    pool.crash_score[[3, 7]] = 0.0  # 3 is driven: only 7 is free and clean
    before = list(pool.seeds)
    assert pool.after_step(np.array([3, 4]))
    assert [slot for slot in range(16) if pool.seeds[slot] != before[slot]] == [7]
    assert pool.crash_score[7] == pytest.approx(0.5 * 14 / 16)  # a new track starts at the mean


def test_without_keeping_crashes_a_crashed_one_is_replaced_too(monkeypatch):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 1)
    pool = TrackPool(2, size=16)
    pool.seed([0, 1])
    pool.crash_score[:] = 1.0
    pool.crash_score[7] = 0.0
    replaced = set()
    for _ in range(40):
        before = list(pool.seeds)
        pool.after_step(np.array([3, 4]))
        replaced |= {slot for slot in range(16) if pool.seeds[slot] != before[slot]}
    assert len(replaced) > 5


def test_keeping_crashes_half_the_time_replaces_the_safest_on_about_half_the_renewals(
    monkeypatch,
):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 1)
    pool = TrackPool(2, size=16, keep_crashes=0.5)
    pool.seed([0, 1])
    safest = 0
    for _ in range(400):
        pool.crash_score[:] = 1.0
        pool.crash_score[7] = 0.0
        before = pool.seeds[7]
        pool.after_step(np.array([3, 4]))
        safest += pool.seeds[7] != before
    # half the renewals take slot 7; the other half, any of the 14 free slots
    assert safest / 400 == pytest.approx(0.5 + 0.5 / 14, abs=0.06)


def test_a_pool_keeping_crashes_follows_from_the_seed(monkeypatch):
    monkeypatch.setattr(track_pool, "RENEW_EVERY_STEPS", 20)

    def tracks_driven(seed: int, keep: float) -> list[int]:
        envs = RaceVectorEnv(4, track=RANDOM, pool_keep_crashes=keep)
        envs.reset(seed=seed)
        for _ in range(800):
            envs.step(np.full(4, 3))
        return [*envs.car_tracks.seeds, *envs.sim.state.track.tolist()]

    first = tracks_driven(11, 0.5)
    assert first == tracks_driven(11, 0.5)
    assert first != tracks_driven(12, 0.5) and first != tracks_driven(11, 0.0)
    assert tracks_driven(11, 1.0) == tracks_driven(11, 1.0) != first


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_0_to_1_is_one_clear_error(share):
    with pytest.raises(ValueError, match=r"pool_keep_crashes: expected a share in \[0, 1\]"):
        RaceVectorEnv(2, track=RANDOM, pool_keep_crashes=share)
