"""Fuzzed track files: every file is refused with one line naming it, or loads into a usable
track."""

import itertools
import json
import math
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.errors import TrackError
from game.race.quads import MAX_RANGE_M
from game.race.track import LENGTH_RANGE_M, Track, build_track, load_track
from game.race.track_fields import MAX_ABS_COORD_M, MAX_POINTS, WIDTH_RANGE_M
from game.race.track_file import MAX_FILE_BYTES, TRACKS_DIR, parse_track

FUZZ = settings(
    max_examples=60,
    deadline=5_000,  # ms per file: the worst legal file takes ~0.6 s, a hang fails
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHIPPED = [p.read_bytes() for p in sorted(TRACKS_DIR.glob("*.json"))]
_names = itertools.count()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Where the fuzzed files go; numba compiles the track queries first, outside any deadline."""
    assert_usable(load_track("oval"))
    return tmp_path_factory.mktemp("fuzz")


def load_outcome(folder: Path, content: bytes) -> Track | None:
    """Load `content` as a track file: a valid Track, or None after checking the one-line error.

    Each file gets a new name: load_track caches by (path, mtime, size).
    """
    path = folder / f"track{next(_names)}.json"
    path.write_bytes(content)
    try:
        track = load_track(path)
    except TrackError as error:
        message = str(error)
        assert message.startswith(f"{path.resolve()}: ") or message.startswith(f"{path}: ")
        problem = message.split(".json: ", 1)[1]
        assert problem.strip() and "\n" not in message and "\r" not in message
        assert len(message) < 300 + len(str(path)), message
        return None
    assert_usable(track)
    return track


def assert_usable(track: Track) -> None:
    """What a loaded track promises the simulation, checked from outside the loader."""
    centre, direction, length = track.centerline_m, track.seg_dir, track.seg_len_m
    for array in (centre, direction, length, track.left_m, track.right_m):
        assert np.isfinite(array).all()
    assert LENGTH_RANGE_M[0] <= track.length_m <= LENGTH_RANGE_M[1]
    assert WIDTH_RANGE_M[0] <= track.width_m <= WIDTH_RANGE_M[1]
    assert 0 < track.time_limit_s < math.inf and 0 <= track.start_s_m < track.length_m
    assert (length > 0).all()
    assert track.name.isprintable() and track.description.isprintable()  # safe to show and print
    # the middle of every centreline segment lies in its own quad (a folded border breaks this)
    mids = centre + direction * (length[:, None] / 2)
    segments = np.arange(len(mids))
    found, inside = track.locate(mids, segments)
    assert inside.all() and (found == segments).all()
    # a car anywhere along the centreline sees finite, positive distances to the borders
    some = segments[:: max(1, len(segments) // 50)]
    headings = np.arctan2(direction[some, 1], direction[some, 0])
    rays = track.cast_rays(mids[some], some, headings[:, None] + np.linspace(-3.0, 3.0, 7))
    assert ((rays > 0) & (rays <= MAX_RANGE_M)).all()


def track_json(**fields) -> dict:
    """A minimal track dict with `fields` added or replaced."""
    return {"schema_version": 1, "name": "Fuzz", "width_m": 10.0, **fields}


def encode(value) -> bytes:
    """JSON text as Python writes it, NaN and Infinity included."""
    return json.dumps(value, allow_nan=True).encode()


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from([10**400, -(10**400), 1e308, -1e308, 5e-324, -0.0, 0, -1, 2**63])
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=25,
)
coordinates = st.floats(-2 * MAX_ABS_COORD_M, 2 * MAX_ABS_COORD_M) | json_leaves
FIELD_NAMES = [
    "schema_version",
    "name",
    "description",
    "width_m",
    "centerline_m",
    "smooth",
    "start_fraction",
    "reverse",
    "time_limit_s",
]


@FUZZ
@given(st.binary(max_size=2_000))
def test_random_bytes(folder, content):
    load_outcome(folder, content)


@FUZZ
@given(json_values)
def test_any_json_value(folder, value):
    load_outcome(folder, encode(value))


@FUZZ
@given(
    base=st.sampled_from(SHIPPED),
    changes=st.dictionaries(st.sampled_from([*FIELD_NAMES, "extra", ""]), json_values, max_size=3),
    dropped=st.sets(st.sampled_from(FIELD_NAMES), max_size=2),
)
def test_shipped_track_with_hostile_fields(folder, base, changes, dropped):
    data = {**json.loads(base), **changes}
    for name in dropped:
        data.pop(name, None)
    load_outcome(folder, encode(data))


@FUZZ
@given(
    points=st.lists(st.lists(coordinates, min_size=0, max_size=3), max_size=40),
    close=st.booleans(),
    width=st.floats(-10, 80) | json_leaves,
    smooth=st.booleans(),
)
def test_hostile_centrelines(folder, points, close, width, smooth):
    if close and points:
        points = [*points, points[0]]
    load_outcome(folder, encode(track_json(centerline_m=points, width_m=width, smooth=smooth)))


@FUZZ
@given(
    radii=st.lists(st.floats(5, 400), min_size=4, max_size=60),
    jitter=st.floats(0, 0.9),
    width=st.floats(0, 70),
    smooth=st.booleans(),
    reverse=st.booleans(),
    start=st.floats(0, 1, exclude_max=True),
)
def test_random_star_shaped_loops(folder, radii, jitter, width, smooth, reverse, start):
    """Mostly loadable loops (some too tight for their width): the valid path gets fuzzed too."""
    n = len(radii)
    angles = [2 * math.pi * (i + jitter * ((i * 7919) % 13) / 13) / n for i in range(n)]
    points = [
        [round(r * math.cos(a), 3), round(r * math.sin(a), 3)]
        for r, a in zip(radii, angles, strict=True)
    ]
    data = track_json(
        centerline_m=[*points, points[0]],
        width_m=width,
        smooth=smooth,
        reverse=reverse,
        start_fraction=start,
    )
    load_outcome(folder, encode(data))


@FUZZ
@given(
    points=st.lists(st.tuples(st.integers(-60, 60), st.integers(-60, 60)), min_size=4, max_size=12),
    scale=st.sampled_from([0.01, 1.0, 3.0, 50.0]),
    smooth=st.booleans(),
)
def test_random_polygons_often_self_intersecting(folder, points, scale, smooth):
    loop = [[x * scale, y * scale] for x, y in points]
    load_outcome(folder, encode(track_json(centerline_m=[*loop, loop[0]], smooth=smooth)))


@FUZZ
@given(
    base=st.sampled_from(SHIPPED),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 2), st.binary(min_size=0, max_size=4)),
        min_size=1,
        max_size=6,
    ),
)
def test_byte_level_mutations_of_shipped_tracks(folder, base, edits):
    """Replace, insert or delete bytes anywhere (invalid UTF-8 and broken JSON included)."""
    content = bytearray(base)
    for where, kind, data in edits:
        at = int(where * len(content))
        if kind == 0:
            content[at : at + len(data)] = data
        elif kind == 1:
            content[at:at] = data
        else:
            del content[at : at + 1 + len(data)]
    load_outcome(folder, bytes(content))


@FUZZ
@given(
    depth=st.integers(1, 200_000),
    opener=st.sampled_from(["[", '{"a":']),
    field=st.sampled_from(["width_m", "centerline_m", "name", None]),
)
def test_deeply_nested_json(folder, depth, opener, field):
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    text = (
        nested
        if field is None
        else json.dumps(track_json()).replace("}", f', "{field}": {nested}}}', 1)
    )
    load_outcome(folder, text.encode())


@pytest.mark.parametrize(
    "content",
    [
        b"[" + b"[0, 0]," * 150_000 + b"[0, 0]]",  # 1 MB of points
        b'{"name": "' + b"x" * (MAX_FILE_BYTES - 20) + b'"}',  # a string filling the file
        b'{"width_m": ' + b"9" * 5_000 + b"}",  # more digits than Python converts
        b'{"width_m": 1e999999}',  # a float that overflows to infinity
        encode(
            track_json(
                name="\x00 \ud800", centerline_m=[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]
            )
        ),
    ],
    ids=[
        "million-points",
        "huge-string",
        "huge-integer",
        "overflowing-float",
        "control-characters",
    ],
)
def test_huge_and_odd_files_are_refused(folder, content):
    assert load_outcome(folder, content) is None


def test_worst_case_legal_sized_file_is_fast_and_small(folder):
    """1000 points spread over the whole ±10 km box: refused as too long, before any smoothing."""
    rng = np.random.default_rng(0)
    points = rng.uniform(-MAX_ABS_COORD_M, MAX_ABS_COORD_M, (MAX_POINTS, 2)).round(1).tolist()
    content = encode(track_json(centerline_m=[*points, points[0]]))
    tracemalloc.start()
    start_s = time.perf_counter()
    try:
        assert load_outcome(folder, content) is None
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start_s < 2.0
    assert peak_mb < 50


def test_longest_legal_track_loads_within_bounds(folder):
    """A 1000-point loop just under 20 km, unsmoothed then smoothed: loads in bounded time and
    memory."""
    bottom = [[x * 9.0, 0.0] for x in range(997)]
    points = [*bottom, [bottom[-1][0], 100.0], [0.0, 100.0], [0.0, 0.0]]
    for smooth in (False, True):
        tracemalloc.start()
        start_s = time.perf_counter()
        try:
            track = load_outcome(folder, encode(track_json(centerline_m=points, smooth=smooth)))
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
        assert track is not None and track.length_m > 18_000
        assert time.perf_counter() - start_s < 5.0 and peak_mb < 100


def test_a_ray_from_a_point_on_a_quad_edge_leaves_ahead():
    """Found by fuzzing: on the edge between two quads, a ray took that edge (at 0 m) as its
    exit."""
    square = track_json(smooth=False, centerline_m=[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]])
    track = build_track(parse_track(square, "square"))
    # (0, 0) is on the cross edge from (-5, -5) to (5, 5): the outer wall y = -5 is 5√2 m away
    assert track.cast_rays([[0.0, 0.0]], 0, [-math.pi / 4])[0, 0] == pytest.approx(5 * math.sqrt(2))
