"""The shipped tracks build to exactly the geometry they had before per-corner sharpness and the
vectorised spline (tests/data/shipped_geometry.npz, written at commit fec4165 with
`np.savez_compressed(path, **{name: load_track(name).geometry for name in shipped_tracks()})`)."""

from pathlib import Path

import numpy as np
import pytest

from game.race.track import build_track
from game.race.track_file import TRACKS_DIR, read_track_file

BEFORE = np.load(Path(__file__).parent / "data" / "shipped_geometry.npz")


@pytest.mark.parametrize("name", ["oval", "hairpins", "chicanes", "speedway"])
def test_shipped_track_geometry_is_bit_identical(name):
    geometry = build_track(read_track_file(TRACKS_DIR / f"{name}.json")).geometry
    assert geometry.shape == BEFORE[name].shape
    assert np.array_equal(geometry, BEFORE[name])
