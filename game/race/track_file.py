"""Track files: find them, read them and validate every field (the format is in
tracks/README.md)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from agent.files import write_text_atomically
from game.errors import TrackError

SCHEMA_VERSION = 1
TRACKS_DIR = Path(__file__).resolve().parents[2] / "tracks"
DEFAULT_TRACK = "oval"

MAX_FILE_BYTES = 1_000_000
MAX_POINTS = 1_000
MAX_ABS_COORD_M = 10_000.0
MIN_POINT_SPACING_M = 0.1
WIDTH_RANGE_M = (4.0, 60.0)
MAX_TIME_LIMIT_S = 3_600.0
MAX_NAME_CHARS = 60
MAX_DESCRIPTION_CHARS = 500

Fail = Callable[[str, str, str], TrackError]
"""Builds the error for (field, what was expected, what was found)."""

FIELDS = {
    "schema_version",
    "name",
    "description",
    "width_m",
    "centerline_m",
    "smooth",
    "sharp_corners",
    "start_fraction",
    "reverse",
    "time_limit_s",
}


@dataclass(frozen=True)
class TrackSpec:
    """A validated track file: the closed centreline's control points and how to build the track."""

    name: str
    width_m: float
    control_points_m: npt.NDArray[np.float64]
    """[K, 2] distinct control points of the closed centreline (the repeated closing point
    dropped)."""
    smooth: bool
    start_fraction: float
    reverse: bool
    time_limit_s: float | None
    description: str
    source: str
    """Where the spec came from (a path), used in every error message."""
    sharp_corners: tuple[int, ...] = ()
    """Indices into control_points_m (ascending) of the sharp corners of a smooth track."""


def shipped_tracks() -> list[str]:
    """Names of the tracks shipped in tracks/, sorted."""
    return sorted(p.stem for p in TRACKS_DIR.glob("*.json"))


def resolve_track_path(track: str | Path) -> Path:
    """A shipped track's name, or a path to a track file, as a path; TrackError if neither
    exists."""
    text = str(track)
    if text in shipped_tracks():
        return TRACKS_DIR / f"{text}.json"
    path = Path(text).expanduser()
    if path.is_file():
        return path
    raise TrackError(
        f"--track: expected a shipped track ({', '.join(shipped_tracks())}) "
        f"or a track file, got {text!r} (no such file)"
    )


