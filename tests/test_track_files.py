"""Every kind of bad track file is refused with one line naming the file and the problem."""

import json

import pytest

from game.errors import TrackError
from game.race.track import load_track
from game.race.track_file import shipped_tracks

SQUARE_POINTS = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]


def good(**changes):
    track = {"schema_version": 1, "name": "Test", "width_m": 10.0, "centerline_m": SQUARE_POINTS}
    track.update(changes)
    return {key: value for key, value in track.items() if value is not DROP}


DROP = object()
SHARP_EXPECTED = "sharp_corners: expected a list of distinct point indices from 0 to 3"
FIGURE_EIGHT = [[0, 0], [100, 100], [200, 0], [100, -60], [0, 100], [-50, 50], [0, 0]]

CASES = {
    "not json": (b"{ this is not json", "invalid JSON at line 1"),
    "empty file": (b"", "invalid JSON"),
    "not utf-8": (b'{"name": "\xff\xfe"}', "not UTF-8"),
    "top level is a list": (json.dumps([1, 2]), "expected a JSON object at the top level"),
    "missing width": (good(width_m=DROP), "width_m: missing"),
    "missing centreline": (good(centerline_m=DROP), "centerline_m: missing"),
    "width is a string": (
        good(width_m="wide"),
        'width_m: expected a number in [4, 60], got "wide"',
    ),
    "width is a bool": (good(width_m=True), "width_m: expected a number"),
    "zero width": (good(width_m=0), "width_m: expected a number in [4, 60], got 0"),
    "negative width": (good(width_m=-3.0), "width_m: expected a number in [4, 60], got -3.0"),
    "NaN": (
        b'{"schema_version": 1, "name": "x", "width_m": NaN, "centerline_m": []}',
        "NaN is not a number",
    ),
    "Infinity": (
        b'{"schema_version": 1, "name": "x", "width_m": Infinity, "centerline_m": []}',
        "Infinity is not a number",
    ),
    "overflowing number": (
        '{"schema_version": 1, "name": "x", "width_m": 10, "centerline_m": '
        "[[0, 0], [100, 0], [1e400, 100], [0, 100], [0, 0]]}",
        "centerline_m[2]: expected [x, y] with finite numbers",
    ),
    "open loop": (good(centerline_m=[*SQUARE_POINTS[:-1], [0, 5]]), "expected a closed loop"),
    "too few points": (good(centerline_m=[[0, 0], [100, 0], [50, 80], [0, 0]]), "between 5 and"),
    "point is not a pair": (
        good(centerline_m=[[0, 0], [100, 0, 3], [100, 100], [0, 100], [0, 0]]),
        "centerline_m[1]",
    ),
    "point is text": (
        good(centerline_m=[[0, 0], ["100", 0], [100, 100], [0, 100], [0, 0]]),
        "centerline_m[1]",
    ),
    "centreline is not a list": (good(centerline_m={"a": 1}), "centerline_m: expected a list"),
    "coordinate too large": (
        good(centerline_m=[[0, 0], [100, 0], [100, 2e4], [0, 100], [0, 0]]),
        "within ±10000 m",
    ),
    "repeated point": (
        good(centerline_m=[[0, 0], [100, 0], [100, 0], [100, 100], [0, 100], [0, 0]]),
        "centerline_m[1]: expected a point at least 0.1 m from the next one",
    ),
    "self-intersecting": (
        good(centerline_m=FIGURE_EIGHT, smooth=False),
        "borders that never cross",
    ),
    "curve tighter than half the width": (
        good(width_m=60.0),
        "borders that never cross",
    ),  # corners of radius ~20 m
    "too long": (
        good(centerline_m=[[x * 60, y * 60] for x, y in SQUARE_POINTS]),
        "a loop 40 to 20000 m long",
    ),
    "too short": (
        good(width_m=4.0, centerline_m=[[x / 20, y / 20] for x, y in SQUARE_POINTS], smooth=False),
        "a loop 40 to 20000 m long",
    ),
    "turns back on itself": (
        good(
            smooth=False,
            centerline_m=[[0, 0], [100, 0], [100, 100], [0, 100], [60, 100.5], [-40, 80], [0, 0]],
        ),
        "no hairpin sharper than 150 degrees",
    ),
    "unknown field": (good(widht_m=3), "widht_m: unknown field"),
    "wrong schema version": (good(schema_version=2), "schema_version: expected 1, got 2"),
    "empty name": (good(name=" "), "name: expected a non-empty string"),
    "smooth is a string": (good(smooth="yes"), 'smooth: expected true or false, got "yes"'),
    "sharp corners not a list": (good(sharp_corners=2), f"{SHARP_EXPECTED}, got 2"),
    "sharp corner out of range": (good(sharp_corners=[0, 4]), f"{SHARP_EXPECTED}, got [0, 4]"),
    "sharp corner repeated": (good(sharp_corners=[1, 1]), "(an index repeated)"),
    "sharp corner is a bool": (good(sharp_corners=[True]), f"{SHARP_EXPECTED}, got [true]"),
    "sharp corners, straight edges": (
        good(smooth=False, sharp_corners=[1]),
        'sharp_corners: expected none with "smooth": false',
    ),
    "start fraction is 1": (
        good(start_fraction=1.0),
        "start_fraction: expected a number in [0, 1)",
    ),
    "time limit negative": (good(time_limit_s=-1), "time_limit_s: expected a number in [1, 3600]"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "huge file": (b" " * 1_000_001, "file too large"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_track_file_gives_one_line_naming_file_and_problem(tmp_path, case):
    content, expected = CASES[case]
    path = tmp_path / "bad.json"
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(TrackError) as error:
        load_track(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_missing_track_names_the_flag_and_the_choices():
    with pytest.raises(TrackError) as error:
        load_track("no_such_track")
    message = str(error.value)
    assert message.startswith("--track: expected a shipped track (")
    assert all(name in message for name in shipped_tracks())


def test_the_good_template_loads(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good()))
    assert load_track(path).length_m > 300


def test_at_least_four_shipped_tracks_all_load():
    names = shipped_tracks()
    assert {"oval", "hairpins", "chicanes", "speedway"} <= set(names)
    for name in names:
        assert load_track(name).name


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good()).encode())
    assert load_track(path).name == "Test"
