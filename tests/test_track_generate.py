"""Generated tracks: valid like any track file, the same for a seed, varied, saved exactly."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.errors import TrackError
from game.race import generate
from game.race.generate import (
    EVALUATION_SEEDS,
    LENGTH_RANGE_M,
    TRAINING_SEEDS,
    WIDTH_RANGE_M,
    generate_track,
    generate_track_file,
)
from game.race.track import Track, build_track, load_track
from game.race.track_file import parse_track, write_track_file

SEEDS = st.integers(min_value=0, max_value=2**63)
MANY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLE = range(400)
"""Seeds whose tracks are compared for variety."""


@pytest.fixture(scope="module")
def sample() -> list[Track]:
    return [build_track(generate_track(seed)) for seed in SAMPLE]


def signed_area(track: Track) -> float:
    """Positive for an anticlockwise loop."""
    x, y = track.centerline_m.T
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def turns(track: Track) -> np.ndarray:
    """Signed turn [rad] at each centreline vertex."""
    d = track.seg_dir
    before = np.roll(d, 1, axis=0)
    cross = before[:, 0] * d[:, 1] - before[:, 1] * d[:, 0]
    return np.arctan2(cross, np.einsum("ij,ij->i", before, d))


def sharpest_bend_deg(track: Track, within_m: float) -> float:
    """The most the heading changes over any stretch of `within_m` metres of centreline."""
    turn = np.tile(turns(track), 2)
    s = np.concatenate([track.seg_s_m, track.seg_s_m + track.length_m])
    total = np.concatenate([[0.0], np.cumsum(turn)])
    end = np.searchsorted(s, s[: len(track.seg_s_m)] + within_m)
    return float(np.degrees(np.abs(total[end] - total[: len(end)]).max()))


@MANY
@given(seed=SEEDS)
def test_every_seed_gives_a_valid_file_that_loads_into_the_same_track(seed, tmp_path_factory):
    data = generate_track_file(seed)
    assert json.loads(json.dumps(data)) == data  # plain JSON
    spec = generate_track(seed)
    assert spec.name == f"Generated #{seed}"
    assert spec.description.endswith(".") and spec.description.count(". ") == 0
    track = build_track(spec)  # the validation every track file gets: TrackError if invalid
    assert LENGTH_RANGE_M[0] <= track.length_m <= LENGTH_RANGE_M[1]
    assert WIDTH_RANGE_M[0] <= track.width_m <= WIDTH_RANGE_M[1]
    path = tmp_path_factory.mktemp("saved") / "kept.json"
    write_track_file(spec, path)
    loaded = load_track(path)
    assert np.array_equal(loaded.geometry, track.geometry)
    assert (loaded.name, loaded.description, loaded.width_m, loaded.time_limit_s) == (
        track.name,
        track.description,
        track.width_m,
        track.time_limit_s,
    )
    assert not list(path.parent.glob(".*.tmp"))


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS)
def test_the_same_seed_gives_the_same_track(seed):
    first, second = generate_track_file(seed), generate_track_file(seed)
    assert first == second
    again = build_track(parse_track(first, "again"))
    assert np.array_equal(build_track(generate_track(seed)).geometry, again.geometry)


def test_different_seeds_give_different_tracks(sample):
    shapes = {track.geometry[:, :2].tobytes() for track in sample}
    assert len(shapes) == len(sample)


def test_tracks_turn_both_ways(sample):
    anticlockwise = np.mean([signed_area(track) > 0 for track in sample])
    assert 0.35 < anticlockwise < 0.65


def test_lengths_and_widths_spread_over_their_ranges(sample):
    lengths = np.array([track.length_m for track in sample])
    widths = np.array([track.width_m for track in sample])
    assert lengths.min() < 300 and lengths.max() > 1_700 and np.median(lengths) < 1_000
    assert widths.min() < 9 and widths.max() > 19 and 12 < np.median(widths) < 16


def test_some_tracks_have_sharp_corners_and_some_are_smooth(sample):
    corners = [np.degrees(np.abs(turns(track)).max()) for track in sample]
    sharp = np.array([spec_is_sharp(seed) for seed in SAMPLE])
    assert 0.15 < sharp.mean() < 0.35
    assert max(c for c, s in zip(corners, sharp, strict=True) if s) > 140  # near the limit
    assert max(c for c, s in zip(corners, sharp, strict=True) if not s) < 60  # in 3 m pieces


def spec_is_sharp(seed: int) -> bool:
    return not generate_track(seed).smooth


def test_curvature_varies_from_hairpins_to_sweepers(sample):
    smooth = [track for seed, track in zip(SAMPLE, sample, strict=True) if not spec_is_sharp(seed)]
    hairpin = np.array([sharpest_bend_deg(track, 4 * track.width_m) for track in smooth])
    tightest = np.array([track.seg_len_m.mean() / np.abs(turns(track)).max() for track in smooth])
    assert np.mean(hairpin > 150) > 0.1  # turning back on itself within 4 widths
    assert np.mean(hairpin < 90) > 0.2
    assert tightest.min() < 10 and tightest.max() > 60


def test_descriptions_say_what_the_track_holds(sample):
    for seed, track in zip(SAMPLE, sample, strict=True):
        text = track.description
        direction = "anticlockwise" if signed_area(track) > 0 else "clockwise"
        assert f" {direction} loop, {track.width_m:.1f} m wide." in text, text
        if "hairpin" in text:
            assert sharpest_bend_deg(track, 6 * track.width_m) > 150, (seed, text)
        if "sharp corners" in text:
            assert spec_is_sharp(seed)


def test_the_oval_that_ends_a_run_of_failed_draws_is_valid(monkeypatch):
    monkeypatch.setattr(generate, "MAX_DRAWS", 0)
    for seed in range(50):
        track = build_track(generate_track(seed))
        assert track.description.startswith("A plain oval")
        assert LENGTH_RANGE_M[0] <= track.length_m <= LENGTH_RANGE_M[1]


def test_training_and_evaluation_seeds_never_overlap():
    for seeds in (TRAINING_SEEDS, EVALUATION_SEEDS):
        assert seeds.step == 1 and seeds.start >= 0
        generate_track(seeds.start), generate_track(seeds[-1])
    first_stop = min(TRAINING_SEEDS.stop, EVALUATION_SEEDS.stop)
    assert max(TRAINING_SEEDS.start, EVALUATION_SEEDS.start) >= first_stop
    assert len(TRAINING_SEEDS) >= 100_000 and len(EVALUATION_SEEDS) >= 100


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7", None])
def test_a_bad_seed_is_one_line(seed):
    with pytest.raises(TrackError, match=r"^seed: expected an integer >= 0, got .*$"):
        generate_track(seed)


def test_saving_where_it_cannot_be_written_is_one_line(tmp_path):
    target = tmp_path / "missing" / "kept.json"
    with pytest.raises(TrackError, match=rf"^{target}: cannot write the file \(.+\)$"):
        write_track_file(generate_track(0), target)
    assert not list(tmp_path.rglob("*.tmp"))


def test_hairpin_measure_on_a_shipped_track():
    """The measure the variety tests use, checked on tracks whose corners are known."""
    assert sharpest_bend_deg(load_track("hairpins"), 50) > 160  # Switchback's 14 m hairpins
    assert sharpest_bend_deg(load_track("speedway"), 50) < 90
    oval = load_track("oval")  # two straights, two half-circles: half a lap holds one of them
    assert math.isclose(sharpest_bend_deg(oval, oval.length_m / 2), 180, abs_tol=10)  # splines
