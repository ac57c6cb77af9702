"""The race as a person sees it: drawn cars pointing where they drive, the followed one marked,
kerbs at the corners, trails, the start/finish line, and a following view with a minimap on a
long track."""

import math

import numpy as np
import pygame
import pytest

from game.race.car_sprites import FOCUS_COLOUR, TEAM_COLOURS, CarSprites
from game.race.driver import drive
from game.race.racing_line import racing_line
from game.race.render import FOLLOW_PX_PER_M, LINE_AHEAD, MINIMAP_PX, RaceRenderer
from game.race.sensors import POINTS_AHEAD_M
from game.race.track import load_track
from game.race.track_art import ASPHALT, CORNER_RADIUS_M, corner_mask
from game.race.vector_env import RaceVectorEnv

SIZE = (880, 720)


@pytest.fixture(autouse=True)
def display():
    pygame.init()
    yield
    pygame.quit()


def covered_columns(sprite):
    """How many opaque pixels each column of a sprite has."""
    alpha = pygame.surfarray.array_alpha(sprite)  # [x, y]
    return (alpha > 128).sum(axis=1)


def test_a_car_shows_which_way_it_points():
    sprites = CarSprites(4.4, 1.9, scale=8.0)
    east = covered_columns(sprites.get(TEAM_COLOURS[0], 0.0))
    quarter = len(east) // 4
    # the nose is narrower than the tail: pointing +x, the body thins out to the right
    assert east[-quarter:].mean() < 0.85 * east[:quarter].mean()
    west = covered_columns(sprites.get(TEAM_COLOURS[0], math.pi))
    assert west[:quarter].mean() < 0.85 * west[-quarter:].mean()
    # turned a quarter: taller than wide
    north = sprites.get(TEAM_COLOURS[0], math.pi / 2)
    assert north.get_height() > north.get_width()


def race(cars=8, track="oval", steps=60):
    env = RaceVectorEnv(cars, track=track, random_start=True)
    env.reset(seed=0)
    renderer = RaceRenderer(env.sim.track, SIZE)
    surface = pygame.Surface(SIZE)
    for _ in range(steps):
        env.step(drive(env.sim).astype(np.int64))
        renderer.draw(surface, env.sim, focus=0, show_rays=False)
    return env.sim, renderer, surface


def pixels_like(surface, centre, colour, radius=5, tolerance=30):
    """How many pixels around `centre` are within `tolerance` of `colour`."""
    x0, y0 = (round(c) for c in centre)
    return sum(
        np.abs(np.subtract(surface.get_at((x, y))[:3], colour)).max() <= tolerance
        for x in range(x0 - radius, x0 + radius + 1)
        for y in range(y0 - radius, y0 + radius + 1)
    )


def test_the_followed_car_is_gold_and_ringed_the_others_in_team_colours():
    sim, renderer, surface = race()
    centres = renderer.to_screen(np.column_stack([sim.state.x_m, sim.state.y_m]))
    assert pixels_like(surface, centres[0], FOCUS_COLOUR) >= 10
    ring_r = 0.75 * renderer._sprites.size_px[0]
    cx, cy = centres[0]
    pixels = pygame.surfarray.array3d(surface)
    x, y = np.meshgrid(np.arange(SIZE[0]), np.arange(SIZE[1]), indexing="ij")
    annulus = np.abs(np.hypot(x - cx, y - cy) - (ring_r - 1)) <= 1.5
    white = (pixels[annulus] == 255).all(axis=1).sum()
    assert white >= 0.6 * 2 * math.pi * ring_r  # a white ring round the followed car
    for car in range(1, sim.num_cars):
        if np.hypot(*(centres[car] - centres[0])) > 30:  # not under the followed car
            assert pixels_like(surface, centres[car], TEAM_COLOURS[car]) >= 10
            assert pixels_like(surface, centres[car], FOCUS_COLOUR) < 3


