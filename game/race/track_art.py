"""A track drawn as a circuit, once, onto the background the race view blits every frame: mown
grass with trees, gravel outside the corners, asphalt, red and white kerbs at the corners, white
edge lines along the straights, and a chequered start/finish line under a banner."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pygame

from game.race.track import Track

Points = npt.NDArray[np.float64]
ToPixels = Callable[[Points], Points]
"""World metres [..., 2] to pixels of the background surface."""

GRASS = ((52, 112, 58), (58, 122, 64))
"""Mown grass: the two shades of its stripes."""
GRASS_STRIPE_M = 12.0
TREE, TREE_DARK, TREE_LIGHT = (34, 86, 44), (24, 62, 32), (62, 130, 70)
GRAVEL = (196, 178, 132)
ASPHALT = (72, 74, 80)
EDGE_LINE = (232, 232, 232)
KERB = ((210, 40, 40), (240, 240, 240))
BANNER, BANNER_TEXT = (30, 34, 44), (250, 200, 60)

CORNER_RADIUS_M = 70.0
"""Where the centreline bends tighter than this, the borders get kerbs (and gravel outside)."""
KERB_WIDTH_M = 1.0
GRAVEL_WIDTH_M = 5.0
EDGE_LINE_M = 0.35
TREE_CLEARANCE_M = 10.0
"""Trees stand at least this far from the track's edge."""
TREES_PER_HECTARE = 8.0
BANNER_GAP_M = 4.0
"""The start/finish banner stands this far outside the track (beyond any gravel)."""


