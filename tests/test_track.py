"""Track geometry against hand-computed answers: a 100 m square, and brute force on the shipped
tracks."""

import math

import numpy as np
import pytest

from game.race.quads import MAX_RANGE_M
from game.race.track import build_track, load_track
from game.race.track_file import parse_track, shipped_tracks

SQUARE = {
    "schema_version": 1,
    "name": "Square",
    "width_m": 10.0,
    "smooth": False,
    "centerline_m": [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]],
}


@pytest.fixture(scope="module")
def square():
    """Driven anticlockwise: on the bottom side the car heads +x and the infield is to its left
    (+y)."""
    return build_track(parse_track(SQUARE, "square"))


def test_square_borders_are_squares_half_a_width_out(square):
    assert square.length_m == pytest.approx(400.0)
    corners = {tuple(p) for p in np.round(square.left_m, 9)} & {
        (5.0, 5.0),
        (95.0, 5.0),
        (95.0, 95.0),
        (5.0, 95.0),
    }
    assert len(corners) == 4
    assert {tuple(p) for p in np.round(square.right_m, 9)} >= {
        (-5.0, -5.0),
        (105.0, -5.0),
        (105.0, 105.0),
        (-5.0, 105.0),
    }


@pytest.mark.parametrize(
    ("angle_deg", "expected_m"),
    [
        (0, 25.0),  # ahead: the outer wall at x = 105
        (90, 5.0),  # left: the inner wall at y = 5
        (-90, 5.0),  # right: the outer wall at y = -5
        (45, 5.0 * math.sqrt(2)),  # diagonal to the inner wall
        (-45, 5.0 * math.sqrt(2)),  # diagonal to the outer wall
        (180, 50.0),  # behind: the outer wall at x = -5 is 85 m away, beyond range
        (30, 10.0),  # 30 degrees left: 5 m up the inner wall is 10 m along the ray
    ],
)
def test_rays_on_the_square_hit_at_the_hand_computed_distance(square, angle_deg, expected_m):
    xy = np.array([[80.0, 0.0]])
    seg, inside = square.locate(xy, [0])
    assert inside.all()
    got = square.cast_rays(xy, seg, [[math.radians(angle_deg)]])[0, 0]
    assert got == pytest.approx(expected_m, abs=1e-9)


def test_ray_round_a_corner_reaches_the_far_wall(square):
    # From (90, 2) heading 25 degrees left, the ray passes just right of the inner corner
    # (95, 5) (at x = 95 it is at y = 4.33) and meets the outer wall x = 105 at y = 8.99.
    xy = np.array([[90.0, 2.0]])
    seg, _ = square.locate(xy, [0])
    got = square.cast_rays(xy, seg, [[math.radians(25)]])[0, 0]
    assert got == pytest.approx(15.0 / math.cos(math.radians(25)), abs=1e-9)


def test_progress_and_lateral_offset_on_the_square(square):
    xy = np.array([[50.0, 2.0], [100.0 + 3.0, 50.0], [20.0, 100.0 - 1.0]])
    seg, inside = square.locate(xy, [50, 150, 280])
    assert inside.all()
    s, lateral = square.progress(xy, seg)
    np.testing.assert_allclose(s, [50.0, 150.0, 280.0])
    np.testing.assert_allclose(lateral, [2.0, -3.0, 1.0])


def test_points_off_the_track_are_not_located(square):
    _seg, inside = square.locate(np.array([[50.0, 5.5], [50.0, -5.5], [50.0, 50.0]]), [50, 50, 50])
    assert not inside.any()


def test_progress_increases_along_the_centreline_of_every_shipped_track():
    for name in shipped_tracks():
        track = load_track(name)
        s = np.linspace(0.0, track.length_m, 200, endpoint=False)
        xy, _ = track.pose_at(s)
        seg, inside = track.locate(xy, track.segment_at(s))
        assert inside.all(), name
        got, lateral = track.progress(xy, seg)
        # A point exactly on a quad's edge may be counted in the quad behind: s = L is s = 0.
        wrapped = (got - s + track.length_m / 2) % track.length_m - track.length_m / 2
        np.testing.assert_allclose(wrapped, 0.0, atol=1e-6)
        np.testing.assert_allclose(lateral, 0.0, atol=1e-6)


def _brute_force_ray(track, point, angle):
    """Nearest crossing of the ray with any border segment, by checking every one."""
    starts = np.vstack([track.left_m, track.right_m])
    ends = np.vstack([np.roll(track.left_m, -1, 0), np.roll(track.right_m, -1, 0)])
    d = np.array([math.cos(angle), math.sin(angle)])
    e, w = ends - starts, starts - point
    den = d[0] * e[:, 1] - d[1] * e[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / den
        u = (w[:, 0] * d[1] - w[:, 1] * d[0]) / den
    hits = t[(t >= 0) & (u >= 0) & (u <= 1)]
    return min(hits.min(initial=np.inf), MAX_RANGE_M)


@pytest.mark.parametrize("name", shipped_tracks())
def test_rays_match_brute_force_on_random_points(name):
    track = load_track(name)
    rng = np.random.default_rng(7)
    s = rng.uniform(0, track.length_m, 300)
    xy, heading = track.pose_at(s)
    offset = rng.uniform(-0.95, 0.95, 300) * track.half_width_m
    xy = xy + offset[:, None] * np.column_stack([-np.sin(heading), np.cos(heading)])
    seg, inside = track.locate(xy, track.segment_at(s))
    assert inside.all()
    angles = rng.uniform(-math.pi, math.pi, (300, 1))
    got = track.cast_rays(xy, seg, angles)[:, 0]
    expected = [_brute_force_ray(track, p, a) for p, a in zip(xy, angles[:, 0], strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-9)