def read_track_file(path: Path) -> TrackSpec:
    """Read and validate a track file; every problem is a one-line TrackError naming the file."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise TrackError(f"{source}: cannot read the file ({error.strerror or error})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise TrackError(f"{source}: file too large: expected at most {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as error:
        raise TrackError(f"{source}: not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise TrackError(f"{source}: invalid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise TrackError(f"{source}: invalid JSON: nested too deeply") from None
    except ValueError as error:
        raise TrackError(f"{source}: invalid JSON: {error}") from None
    return parse_track(data, source)


def write_track_file(spec: TrackSpec, path: str | Path) -> None:
    """Save `spec` as a track file at `path`, atomically; it reads back to the same spec geometry.

    The control points are written in driving order (so without `reverse`), every number as
    Python's shortest exact repr. TrackError (one line) if the file cannot be written.
    """
    try:
        write_text_atomically(path, track_file_text(track_file_data(spec)))
    except OSError as error:
        raise TrackError(f"{path}: cannot write the file ({error.strerror or error})") from None


def track_file_data(spec: TrackSpec) -> dict[str, Any]:
    """`spec` as the content of a track file (a JSON-ready dict, the closing point repeated)."""
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "name": spec.name}
    if spec.description:
        data["description"] = spec.description
    data.update(width_m=spec.width_m, smooth=spec.smooth, start_fraction=spec.start_fraction)
    if spec.sharp_corners:
        data["sharp_corners"] = list(spec.sharp_corners)
    if spec.time_limit_s is not None:
        data["time_limit_s"] = spec.time_limit_s
    data["centerline_m"] = [*spec.control_points_m.tolist(), spec.control_points_m[0].tolist()]
    return data


def track_file_text(data: dict[str, Any]) -> str:
    """A track file's JSON as the shipped files lay it out: a field per line, a point per line."""
    lines = [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in data.items()
        if key != "centerline_m"
    ]
    points = ",\n".join(f"    {json.dumps(point)}" for point in data["centerline_m"])
    lines.append(f'  "centerline_m": [\n{points}\n  ]')
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _reject_constant(name: str) -> float:
    """Refuse NaN and Infinity, which Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not a number")


def parse_track(data: Any, source: str) -> TrackSpec:
    """Validate decoded JSON as a track; TrackError names the source, the field and the problem."""

    def fail(field: str, expected: str, got: str) -> TrackError:
        return TrackError(f"{source}: {field}: expected {expected}, got {got}")

    if not isinstance(data, dict):
        raise TrackError(
            f"{source}: expected a JSON object at the top level, got {_describe(data)}"
        )
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        field = (
            unknown[0] if unknown[0].isidentifier() else _describe(unknown[0])
        )  # one line, short
        raise TrackError(f"{source}: {field}: unknown field (expected {', '.join(sorted(FIELDS))})")
    for required in ("schema_version", "name", "width_m", "centerline_m"):
        if required not in data:
            raise TrackError(f"{source}: {required}: missing (a required field)")

    version = data["schema_version"]
    if not _is_int(version) or version != SCHEMA_VERSION:
        raise fail("schema_version", str(SCHEMA_VERSION), _describe(version))
    name = data["name"]
    if not _is_text(name, MAX_NAME_CHARS) or not name.strip():
        raise fail(
            "name",
            f"a non-empty string of at most {MAX_NAME_CHARS} printable characters",
            _describe(name),
        )
    description = data.get("description", "")
    if not _is_text(description, MAX_DESCRIPTION_CHARS):
        raise fail(
            "description",
            f"a string of at most {MAX_DESCRIPTION_CHARS} printable characters",
            _describe(description),
        )
    width_m = _number(data["width_m"], "width_m", *WIDTH_RANGE_M, fail)
    smooth = _boolean(data.get("smooth", True), "smooth", fail)
    reverse = _boolean(data.get("reverse", False), "reverse", fail)
    start_fraction = _number(data.get("start_fraction", 0.0), "start_fraction", 0.0, 1.0, fail)
    if start_fraction >= 1.0:
        raise fail("start_fraction", "a number in [0, 1)", _describe(start_fraction))
    time_limit = data.get("time_limit_s")
    time_limit_s = (
        None
        if time_limit is None
        else _number(time_limit, "time_limit_s", 1.0, MAX_TIME_LIMIT_S, fail)
    )
    points = _control_points(data["centerline_m"], fail)
    sharp = _sharp_corners(data.get("sharp_corners", []), len(points), smooth, fail)
    if reverse:
        points, sharp = points[::-1].copy(), sorted(len(points) - 1 - i for i in sharp)
    return TrackSpec(
        name=name.strip(),
        width_m=width_m,
        control_points_m=points,
        sharp_corners=tuple(sharp),
        smooth=smooth,
        start_fraction=start_fraction,
        reverse=reverse,
        time_limit_s=time_limit_s,
        description=description,
        source=source,
    )


def _control_points(value: Any, fail: Fail) -> npt.NDArray[np.float64]:
    """The centreline as distinct [K, 2] points; it must be closed (last point = first point)."""
    field = "centerline_m"
    if not isinstance(value, list):
        raise fail(field, "a list of [x, y] points in metres", _describe(value))
    if not 5 <= len(value) <= MAX_POINTS + 1:
        raise fail(
            field,
            f"between 5 and {MAX_POINTS + 1} points (4 distinct + the closing one)",
            f"{len(value)} points",
        )
    for index, point in enumerate(value):
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(_is_real(c) and abs(c) <= MAX_ABS_COORD_M for c in point)
        ):
            expected = f"[x, y] with finite numbers within ±{MAX_ABS_COORD_M:g} m"
            error = fail(f"{field}[{index}]", expected, _describe(point))
            error.point = index
            raise error
    points = np.asarray(value, dtype=np.float64)
    gap_m = float(np.hypot(*(points[-1] - points[0])))
    if gap_m > 1e-6:
        raise fail(
            field, "a closed loop: the last point must repeat the first", f"a gap of {gap_m:.3g} m"
        )
    points = points[:-1]
    spacing = np.hypot(*(np.roll(points, -1, axis=0) - points).T)
    if spacing.min() < MIN_POINT_SPACING_M:
        index = int(spacing.argmin())
        error = fail(
            f"{field}[{index}]",
            f"a point at least {MIN_POINT_SPACING_M} m from the next one",
            f"{spacing[index]:.3g} m",
        )
        error.point, error.at_m = index, (float(points[index, 0]), float(points[index, 1]))
        raise error
    return points


def _sharp_corners(value: Any, count: int, smooth: bool, fail: Fail) -> list[int]:
    """The sharp corners of a smooth track: distinct indices of centreline points, ascending."""
    field = "sharp_corners"
    expected = f"a list of distinct point indices from 0 to {count - 1}"
    if not isinstance(value, list) or not all(_is_int(i) and 0 <= i < count for i in value):
        raise fail(field, expected, _describe(value))
    if len(set(value)) != len(value):
        raise fail(field, expected, f"{_describe(value)} (an index repeated)")
    if value and not smooth:
        raise fail(field, 'none with "smooth": false (every corner is sharp)', _describe(value))
    return sorted(value)


def _number(value: Any, field: str, low: float, high: float, fail: Fail) -> float:
    """A finite real number within [low, high]."""
    if not _is_real(value) or not low <= value <= high:
        raise fail(field, f"a number in [{low:g}, {high:g}]", _describe(value))
    return float(value)


def _boolean(value: Any, field: str, fail: Fail) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise fail(field, "true or false", _describe(value))
    return value


def _is_text(value: Any, max_chars: int) -> bool:
    """A string that can be shown and printed: no control characters, no lone surrogates."""
    return isinstance(value, str) and len(value) <= max_chars and value.isprintable()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    """An int or float (not a bool) that is finite (math.isfinite overflows on huge ints)."""
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _describe(value: Any) -> str:
    """A short description of a value for an error message (never the whole of a huge value)."""
    text = json.dumps(value) if _jsonable(value) else repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return False
    return True