def test_kerbs_mark_the_corners_and_not_the_straights():
    oval = load_track("oval")
    corners, turn = corner_mask(oval)
    # the oval: two straights and two half circles, so the mask changes four times round it
    assert np.count_nonzero(corners != np.roll(corners, 1)) == 4
    assert 0.3 < corners.mean() < 0.7
    assert set(np.unique(turn[corners])) == {1.0}  # driven anticlockwise: every corner a left
    # where the mask is off, the track bends gently at most (the straights and their ends)
    heading = np.arctan2(oval.seg_dir[:, 1], oval.seg_dir[:, 0])
    turn_rad = (heading - np.roll(heading, 1) + np.pi) % (2 * np.pi) - np.pi
    radius_m = oval.seg_len_m / np.maximum(np.abs(turn_rad), 1e-12)
    assert radius_m[~corners].min() > 0.5 * CORNER_RADIUS_M
    assert radius_m[corners].min() < CORNER_RADIUS_M


def test_moving_cars_leave_a_trail_on_the_asphalt():
    sim, renderer, surface = race(cars=1, steps=80)
    st = sim.state
    assert st.speed_mps[0] > 5
    behind = np.array([st.x_m[0], st.y_m[0]]) - 6.0 * np.array(
        [math.cos(st.heading_rad[0]), math.sin(st.heading_rad[0])]
    )
    x, y = renderer.to_screen(behind)
    nearby = {
        surface.get_at((round(x) + dx, round(y) + dy))[:3]
        for dx in range(-6, 7)
        for dy in range(-6, 7)
    }
    trail = [p for p in nearby if p != ASPHALT and abs(p[0] - p[2]) > 20]
    assert trail  # tinted pixels: the trail, in the followed car's gold faded into the asphalt


def test_the_start_line_is_chequered():
    oval = load_track("oval")
    renderer = RaceRenderer(oval, SIZE)
    (start,), _ = oval.pose_at(np.array([oval.start_s_m]))
    x, y = renderer.to_screen(start)
    pixels = {
        renderer.background.get_at((round(x) + dx, round(y) + dy))[:3]
        for dx in range(-8, 9)
        for dy in range(-8, 9)
    }
    assert (245, 245, 245) in pixels and (20, 20, 20) in pixels


def test_a_long_track_is_followed_with_a_minimap_a_short_one_shown_whole():
    assert not RaceRenderer(load_track("oval"), SIZE).follows
    sim, renderer, surface = race(cars=8, track="speedway", steps=5)
    assert renderer.follows and renderer.scale == FOLLOW_PX_PER_M
    focus = renderer.to_screen(np.array([sim.state.x_m[0], sim.state.y_m[0]]))
    # the followed car is in the middle of the view (unless the view reaches the world's edge)
    assert np.allclose(focus, np.array(SIZE) / 2, atol=1) or renderer.camera.min() == 0
    # the minimap in the bottom-right corner: the followed car's dot is there, gold
    minimap = renderer._minimap
    where = minimap.image.get_rect(bottomright=(SIZE[0] - 10, SIZE[1] - 10))
    assert where.size == MINIMAP_PX
    dot = minimap.to_map(np.array([sim.state.x_m[0], sim.state.y_m[0]])) + where.topleft
    assert surface.get_at([round(v) for v in dot])[:3] == FOCUS_COLOUR


def test_the_racing_line_points_the_followed_car_sees_are_drawn_where_the_line_is():
    env = RaceVectorEnv(1, track="chicanes")
    env.reset(seed=0)
    for _ in range(120):  # into the first chicane, where the line leaves the centreline
        env.step(drive(env.sim).astype(np.int64))
    sim = env.sim
    renderer = RaceRenderer(sim.track, SIZE)
    line = racing_line(sim.track, sim.car)
    s = float(sim.state.s_m[0])
    ahead = (s + POINTS_AHEAD_M) % sim.track.length_m
    where = np.column_stack([np.interp(ahead, line.centreline_s_m, line.xy[:, k]) for k in (0, 1)])
    for show_rays, expected in ((True, True), (False, False)):
        surface = pygame.Surface(SIZE)
        renderer.draw(surface, sim, focus=0, show_rays=show_rays)
        for centre in renderer.to_screen(where):
            assert (
                pixels_like(surface, centre, LINE_AHEAD, radius=2, tolerance=10) >= 9
            ) == expected
