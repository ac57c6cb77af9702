"""Seeded random tracks: a valid track file drawn from a seed, the same one every time.

A seed picks a style (long sweeping curves, tight hairpins, chicanes or sharp corners joined
by straights); a draw picks a width and a size, lays control points round a star-shaped base
loop, adds the style's features to its longest edges, and is validated exactly as a track
file is (`parse_track`, then `build_track`), its length checked against LENGTH_RANGE_M. A draw
that fails is redrawn from the same generator; after MAX_DRAWS failures (none in the first
10,000 seeds) a plain oval, valid by construction, ends the search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from game.errors import TrackError
from game.race.geometry import Points, closed_length
from game.race.track import Track, build_track
from game.race.track_file import SCHEMA_VERSION, TrackSpec, parse_track

TRAINING_SEEDS = range(0, 1_000_000)
"""Seeds training draws its tracks from."""
EVALUATION_SEEDS = range(1_000_000, 1_000_100)
"""Held-out seeds for evaluation, disjoint from TRAINING_SEEDS: no agent has trained on them."""

WIDTH_RANGE_M = (8.0, 20.0)
"""Generated widths. Below 8 m the tightest curve the validator allows (a centreline radius of
half the width) leaves too little room around it for the car's 5.4 m turning circle; above
20 m the borders hardly shape the driving line (the shipped tracks are 11-16 m wide)."""
LENGTH_RANGE_M = (200.0, 2_000.0)
"""Generated lengths: laps of about 10 to 90 s for the scripted driver."""
BASE_PERIMETER_M = (150.0, 1_400.0)
"""Perimeter of the base loop before features are added (drawn log-uniformly)."""
MAX_DRAWS = 40
"""Draws of a seed's style before the oval. The styles with the fewest valid draws (hairpins
and chicanes) have 34% of them valid, so 40 failures in a row would come once in ~10^7 of
their seeds; in the first 10,000 seeds the most draws one took was 23."""

Draw = tuple[Points, str] | None
"""Control points (anticlockwise, not closed) and a phrase for the description; None if the
features did not fit."""
Style = Callable[[np.random.Generator, float, float], Draw]
"""Draws a loop of a given base perimeter and width."""
Feature = Callable[[np.random.Generator, Points, Points, float], "Points | None"]
"""Points to insert into edge a->b of an anticlockwise loop, given the width; None if they do
not fit."""


def generate_track(seed: int) -> TrackSpec:
    """The validated spec of generated track `seed` (an int >= 0): same seed, same track."""
    return parse_track(generate_track_file(seed), f"generated track {seed}")


def generate_track_file(seed: int) -> dict[str, Any]:
    """Generated track `seed` as the content of a track file (a JSON-ready dict), validated."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TrackError(f"seed: expected an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    style = STYLES[int(rng.integers(len(STYLES)))]
    for _ in range(MAX_DRAWS):
        data = _validated(rng, style, seed)
        if data is not None:
            return data
    data = _validated(rng, _oval, seed)
    assert data is not None, "the oval is valid by construction"
    return data


def _validated(rng: np.random.Generator, style: Style, seed: int) -> dict[str, Any] | None:
    """One draw of the style as a named, described track file; None if it is not a valid track."""
    width = round(float(rng.uniform(*WIDTH_RANGE_M)), 1)
    perimeter = float(np.exp(rng.uniform(*np.log(BASE_PERIMETER_M))))
    draw = style(rng, perimeter, width)
    if draw is None:
        return None
    points, character = draw
    if rng.random() < 0.5:
        points = points[::-1]  # clockwise
    points = np.roll(points, -int(rng.integers(len(points))), axis=0)
    data = {
        "schema_version": SCHEMA_VERSION,
        "name": f"Generated #{seed}",
        "width_m": width,
        "smooth": style is not _sharp,
        "centerline_m": np.round(np.vstack([points, points[:1]]), 2).tolist(),
    }
    try:
        track = build_track(parse_track(data, f"generated track {seed}"))
    except TrackError:
        return None
    if not LENGTH_RANGE_M[0] <= track.length_m <= LENGTH_RANGE_M[1]:
        return None
    data["description"] = _describe(character, track)
    return data


