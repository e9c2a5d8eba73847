from __future__ import annotations

import pytest
from pixellift.core.imaging.ocr_layout import DetectedLine, Glyph, assemble_reading, quad_box

LINE = ((10.0, 100.0), (10.0, 300.0), (30.0, 300.0), (30.0, 100.0))


def _words(reading):
    return [
        (w.text, w.box.top, w.box.left, w.box.bottom, w.box.right) for w in reading.lines[0].words
    ]


def test_words_take_their_characters_boxes_when_the_engine_gives_them():
    # GIVEN a line "AB C" whose engine placed each character
    glyphs = tuple(
        Glyph(text=c, quad=((10, x), (10, x + 8), (30, x + 8), (30, x)), confidence=conf)
        for c, x, conf in [("A", 100, 0.9), ("B", 110, 0.7), (" ", 120, 1.0), ("C", 130, 0.5)]
    )
    line = DetectedLine(LINE, "AB C", 0.8, glyphs=glyphs)

    # WHEN the reading is assembled
    reading = assemble_reading([line], rows=50, cols=400, engine="t")

    # THEN each word spans its own characters, with their mean confidence
    assert _words(reading) == [("AB", 10, 100, 30, 118), ("C", 10, 130, 30, 138)]
    assert [w.confidence for w in reading.lines[0].words] == pytest.approx([0.8, 0.5])


@pytest.mark.parametrize(
    ("orientation", "quad", "expected"),
    [
        # upright: the first word on the left
        (0, LINE, [("AB", 10, 100, 30, 180), ("CD", 10, 220, 30, 300)]),
        # upside down: the first word on the right of the box in the photo
        (180, LINE, [("AB", 10, 220, 30, 300), ("CD", 10, 100, 30, 180)]),
        # reading bottom to top (turned 270 degrees): the first word at the bottom
        (
            270,
            ((0.0, 10.0), (0.0, 30.0), (200.0, 30.0), (200.0, 10.0)),
            [("AB", 120, 10, 200, 30), ("CD", 0, 10, 80, 30)],
        ),
        # reading top to bottom (turned 90 degrees): the first word at the top
        (
            90,
            ((0.0, 10.0), (0.0, 30.0), (200.0, 30.0), (200.0, 10.0)),
            [("AB", 0, 10, 80, 30), ("CD", 120, 10, 200, 30)],
        ),
    ],
)
def test_words_without_character_boxes_follow_the_reading_direction(orientation, quad, expected):
    # GIVEN a line "AB CD" with no character boxes, turned as stated
    line = DetectedLine(quad, "AB CD", 0.9, orientation=orientation)

    # WHEN the reading is assembled
    reading = assemble_reading([line], rows=300, cols=400, engine="t")

    # THEN the words are placed along the text's own direction
    assert _words(reading) == expected
    assert reading.lines[0].orientation == orientation


def test_reading_drops_unsure_and_empty_lines_and_sorts_rows_left_to_right():
    # GIVEN lines out of order, one unsure and one blank
    def at(text, top, left, confidence=0.9):
        quad = ((top, left), (top, left + 50), (top + 20, left + 50), (top + 20, left))
        return DetectedLine(quad, text, confidence)

    lines = [
        at("third", 60, 0),
        at("second", 11, 80),
        at("first", 12, 0),
        at("unsure", 90, 0, 0.3),
        at("  ", 120, 0),
    ]

    # WHEN assembled with a 0.5 confidence floor
    reading = assemble_reading(lines, rows=200, cols=200, engine="t", min_confidence=0.5)

    # THEN the kept lines read in order
    assert reading.text == "first\nsecond\nthird"


def test_text_area_fraction_counts_overlapping_lines_once():
    # GIVEN two lines covering the same 20 x 50 pixels
    quad = ((0.0, 0.0), (0.0, 50.0), (20.0, 50.0), (20.0, 0.0))
    lines = [DetectedLine(quad, "a", 1.0), DetectedLine(quad, "b", 1.0)]

    # WHEN assembled on a 100 x 100 photo
    reading = assemble_reading(lines, rows=100, cols=100, engine="t")

    # THEN the covered fraction is 1000 / 10000
    assert reading.text_area_fraction == pytest.approx(0.1)


def test_quad_box_clips_to_the_photo():
    # GIVEN a quad reaching outside a 10 x 10 photo
    # WHEN its box is taken
    box = quad_box(((-3.0, -2.0), (-3.0, 12.5), (4.2, 12.5), (4.2, -2.0)), rows=10, cols=10)

    # THEN it is clipped to the photo
    assert (box.top, box.left, box.bottom, box.right) == (0, 0, 5, 10)
