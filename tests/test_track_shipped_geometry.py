"""The shipped tracks build to exactly the geometry they had before per-corner sharpness and the
vectorised spline (tests/data/shipped_geometry.npz, written at commit fec4165 with
`np.savez_compressed(path, **{name: load_track(name).geometry for name in shipped_tracks()})`)."""

from pathlib import Path

import numpy as np
import pytest

from game.race.quads import H
from game.race.track import build_track
from game.race.track_file import TRACKS_DIR, read_track_file

BEFORE = np.load(Path(__file__).parent / "data" / "shipped_geometry.npz")


@pytest.mark.parametrize("name", ["oval", "hairpins", "chicanes", "speedway"])
def test_shipped_track_geometry_is_bit_identical(name):
    """Every column then stored (the heading column H came later: its own test is below)."""
    geometry = build_track(read_track_file(TRACKS_DIR / f"{name}.json")).geometry
    assert geometry[:, :H].shape == BEFORE[name].shape
    assert np.array_equal(geometry[:, :H], BEFORE[name])


@pytest.mark.parametrize("name", ["oval", "hairpins", "chicanes", "speedway"])
def test_the_heading_column_follows_the_centreline_and_turns_once_round(name):
    track = build_track(read_track_file(TRACKS_DIR / f"{name}.json"))
    heading = track.geometry[:, H]
    direction = np.column_stack([np.cos(heading), np.sin(heading)])
    np.testing.assert_allclose(direction, track.seg_dir, atol=1e-12)
    assert np.abs(np.diff(heading)).max() < np.pi / 2  # unwrapped: no jump of 2 pi
    closing = (heading[0] - heading[-1] + np.pi) % (2 * np.pi) - np.pi
    assert abs(abs(heading[-1] + closing - heading[0]) - 2 * np.pi) < 1e-9  # one turn round