def corner_mask(track: Track) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Per centreline vertex: whether it is in a corner, and which way it turns (+1 left)."""
    heading = np.arctan2(track.seg_dir[:, 1], track.seg_dir[:, 0])
    turn = (heading - np.roll(heading, 1) + np.pi) % (2 * np.pi) - np.pi
    curvature = turn / np.maximum(track.seg_len_m, 1e-9)
    # averaged over a few vertices: a corner's kerb runs through it without gaps
    window = np.ones(5) / 5
    smooth = np.convolve(
        np.concatenate([curvature[-2:], curvature, curvature[:2]]), window, "valid"
    )
    return np.abs(smooth) > 1.0 / CORNER_RADIUS_M, np.sign(smooth)


def draw_track(surface: pygame.Surface, track: Track, to_px: ToPixels, scale: float) -> None:
    """Draw `track` onto `surface` (`scale` pixels per metre)."""
    _grass(surface, to_px, scale)
    _trees(surface, track, to_px, scale)
    corners, turn = corner_mask(track)
    left, right, centre = track.left_m, track.right_m, track.centerline_m
    # gravel outside each corner: beyond the right border in a left turn, the left in a right one
    outside = np.where((turn > 0)[:, None], right, left)
    _band(surface, to_px, outside, centre, -GRAVEL_WIDTH_M, corners, (GRAVEL, GRAVEL))
    nxt = np.roll(np.arange(len(left)), -1)
    left_px, right_px = to_px(left), to_px(right)
    for k in range(len(left)):
        quad = [left_px[k], left_px[nxt[k]], right_px[nxt[k]], right_px[k]]
        pygame.draw.polygon(surface, ASPHALT, quad)
    straights = ~corners
    for border in (left, right):
        _band(surface, to_px, border, centre, EDGE_LINE_M, straights, (EDGE_LINE, EDGE_LINE))
        _band(surface, to_px, border, centre, KERB_WIDTH_M, corners, KERB)
    _start_line(surface, track, to_px, scale)


def _grass(surface: pygame.Surface, to_px: ToPixels, scale: float) -> None:
    """Diagonal stripes of two shades, as a mown field."""
    width, height = surface.get_size()
    origin = to_px(np.zeros(2))
    # A pixel's shade depends on x + y only: one colour per diagonal, viewed as the [x, y]
    # array without filling it (a followed long track's 3000x2500 background: 0.33 s -> 8 ms,
    # the same pixels; live training across tracks draws a new track every few seconds).
    diagonal = np.arange(width + height - 1) - origin[0] - origin[1]
    stripe = (diagonal / (GRASS_STRIPE_M * scale)).astype(np.int64) % 2
    shades = np.array(GRASS, dtype=np.uint8)[stripe]
    step, channel = shades.strides
    pixels = np.lib.stride_tricks.as_strided(
        shades, (width, height, 3), (step, step, channel), writeable=False
    )
    pygame.surfarray.blit_array(surface, pixels)


def _trees(surface: pygame.Surface, track: Track, to_px: ToPixels, scale: float) -> None:
    """Trees scattered over the grass, clear of the track (the same ones every time)."""
    border = np.vstack([track.left_m, track.right_m])
    lo, hi = border.min(axis=0) - 90, border.max(axis=0) + 90
    area_ha = float(np.prod(hi - lo)) / 10_000
    rng = np.random.default_rng(len(track.left_m))
    spots = rng.uniform(lo, hi, size=(int(area_ha * TREES_PER_HECTARE) + 8, 2))
    centre = track.centerline_m
    for spot in spots:
        radius_m = rng.uniform(2.0, 4.0)
        clear = np.min(np.hypot(*(centre - spot).T)) - track.half_width_m - GRAVEL_WIDTH_M
        if clear < TREE_CLEARANCE_M + radius_m:
            continue
        x, y = to_px(spot)
        r = max(2.0, radius_m * scale)
        pygame.draw.circle(surface, TREE_DARK, (x + 0.3 * r, y + 0.3 * r), r)  # its shadow
        pygame.draw.circle(surface, TREE, (x, y), r)
        pygame.draw.circle(surface, TREE_LIGHT, (x - 0.3 * r, y - 0.3 * r), 0.45 * r)


def _band(
    surface: pygame.Surface,
    to_px: ToPixels,
    border: Points,
    centre: Points,
    width_m: float,
    where: npt.NDArray[np.bool_],
    colours: tuple[tuple[int, int, int], tuple[int, int, int]],
) -> None:
    """A strip along `border` (inwards, towards the centreline, by `width_m`; outwards when
    negative) over the segments `where` says, its colours alternating segment by segment."""
    inward = centre - border
    inward /= np.maximum(np.hypot(*inward.T), 1e-9)[:, None]
    inner = border + inward * width_m
    outer_px, inner_px = to_px(border), to_px(inner)
    count = len(border)
    for k in np.flatnonzero(where):
        n = (k + 1) % count
        quad = [outer_px[k], outer_px[n], inner_px[n], inner_px[k]]
        pygame.draw.polygon(surface, colours[k % 2], quad)


def _start_line(surface: pygame.Surface, track: Track, to_px: ToPixels, scale: float) -> None:
    """Two rows of chequers across the track at the start, and a banner over them."""
    (start,), (heading,) = track.pose_at(np.array([track.start_s_m]))
    forward = np.array([np.cos(heading), np.sin(heading)])
    normal = np.array([-forward[1], forward[0]])
    half = track.half_width_m
    squares = max(6, round(track.width_m / 1.5))
    size_m = track.width_m / squares
    for row in range(2):
        for i in range(squares):
            corner = start + normal * (-half + i * size_m) + forward * (row - 1) * size_m
            quad = [corner, corner + normal * size_m]
            quad += [quad[1] + forward * size_m, corner + forward * size_m]
            colour = (245, 245, 245) if (i + row) % 2 else (20, 20, 20)
            pygame.draw.polygon(surface, colour, to_px(np.array(quad)))
    # the banner: a board beside the line, on the side away from the infield
    away = normal if np.dot(start - track.centerline_m.mean(axis=0), normal) > 0 else -normal
    middle = start + away * (half + GRAVEL_WIDTH_M + BANNER_GAP_M)
    length_m, depth_m = max(14.0, track.width_m * 1.6), 2.6
    board = [
        middle + forward * sign_f * length_m / 2 + away * sign_a * depth_m / 2
        for sign_f, sign_a in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    board_px = to_px(np.array(board))
    pygame.draw.polygon(surface, BANNER, board_px)
    pygame.draw.polygon(surface, BANNER_TEXT, board_px, max(1, round(0.2 * scale)))
    if not pygame.font.get_init():
        pygame.font.init()
    font = pygame.font.Font(None, max(10, round(2.6 * scale)))
    words = font.render("START  ·  FINISH", True, BANNER_TEXT)
    along = board_px[1] - board_px[0]
    fit = min(1.0, 0.85 * float(np.hypot(*along)) / words.get_width())
    # along the board, turned so it never reads upside down
    angle = float(np.degrees(np.arctan2(-along[1], along[0])))
    angle = (angle + 90) % 180 - 90
    words = pygame.transform.rotozoom(words, angle, fit)
    surface.blit(words, words.get_rect(center=tuple(np.mean(board_px, axis=0))))
