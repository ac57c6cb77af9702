"""The HUD's layout, checked on its pixels: nothing it draws overlaps, however much it shows."""

import itertools

import pygame
import pytest

from game.hud import PAD, WARN, Hud, HudState, fit_text

SIZE = (400, 720)


@pytest.fixture(autouse=True)
def fonts():
    pygame.init()
    yield
    pygame.quit()


def crowded_state(**changes):
    """A state with everything at once: many rows, 9 actions, keys, a long status."""
    values = dict(
        scene="Race track",
        mode="versus",
        algo="ppo",
        episode=12,
        episode_step=345,
        episode_return=-12.5,
        recent_returns=tuple(float(i % 7) for i in range(40)),
        action_names=tuple(f"action {i}" for i in range(9)),
        chosen=3,
        status="you: left the track after 2 laps; back on the start line, laps done still count "
        "and this notice is long enough to wrap onto a third line of the panel",
        keys=(
            ("up / w", "gas"),
            ("down / s", "brake"),
            ("left / a", "left"),
            ("right / d", "right"),
        ),
        extra=(("best lap: you / agent", "16.43 s / 15.92 s"), ("a", "b")),
        table=(
            ("", "you", "agent"),
            ("place", "1st", "2nd"),
            ("lap", "3 of 3", "finished"),
            ("best lap", "16.43 s", "1234567.89 s and much more text"),
            ("race time", "48.10 s", "50.00 s"),
        ),
    )
    values.update(changes)
    return HudState(**values)


def draw(state):
    hud = Hud(SIZE)
    surface = pygame.Surface(SIZE)
    hud.draw(surface, state)
    return hud, surface


def overlapping(rects):
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1 :] if a.colliderect(b)]


def test_a_wrapped_status_never_reaches_the_key_hint_footer():
    hud, surface = draw(crowded_state())
    status, keys, hint = hud.drawn["status"], hud.drawn["keys"], hud.drawn["hint"][0]
    assert len(status) >= 3  # it wrapped
    assert all(rect.bottom <= hint.top for rect in status + keys)
    assert not overlapping(status + keys + [hint])
    # on the pixels: no status colour in the hint line's band, nor right of the panel's margin
    band = [
        surface.get_at((x, y))[:3] for x in range(SIZE[0]) for y in range(hint.top, hint.bottom)
    ]
    assert WARN not in band
    margin = [
        surface.get_at((x, y))[:3]
        for x in range(SIZE[0] - PAD // 2, SIZE[0])
        for y in range(SIZE[1])
    ]
    assert WARN not in margin


def test_the_curve_makes_room_for_the_status_and_keys():
    roomy, _ = draw(crowded_state(table=(), extra=(), status=""))
    busier, _ = draw(crowded_state(extra=()))
    # both draw the curve's box; with the status it is shorter and ends above the status
    assert roomy.drawn["status"] == []
    status_top = min(rect.top for rect in busier.drawn["status"])
    assert busier.curve_box is not None and busier.curve_box.bottom < status_top
    assert busier.curve_box.h < roomy.curve_box.h
    # with no room left at all the curve is left out, and the policy's bars stay clear too
    crowded, _ = draw(crowded_state())
    assert crowded.curve_box is None
    status_top = min(rect.top for rect in crowded.drawn["status"])
    assert max(rect.bottom for rect in crowded.bar_rects) < status_top


def test_a_long_label_pushes_its_value_right_instead_of_under_it():
    hud, _ = draw(crowded_state())
    rows = hud.drawn["rows"]
    labels, values = rows[0::2], rows[1::2]
    for label, value in zip(labels, values, strict=True):
        assert label.right < value.left
    assert not overlapping(rows)


def test_the_versus_columns_stand_side_by_side_without_overlapping():
    hud, _ = draw(crowded_state())
    cells = hud.drawn["table"]
    assert len(cells) == 5 * 3
    assert not overlapping(cells)
    # each column's cells line up, and no cell crosses into the next column
    by_column = [cells[c::3] for c in range(3)]
    lefts = [{rect.left for rect in column} for column in by_column]
    assert all(len(x) == 1 for x in lefts)
    for column, next_column in itertools.pairwise(by_column):
        assert max(rect.right for rect in column) < min(rect.left for rect in next_column)
    assert max(rect.right for rect in by_column[2]) <= SIZE[0] - PAD


def test_fit_text_cuts_with_an_ellipsis_only_when_needed():
    font = pygame.font.Font(None, 21)
    assert fit_text("16.43 s", font, 200) == "16.43 s"
    cut = fit_text("1234567.89 s and much more text", font, 80)
    assert cut.endswith("…") and font.size(cut)[0] <= 80
