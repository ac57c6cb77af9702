"""The racing line as the car's sensors read it: by arc length along the centreline."""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt

from game.race.car import CarParams
from game.race.quads import S
from game.race.racing_line import racing_line
from game.race.sensors import LINE_INDEX_M, piece_directions
from game.race.track import Track

_OBSERVED_LINES: weakref.WeakKeyDictionary[
    Track, dict[CarParams, tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]]
] = weakref.WeakKeyDictionary()
"""Each live track's observed_line per car: a swarm's pool (up to 1,024 tracks) is packed again
whenever one track is renewed, and solving a line takes ~1 ms."""


def observed_line(
    track: Track, car: CarParams
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """The track's racing line for `car` as the sensors read it: [P + 1, 4] each point's arc
    length along the centreline, its x and y [m] (the last row closes the loop) and the direction
    [rad] of the line's piece from it to the next (sensors.piece_directions); and its
    index, [M, 2] at every LINE_INDEX_M metres of the centreline the line's row and the
    centreline's segment at or before it (sensors.line_piece, sensors.centreline_segment)."""
    lines = _OBSERVED_LINES.setdefault(track, {})
    if car not in lines:
        line = racing_line(track, car)
        along = line.centreline_s_m
        marks = np.arange(0.0, along[-1], LINE_INDEX_M)
        rows = np.searchsorted(along, marks, side="right") - 1
        segments = np.searchsorted(track.geometry[:, S], marks, side="right") - 1
        table = np.column_stack([along, line.xy, piece_directions(line.xy)])
        lines[car] = table, np.column_stack([rows, segments])
    return lines[car]
