"""Track files: find them, read them and validate every field (the format is in
tracks/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agent.files import write_text_atomically
from game.errors import TrackError
from game.race.track_fields import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_TIME_LIMIT_S,
    WIDTH_RANGE_M,
    boolean,
    control_points,
    describe,
    is_int,
    is_text,
    number,
    sharp_corners,
)

SCHEMA_VERSION = 1
TRACKS_DIR = Path(__file__).resolve().parents[2] / "tracks"
DEFAULT_TRACK = "oval"

MAX_FILE_BYTES = 1_000_000

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
        raise TrackError(f"{source}: expected a JSON object at the top level, got {describe(data)}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        field = unknown[0] if unknown[0].isidentifier() else describe(unknown[0])  # one line, short
        raise TrackError(f"{source}: {field}: unknown field (expected {', '.join(sorted(FIELDS))})")
    for required in ("schema_version", "name", "width_m", "centerline_m"):
        if required not in data:
            raise TrackError(f"{source}: {required}: missing (a required field)")

    version = data["schema_version"]
    if not is_int(version) or version != SCHEMA_VERSION:
        raise fail("schema_version", str(SCHEMA_VERSION), describe(version))
    name = data["name"]
    if not is_text(name, MAX_NAME_CHARS) or not name.strip():
        raise fail(
            "name",
            f"a non-empty string of at most {MAX_NAME_CHARS} printable characters",
            describe(name),
        )
    description = data.get("description", "")
    if not is_text(description, MAX_DESCRIPTION_CHARS):
        raise fail(
            "description",
            f"a string of at most {MAX_DESCRIPTION_CHARS} printable characters",
            describe(description),
        )
    width_m = number(data["width_m"], "width_m", *WIDTH_RANGE_M, fail)
    smooth = boolean(data.get("smooth", True), "smooth", fail)
    reverse = boolean(data.get("reverse", False), "reverse", fail)
    start_fraction = number(data.get("start_fraction", 0.0), "start_fraction", 0.0, 1.0, fail)
    if start_fraction >= 1.0:
        raise fail("start_fraction", "a number in [0, 1)", describe(start_fraction))
    time_limit = data.get("time_limit_s")
    time_limit_s = (
        None
        if time_limit is None
        else number(time_limit, "time_limit_s", 1.0, MAX_TIME_LIMIT_S, fail)
    )
    points = control_points(data["centerline_m"], fail)
    sharp = sharp_corners(data.get("sharp_corners", []), len(points), smooth, fail)
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