def _describe(character: str, track: Track) -> str:
    """One sentence: the character, then the lap's length, direction and width."""
    x, y = track.centerline_m.T
    clockwise = np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0  # twice the signed area
    length = track.length_m
    size = f"{length / 1000:.2f} km" if length >= 1000 else f"{length:.0f} m"
    direction = "clockwise" if clockwise else "anticlockwise"
    return f"{character} on a {size} {direction} loop, {track.width_m:.1f} m wide."


def _sweepers(rng: np.random.Generator, perimeter_m: float, width_m: float) -> Draw:
    """A smooth wobbly loop of 6-10 points: long curves of varying radius."""
    points = _base_loop(rng, perimeter_m, int(rng.integers(6, 11)), float(rng.uniform(0.1, 0.35)))
    return points, "Long sweeping curves"


def _hairpins(rng: np.random.Generator, perimeter_m: float, width_m: float) -> Draw:
    """A smooth loop with 1-3 narrow fingers, each ending in a hairpin."""
    base = _base_loop(rng, perimeter_m, int(rng.integers(4, 7)), 0.15)
    return _with_features(rng, base, width_m, int(rng.integers(1, 4)), _hairpin, "tight hairpin")


def _chicanes(rng: np.random.Generator, perimeter_m: float, width_m: float) -> Draw:
    """A smooth loop with 1-3 S-bends on its longest edges."""
    base = _base_loop(rng, perimeter_m, int(rng.integers(4, 7)), 0.15)
    return _with_features(rng, base, width_m, int(rng.integers(1, 4)), _chicane, "chicane")


def _sharp(rng: np.random.Generator, perimeter_m: float, width_m: float) -> Draw:
    """A polygon of 4-10 corners (drawn with straight edges) and up to two pointed spikes."""
    base = _base_loop(rng, perimeter_m, int(rng.integers(4, 11)), float(rng.uniform(0.1, 0.4)))
    draw = _with_features(rng, base, width_m, int(rng.integers(0, 3)), _spike, "spike")
    if draw is None:
        return None
    turn = np.degrees(np.abs(_turns(draw[0])))
    corners = int(np.sum(turn >= 10))  # the rest are bends in a straight
    return draw[0], f"{corners} sharp corners, the sharpest turning {turn.max():.0f} degrees,"


def _oval(rng: np.random.Generator, perimeter_m: float, width_m: float) -> Draw:
    """An ellipse 1.5 times as long as it is wide whose tightest curve is 3 widths in radius.

    Its minor radius is at least 4.5 widths, so it is 280-1400 m round.
    """
    minor = max(perimeter_m / (2 * math.pi * 1.26), 4.5 * width_m)  # 2 pi 1.26 b round
    angle = np.linspace(0.0, 2 * math.pi, 24, endpoint=False)
    return np.column_stack([1.5 * minor * np.cos(angle), minor * np.sin(angle)]), "A plain oval"


STYLES: tuple[Style, ...] = (_sweepers, _hairpins, _chicanes, _sharp)


def _base_loop(rng: np.random.Generator, perimeter_m: float, count: int, wobble: float) -> Points:
    """`count` points anticlockwise round a stretched, wobbly circle (star-shaped)."""
    angle = 2 * math.pi * (np.arange(count) + rng.uniform(-0.3, 0.3, count)) / count
    radius = 1.0 + wobble * rng.uniform(-1.0, 1.0, count)
    stretch = rng.uniform(1.0, 2.0)
    points = np.column_stack([stretch * radius * np.cos(angle), radius * np.sin(angle)])
    cos, sin = math.cos(turn := rng.uniform(0.0, 2 * math.pi)), math.sin(turn)
    points = points @ np.array([[cos, sin], [-sin, cos]])
    return points * (perimeter_m / closed_length(points))


