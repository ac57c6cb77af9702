"""A track being edited: an immutable draft of a track file's fields, and the edits on it.

Every edit returns a new draft, so undo keeps the old one and restores it exactly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from game.race.track_fields import WIDTH_RANGE_M
from game.race.track_file import SCHEMA_VERSION, TrackSpec

Point = tuple[float, float]

SNAP_M = 0.01
"""Edited coordinates are rounded to a centimetre: the file stays readable, nothing visible lost."""
STARTER_RADIUS_M = 60.0
STARTER_POINTS = 8
STARTER_WIDTH_M = 12.0
UNTITLED = "Untitled"
"""The name of a new track until it is saved under one."""


@dataclass(frozen=True)
class TrackDraft:
    """A track file's fields, as edited: the points in driving order, valid or not."""

    points: tuple[Point, ...]
    """The centreline's points in driving order [m] (the closing point is not repeated)."""
    width_m: float = STARTER_WIDTH_M
    sharp: frozenset[int] = frozenset()
    """Indices of the points that are sharp corners."""
    start_fraction: float = 0.0
    name: str = UNTITLED
    description: str = ""
    time_limit_s: float | None = None

    @classmethod
    def from_spec(cls, spec: TrackSpec) -> TrackDraft:
        """The draft of a validated track file (a reversed file's points come in driving order)."""
        points = tuple((float(x), float(y)) for x, y in spec.control_points_m)
        sharp = range(len(points)) if not spec.smooth else spec.sharp_corners
        return cls(
            points,
            spec.width_m,
            frozenset(sharp),
            spec.start_fraction,
            spec.name,
            spec.description,
            spec.time_limit_s,
        )

    @classmethod
    def from_file(cls, data: dict[str, Any]) -> TrackDraft:
        """A draft from what `to_file` wrote (a saved draft, perhaps invalid as a track).

        Raises KeyError, TypeError or ValueError when `data` is not such a dict.
        """
        points = tuple((float(x), float(y)) for x, y in data["centerline_m"][:-1])
        sharp = range(len(points)) if data.get("smooth") is False else data.get("sharp_corners", [])
        limit = data.get("time_limit_s")
        return cls(
            points,
            float(data["width_m"]),
            frozenset(int(i) for i in sharp),
            float(data.get("start_fraction", 0.0)),
            str(data["name"]),
            str(data.get("description", "")),
            None if limit is None else float(limit),
        )

    def to_file(self) -> dict[str, Any]:
        """The track file's JSON object (tracks/README.md), in its documented field order."""
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "name": self.name}
        if self.description:
            data["description"] = self.description
        data["width_m"] = self.width_m
        if self.points and len(self.sharp) == len(self.points):
            data["smooth"] = False
        elif self.sharp:
            data["sharp_corners"] = sorted(self.sharp)
        if self.start_fraction:
            data["start_fraction"] = self.start_fraction
        if self.time_limit_s is not None:
            data["time_limit_s"] = self.time_limit_s
        data["centerline_m"] = [list(p) for p in (*self.points, *self.points[:1])]
        return data


def starter_loop() -> TrackDraft:
    """A small round loop to start a new track from."""
    points = tuple(
        snap(
            (
                STARTER_RADIUS_M * math.cos(2 * math.pi * k / STARTER_POINTS),
                STARTER_RADIUS_M * math.sin(2 * math.pi * k / STARTER_POINTS),
            )
        )
        for k in range(STARTER_POINTS)
    )
    return TrackDraft(points)


def snap(xy: tuple[float, float]) -> Point:
    """A position rounded to SNAP_M."""
    return (round(float(xy[0]), 2), round(float(xy[1]), 2))


def insert_point(draft: TrackDraft, index: int, xy: tuple[float, float]) -> TrackDraft:
    """A new point at position `index` (0 to len); it is smooth, unless every corner is sharp."""
    all_sharp = len(draft.points) >= 2 and len(draft.sharp) == len(draft.points)
    sharp = {i + (i >= index) for i in draft.sharp} | ({index} if all_sharp else set())
    points = (*draft.points[:index], snap(xy), *draft.points[index:])
    return dataclasses.replace(draft, points=points, sharp=frozenset(sharp))


def move_point(draft: TrackDraft, index: int, xy: tuple[float, float]) -> TrackDraft:
    """Point `index` moved to `xy`."""
    points = (*draft.points[:index], snap(xy), *draft.points[index + 1 :])
    return dataclasses.replace(draft, points=points)


def delete_point(draft: TrackDraft, index: int) -> TrackDraft:
    """Point `index` removed (a sharp corner there goes with it)."""
    sharp = {i - (i > index) for i in draft.sharp if i != index}
    points = (*draft.points[:index], *draft.points[index + 1 :])
    return dataclasses.replace(draft, points=points, sharp=frozenset(sharp))


def set_width(draft: TrackDraft, width_m: float) -> TrackDraft:
    """The track `width_m` wide, kept within the file's range."""
    low, high = WIDTH_RANGE_M
    return dataclasses.replace(draft, width_m=round(min(max(width_m, low), high), 2))


def toggle_sharp(draft: TrackDraft, index: int) -> TrackDraft:
    """Point `index` switched between a smooth curve and a sharp corner."""
    return dataclasses.replace(draft, sharp=draft.sharp ^ {index})


def set_start(draft: TrackDraft, fraction: float) -> TrackDraft:
    """The start line `fraction` of the lap from the first point (to a millionth of a lap)."""
    return dataclasses.replace(draft, start_fraction=round(fraction % 1.0, 6) % 1.0)


def reverse(draft: TrackDraft) -> TrackDraft:
    """The same loop driven the other way, from the same first point and the same start line.

    Points 1..K-1 are reversed and point 0 stays first, so the lap is measured from the same
    place in the other direction: a start line at fraction f is then at 1 - f.
    """
    count = len(draft.points)
    points = (*draft.points[:1], *draft.points[:0:-1])
    sharp = frozenset((count - i) % count for i in draft.sharp)
    turned = dataclasses.replace(draft, points=points, sharp=sharp)
    return set_start(turned, 1.0 - draft.start_fraction)
