"""A grid over a track: which quad each cell is in, and a table of ray distances to the borders.

The table makes ray casting one lookup per ray, for any number of cars at once: for every cell
whose centre is on the track and for `n_angles` world directions it holds the exact distance
from the cell centre to the first border crossing. A query from a point p in the cell, along
direction u, reads the two nearest directions, interpolates, and subtracts (p - centre) . u, which
is exact for a shift along the ray. The error is bounded by the cell size (documented and tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from game.race.geometry import Points, cross

CELL_M = 0.5
"""Grid cell size [m]."""
N_ANGLES = 90
"""World directions in the ray table (4 degrees apart)."""
MAX_RANGE_M = 50.0
"""Rays longer than this read as this [m]."""
_TABLE_RANGE_M = MAX_RANGE_M + 2 * CELL_M
"""The table reaches a little past MAX_RANGE_M so the in-cell shift never pulls a capped ray short."""
_TABLE_SCALE = 65535.0 / _TABLE_RANGE_M
_MARGIN_CELLS = 2
"""Off-track cells this close to the track borrow the nearest on-track cell's rays."""


@dataclass(frozen=True, eq=False)
class Quads:
    """The track as a ring of quads: quad k spans centreline vertices k and k+1."""

    left: Points
    """[M, 2] left border vertices."""
    right: Points
    """[M, 2] right border vertices."""

    def contains(self, xy: Points, k: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether each point xy[i] lies in quad k[i] (half-open at the far cross edge)."""
        k1 = (k + 1) % len(self.left)
        l0, l1, r0, r1 = self.left[k], self.left[k1], self.right[k], self.right[k1]
        return (
            (cross(r1 - r0, xy - r0) >= 0)
            & (cross(l1 - l0, xy - l0) <= 0)
            & (cross(l0 - r0, xy - r0) <= 0)
            & (cross(l1 - r1, xy - r1) > 0)
        )


@dataclass(frozen=True, eq=False)
class TrackRaster:
    """Grid lookups over one track: the quad under a point, and ray distances to the borders."""

    origin_m: npt.NDArray[np.float64]
    """[2] world position of the grid's lower-left corner."""
    quad_index: npt.NDArray[np.int32]
    """[H, W] quad containing each cell centre, or -1."""
    ray_row: npt.NDArray[np.int32]
    """[H, W] row of the ray table used for points in each cell, or -1 far off the track."""
    row_center_m: Points
    """[rows, 2] the cell centre each table row was cast from."""
    ray_table: npt.NDArray[np.uint16]
    """[rows, N_ANGLES] distance to the border along each world direction, scaled to uint16."""

    def cells(self, xy: Points) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Grid (row, column) of each point, clamped to the grid."""
        height, width = self.quad_index.shape
        col = ((xy[:, 0] - self.origin_m[0]) * (1.0 / CELL_M)).astype(np.intp)
        row = ((xy[:, 1] - self.origin_m[1]) * (1.0 / CELL_M)).astype(np.intp)
        return np.clip(row, 0, height - 1), np.clip(col, 0, width - 1)

    def cast(self, xy: Points, angles_rad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Distance [m] from each point xy[i] along each world angle angles_rad[i, j] to a border.

        Points with no table row (far off the track) read 0.
        """
        row = self.ray_row[self.cells(xy)]
        has_row = row >= 0
        row = np.where(has_row, row, 0)
        bins = angles_rad * (N_ANGLES / (2 * np.pi))
        floor = np.floor(bins)
        weight = bins - floor
        i0 = floor.astype(np.intp) % N_ANGLES
        i1 = (i0 + 1) % N_ANGLES
        rows = row[:, None]
        table = self.ray_table
        scaled = table[rows, i0] * (1.0 - weight) + table[rows, i1] * weight
        offset = xy - self.row_center_m[row]
        along = offset[:, :1] * np.cos(angles_rad) + offset[:, 1:] * np.sin(angles_rad)
        distance = np.clip(scaled * (1.0 / _TABLE_SCALE) - along, 0.0, MAX_RANGE_M)
        return np.where(has_row[:, None], distance, 0.0)


def build_raster(quads: Quads) -> TrackRaster:
    """Rasterise the quads and precompute the ray table for every on-track cell."""
    border = np.vstack([quads.left, quads.right])
    origin = border.min(axis=0) - (_MARGIN_CELLS + 2) * CELL_M
    extent_cells = np.ceil((border.max(axis=0) - origin) / CELL_M).astype(int) + _MARGIN_CELLS + 2
    shape = (int(extent_cells[1]), int(extent_cells[0]))
    quad_index = _rasterise_quads(quads, origin, shape)
    ray_row, row_cells = _assign_rows(quad_index >= 0)
    row_center = origin + (row_cells[:, ::-1] + 0.5) * CELL_M
    count = len(quads.left)
    nxt = np.roll(np.arange(count), -1)
    starts = np.vstack([quads.left, quads.right])
    ends = np.vstack([quads.left[nxt], quads.right[nxt]])
    table = _ray_table(row_center, starts, ends)
    return TrackRaster(origin, quad_index, ray_row, row_center, table)


def _rasterise_quads(quads: Quads, origin: npt.NDArray[np.float64], shape: tuple[int, int]) -> npt.NDArray[np.int32]:
    """[H, W] index of the quad containing each cell centre, -1 where none does."""
    grid = np.full(shape, -1, dtype=np.int32)
    count = len(quads.left)
    corners = np.stack([quads.left, np.roll(quads.left, -1, 0), quads.right, np.roll(quads.right, -1, 0)])
    lo = np.floor((corners.min(axis=0) - origin) / CELL_M).astype(int)
    hi = np.ceil((corners.max(axis=0) - origin) / CELL_M).astype(int)
    for k in range(count):
        cols = np.arange(lo[k, 0], hi[k, 0] + 1)
        rows = np.arange(lo[k, 1], hi[k, 1] + 1)
        cc, rr = np.meshgrid(cols, rows)
        centers = origin + (np.column_stack([cc.ravel(), rr.ravel()]) + 0.5) * CELL_M
        inside = quads.contains(centers, np.full(len(centers), k))
        grid[rr.ravel()[inside], cc.ravel()[inside]] = k
    return grid


def _assign_rows(on_track: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp]]:
    """Give each on-track cell its own table row; nearby off-track cells borrow a neighbour's."""
    row_cells = np.argwhere(on_track)
    ray_row = np.full(on_track.shape, -1, dtype=np.int32)
    ray_row[on_track] = np.arange(len(row_cells), dtype=np.int32)
    for _ in range(_MARGIN_CELLS):
        borrowed = ray_row.copy()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                shifted = np.roll(ray_row, (dy, dx), axis=(0, 1))
                take = (borrowed < 0) & (shifted >= 0)
                borrowed[take] = shifted[take]
        ray_row = borrowed
    return ray_row, row_cells


