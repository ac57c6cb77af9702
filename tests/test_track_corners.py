"""Sharp corners on a smooth track: where the vertices go, and that the inner border never folds."""

import math

import numpy as np
import pytest

from game.errors import TrackError
from game.race.track import build_track, centreline
from game.race.track_file import parse_track


def sector(turn_deg, radius=150.0, step=15.0):
    """A pizza slice: apex at the origin turning `turn_deg`, straight radii with points every
    `step` m (smooth pieces, resampled), and an arc; sharp at the apex and both arc ends."""
    apex = math.radians(180 - turn_deg)
    out = [(k * step, 0.0) for k in range(1, int(radius // step))]
    arc_points = max(3, int(apex * radius // 20))
    arc = [
        (radius * math.cos(apex * j / arc_points), radius * math.sin(apex * j / arc_points))
        for j in range(arc_points + 1)
    ]
    back = [(x * math.cos(apex), x * math.sin(apex)) for x, _ in reversed(out)]
    points = [(0.0, 0.0), *out, *arc, *back]
    return [[round(x, 3), round(y, 3)] for x, y in points], [0, 1 + len(out), len(out) + len(arc)]


def track_dict(points, width_m, **fields):
    return {
        "schema_version": 1,
        "name": "t",
        "width_m": width_m,
        "centerline_m": [*points, points[0]],
        **fields,
    }


@pytest.mark.parametrize("turn_deg", [20, 45, 90, 120, 135, 150])
@pytest.mark.parametrize("width_m", [4.0, 10.0, 20.0, 30.0])
def test_sharp_corners_beside_resampled_pieces_never_fold(turn_deg, width_m):
    points, sharp = sector(turn_deg)
    # Without the keep-out (a vertex every 3 m right up to each corner) all 24 of these fold.
    track = build_track(parse_track(track_dict(points, width_m, sharp_corners=sharp), "sector"))
    center = track.centerline_m
    for index in sharp:  # every sharp corner is a vertex, exactly
        assert np.any(np.all(center == points[index], axis=1))
    assert np.array_equal(center[0], points[0])  # the lap starts at the first point, as always
    # At the apex the inner border is the miter point, half a width from both radii.
    half = width_m / 2
    inner = track.left_m[0]
    assert np.hypot(*inner) == pytest.approx(half / math.cos(math.radians(turn_deg) / 2), abs=1e-3)
    assert inner[1] == pytest.approx(half, abs=1e-9)
    # and the resampled pieces still have vertices (not one straight quad per smooth piece)
    assert len(center) > len(points)


def test_every_corner_sharp_is_the_straight_polygon():
    points, _ = sector(90)
    all_sharp = build_track(
        parse_track(track_dict(points, 10.0, sharp_corners=list(range(len(points)))), "a")
    )
    polygon = build_track(parse_track(track_dict(points, 10.0, smooth=False), "b"))
    assert np.array_equal(all_sharp.geometry, polygon.geometry)


def test_a_reversed_file_keeps_its_corners_sharp():
    points, sharp = sector(90)
    reversed_file = parse_track(track_dict(points, 10.0, sharp_corners=sharp, reverse=True), "r")
    by_hand = points[::-1]
    expected = parse_track(
        track_dict(by_hand, 10.0, sharp_corners=[len(points) - 1 - i for i in sharp]), "h"
    )
    assert reversed_file.sharp_corners == expected.sharp_corners
    assert np.array_equal(centreline(reversed_file), centreline(expected))


def test_a_sharp_corner_makes_the_curve_leave_it_heading_for_the_next_point():
    # A square of 12 points; the corner at (100, 0) sharp: the track arrives along y = 0
    # and leaves along x = 100, so the vertices either side of it lie on those lines.
    square = [[25.0 * k, 0.0] for k in range(4)] + [[100.0, 25.0 * k] for k in range(4)]
    square += [[100.0 - 25.0 * k, 100.0] for k in range(4)] + [
        [0.0, 100.0 - 25.0 * k] for k in range(4)
    ]
    spec = parse_track(track_dict(square, 8.0, sharp_corners=[4]), "square")
    center = centreline(spec)
    corner = int(np.flatnonzero(np.all(center == [100.0, 0.0], axis=1))[0])
    assert center[corner - 1, 1] == pytest.approx(0.0, abs=0.05)
    assert center[corner + 1, 0] == pytest.approx(100.0, abs=0.05)


def test_errors_say_where_the_problem_is():
    figure_eight = [[0, 0], [100, 100], [200, 0], [100, -60], [0, 100], [-50, 50]]
    with pytest.raises(TrackError) as crossing:
        build_track(parse_track(track_dict(figure_eight, 10.0, smooth=False), "eight"))
    x, y = crossing.value.at_m
    assert f"near ({x:.1f}, {y:.1f}) m" in str(crossing.value)
    with pytest.raises(TrackError) as coincident:
        parse_track(
            track_dict([[0, 0], [100, 0], [100, 0.05], [100, 100], [0, 100]], 10.0), "close"
        )
    assert coincident.value.point == 1 and coincident.value.at_m == (100.0, 0.0)
    assert str(coincident.value).startswith(
        "close: centerline_m[1]: expected a point at least 0.1 m"
    )
