"""LunarLander drawn from its state: the whole flight area and the lander always in view."""

import math

import numpy as np
import pygame
import pytest
from test_engine import play_app, press

from game import make_vector_env
from game.lander_view import START_Y_M, WIDTH_M, LanderView

RECT = pygame.Rect(0, 0, 880, 720)


@pytest.fixture(autouse=True)
def quit_pygame():
    pygame.init()
    yield
    pygame.quit()


def lander_points(env):
    """Every vertex of the lander's body and legs, in metres."""
    return [
        tuple(fixture.body.transform * vertex)
        for body in (env.lander, *env.legs)
        for fixture in body.fixtures
        for vertex in fixture.shape.vertices
    ]


def on_screen(view, points):
    return all(RECT.collidepoint(view.to_screen(x, y)) for x, y in points)


def lunar_env(seed):
    envs = make_vector_env("lunar", 1, render_first=True)
    envs.reset(seed=seed)
    return envs, envs.unwrapped.envs[0].unwrapped


def test_gymnasium_s_own_frame_starts_with_the_lander_above_it():
    """Why the scene is drawn here: Gymnasium's viewport ends where the lander starts."""
    _, env = lunar_env(0)
    top = max(y for _, y in lander_points(env))
    assert top > START_Y_M  # its body starts above Gymnasium's 600 x 400 frame


def test_the_lander_is_in_view_at_the_start_and_after_a_burst_of_the_main_engine():
    envs, env = lunar_env(0)
    view = LanderView(lambda: env, lambda: 2)
    surface = pygame.Surface(RECT.size)
    view.draw(surface, RECT, show_rays=False)
    assert on_screen(view, lander_points(env))
    highest = 0.0
    for _ in range(80):  # 1.6 s of full main engine: it climbs far above the start
        _, _, terminated, truncated, _ = envs.step(np.array([2]))
        if terminated[0] or truncated[0]:
            break
        view.draw(surface, RECT, show_rays=False)
        highest = max(highest, env.lander.position[1])
        assert on_screen(view, lander_points(env))
    assert highest > START_Y_M + 3.0
    # the body is drawn where the view says it is, in the body's colour
    centre = view.to_screen(*env.lander.worldCenter)
    assert surface.get_at([round(c) for c in centre])[:3] == (150, 128, 240)
    envs.close()


def test_the_whole_flight_area_is_in_view():
    _, env = lunar_env(3)
    view = LanderView(lambda: env, lambda: 0)
    view.draw(pygame.Surface(RECT.size), RECT, show_rays=False)
    ridge = [poly[0] for poly in env.sky_polys] + [env.sky_polys[-1][1]]
    corners = [(0.0, 0.0), (WIDTH_M, 0.0), (0.0, START_Y_M + 1), (WIDTH_M, START_Y_M + 1)]
    assert on_screen(view, ridge + corners)
    # it fills the view's width (the flight area is wider than high)
    left, _ = view.to_screen(0.0, 0.0)
    right, _ = view.to_screen(WIDTH_M, 0.0)
    assert right - left > 0.85 * RECT.w


def test_the_camera_comes_back_down_after_a_climb():
    envs, env = lunar_env(0)
    view = LanderView(lambda: env, lambda: 0)
    surface = pygame.Surface(RECT.size)
    view.draw(surface, RECT, show_rays=False)
    resting_scale = view.scale
    env.lander.position = (WIDTH_M / 2, 40.0)
    view.draw(surface, RECT, show_rays=False)
    assert view.scale < resting_scale / 2 and on_screen(view, lander_points(env))
    env.lander.position = (WIDTH_M / 2, START_Y_M)
    for _ in range(200):
        view.draw(surface, RECT, show_rays=False)
    assert view.scale == pytest.approx(resting_scale, rel=0.01)
    envs.close()


def test_only_the_shown_lander_is_simulated_without_rendering():
    """LunarLander with a render_mode simulates flame particles (~4x slower): none renders."""
    envs = make_vector_env("lunar", 3, render_first=True)
    assert [e.unwrapped.render_mode for e in envs.unwrapped.envs] == [None, None, None]
    cartpole = make_vector_env("cartpole", 2, render_first=True)
    assert [e.unwrapped.render_mode for e in cartpole.unwrapped.envs] == ["rgb_array", None]


def test_play_shows_the_main_engine_s_flame():
    app, mode = play_app("lunar")
    press(pygame.K_UP)
    for _ in range(10):
        app.frame()
    view, env = mode.view, mode.stepper.envs.unwrapped.envs[0].unwrapped
    assert isinstance(view, LanderView)
    # just below the body's bottom edge, on the lander's axis: flame colours
    angle = env.lander.angle
    x, y = env.lander.position
    below = (x + 0.55 * math.sin(angle), y - 0.55 * math.cos(angle))
    pixel = app.window.get_at([round(c) for c in view.to_screen(*below)])[:3]
    assert pixel[0] > 200 and pixel[1] > 100  # orange to pale yellow, not the night sky
    app.close()