def _ray_table(centers: Points, starts: Points, ends: Points, bin_m: float = CELL_M / 4) -> npt.NDArray[np.uint16]:
    """[rows, N_ANGLES] scaled distance from each centre to the first border along each direction.

    For each direction, rotate so the ray runs along +u, cut the plane into thin strips across
    it, and list where each border segment crosses each strip. A centre's first crossing ahead
    is then one sorted search in its strip; the crossing is then recomputed exactly at the
    centre's own offset across the ray.
    """
    table = np.empty((len(centers), N_ANGLES), dtype=np.uint16)
    for a in range(N_ANGLES):
        theta = 2 * np.pi * a / N_ANGLES
        along = np.array([np.cos(theta), np.sin(theta)])
        across = np.array([-np.sin(theta), np.cos(theta)])
        u0, v0, u1, v1 = starts @ along, starts @ across, ends @ along, ends @ across
        v_lo, v_hi = np.minimum(v0, v1), np.maximum(v0, v1)
        strip_lo = np.floor(v_lo / bin_m).astype(np.int64)
        counts = np.floor(v_hi / bin_m).astype(np.int64) - strip_lo + 1
        seg = np.repeat(np.arange(len(starts)), counts)
        strip = strip_lo[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
        u = _crossing_u(np.clip((strip + 0.5) * bin_m, v_lo[seg], v_hi[seg]), u0[seg], v0[seg], u1[seg], v1[seg])
        u_min, strip_min = u.min(), strip.min()
        span = float(np.ptp(u)) + _TABLE_RANGE_M + 1.0
        keys = (strip - strip_min) * span + (u - u_min)
        order = np.argsort(keys)
        keys, seg, strip, u = keys[order], seg[order], strip[order], u[order]

        cu, cv = centers @ along, centers @ across
        c_strip = np.floor(cv / bin_m).astype(np.int64)
        found = np.searchsorted(keys, (c_strip - strip_min) * span + (cu - u_min), side="right")
        found = np.minimum(found, len(keys) - 1)
        hit = strip[found] == c_strip
        j = seg[found]
        exact = _crossing_u(np.clip(cv, v_lo[j], v_hi[j]), u0[j], v0[j], u1[j], v1[j])
        # The strip's own crossing stands in when the exact one falls behind (a grazing ray).
        distance = np.where(hit, np.where(exact > cu, exact, u[found]) - cu, _TABLE_RANGE_M)
        table[:, a] = np.round(np.clip(distance, 0.0, _TABLE_RANGE_M) * _TABLE_SCALE).astype(np.uint16)
    return table


def _crossing_u(v, u0, v0, u1, v1):
    """Where a segment crosses the line at offset v across the ray (the near end if it runs along it)."""
    dv = v1 - v0
    flat = np.abs(dv) < 1e-12
    t = np.where(flat, 0.0, (v - v0) / np.where(flat, 1.0, dv))
    return np.where(flat, np.minimum(u0, u1), u0 + t * (u1 - u0))