def _with_features(
    rng: np.random.Generator, base: Points, width_m: float, count: int, feature: Feature, noun: str
) -> Draw:
    """`base` with a feature in each of its `count` longest edges; None if one does not fit."""
    longest = np.argsort(-np.hypot(*(np.roll(base, -1, axis=0) - base).T))[:count]
    pieces = []
    for k in range(len(base)):
        pieces.append(base[k : k + 1])
        if k in longest:
            extra = feature(rng, base[k], base[(k + 1) % len(base)], width_m)
            if extra is None:
                return None
            pieces.append(extra)
    words = ("No", "One", "Two", "Three")
    return np.vstack(pieces), f"{words[count]} {noun}{'' if count == 1 else 's'}"


def _frame(a: Points, b: Points) -> tuple[float, Points, Points]:
    """Length of edge a->b, its unit direction, and the unit normal to its right.

    On an anticlockwise loop the right is outwards.
    """
    length = float(np.hypot(*(b - a)))
    along = (b - a) / length
    return length, along, np.array([along[1], -along[0]])


def _hairpin(rng: np.random.Generator, a: Points, b: Points, width_m: float) -> Points | None:
    """A narrow finger out from edge a->b (or into the loop): out along one side, round a hairpin
    at its tip, back along the other.

    Each foot is cut by two points `corner` either side of it: with the foot itself as a
    control point the spline turned too tightly there, and 36% of draws were valid, now 63%.
    """
    length, along, out = _frame(a, b)
    half = rng.uniform(0.8, 1.6) * width_m  # about the hairpin's radius
    depth = rng.uniform(3.0, 8.0) * width_m
    corner = rng.uniform(0.6, 1.0) * width_m
    room = half + corner + 1.5 * width_m
    if length < 2 * room:
        return None
    up = out if rng.random() < 0.7 else -out  # inwards, a finger can hit the far side
    middle = a + along * rng.uniform(room, length - room)
    feet = [middle - along * half, middle + along * half]
    out_side = [feet[0] - along * corner, feet[0] + up * corner, feet[0] + up * depth]
    back_side = [feet[1] + up * depth, feet[1] + up * corner, feet[1] + along * corner]
    return np.vstack(out_side + back_side)


def _chicane(rng: np.random.Generator, a: Points, b: Points, width_m: float) -> Points | None:
    """An S-bend on edge a->b: swing one way, then the other, then back in line."""
    length, along, out = _frame(a, b)
    stretch = rng.uniform(2.0, 4.0) * width_m
    swing = rng.uniform(0.6, 1.4) * width_m * rng.choice([-1.0, 1.0])
    if length < stretch + 6 * width_m:
        return None
    middle = a + along * rng.uniform(stretch / 2 + 3 * width_m, length - stretch / 2 - 3 * width_m)
    half = along * stretch / 2
    return np.vstack([middle - half + swing * out, middle + half - swing * out])


def _spike(rng: np.random.Generator, a: Points, b: Points, width_m: float) -> Points | None:
    """A pointed finger out from edge a->b, with a sharp corner at its tip."""
    length, along, out = _frame(a, b)
    half = rng.uniform(1.0, 2.0) * width_m
    depth = rng.uniform(2.0, 3.5) * half  # the tip turns 180 - 2 atan(half / depth): 127-148 deg
    if length < 2 * half + 3 * width_m:
        return None
    middle = a + along * rng.uniform(half + 1.5 * width_m, length - half - 1.5 * width_m)
    return np.vstack([middle - along * half, middle + depth * out, middle + along * half])


def _turns(points: Points) -> npt.NDArray[np.float64]:
    """Signed turn [rad] at each point of a closed polygon (positive to the left)."""
    edge = np.roll(points, -1, axis=0) - points
    before = np.roll(edge, 1, axis=0)
    cross = before[:, 0] * edge[:, 1] - before[:, 1] * edge[:, 0]
    return np.arctan2(cross, np.einsum("ij,ij->i", before, edge))
