"""The design system's colour pairs meet WCAG AA in light and in dark mode (docs/design.md).

The colours are read from site.css itself: the first `:root` block (light) and the `:root`
block inside `@media (prefers-color-scheme: dark)`, which overrides some of them. Text needs
4.5:1 against what it sits on, a control's border or a focus ring 3:1 (WCAG 1.4.3, 1.4.11).

    python tests/common/test_design_tokens.py    # prints the table docs/design.md shows
"""

import re
import sys
from pathlib import Path

import pytest

SITE_CSS = Path(__file__).resolve().parents[2] / "src/microwork/common/static/microwork/site.css"
TEXT, NON_TEXT = 4.5, 3.0
# (foreground, background, the least ratio, where the pair is used)
PAIRS = [
    ("ink", "bg", TEXT, "body text on the page"),
    ("ink", "surface", TEXT, "text in cards, tables, header"),
    ("ink", "surface-2", TEXT, "text in zebra rows, table heads"),
    ("muted", "bg", TEXT, "secondary text on the page"),
    ("muted", "surface", TEXT, "secondary text in cards"),
    ("muted", "surface-2", TEXT, "table heads, muted text in zebra rows"),
    ("accent", "bg", TEXT, "links on the page"),
    ("accent", "surface", TEXT, "links, secondary buttons"),
    ("accent", "surface-2", TEXT, "links in zebra rows"),
    ("accent", "accent-soft", TEXT, "secondary button, hovered"),
    ("accent-hover", "surface", TEXT, "links, hovered"),
    ("on-accent", "accent", TEXT, "primary button"),
    ("on-accent", "accent-hover", TEXT, "primary button, hovered"),
    ("on-bad", "bad", TEXT, "danger button"),
    ("ok", "ok-soft", TEXT, "badge: approved, published"),
    ("warn", "warn-soft", TEXT, "badge: submitted, paused"),
    ("bad", "bad-soft", TEXT, "badge: rejected; non-field errors"),
    ("bad", "surface", TEXT, "field errors, countdown running out"),
    ("bad", "bg", TEXT, "field errors on the page"),
    ("ok", "surface", TEXT, "positive figures"),
    ("warn", "surface", TEXT, "warnings in cards"),
    ("ink", "accent-soft", TEXT, "info message"),
    ("ink", "ok-soft", TEXT, "success message"),
    ("ink", "warn-soft", TEXT, "warning message"),
    ("ink", "bad-soft", TEXT, "error message"),
    ("muted", "accent-soft", TEXT, "muted text in an info message, the landing's hero"),
    ("muted", "warn-soft", TEXT, "muted text in a warning message"),
    ("line-strong", "surface", NON_TEXT, "input borders"),
    ("accent", "bg", NON_TEXT, "focus ring"),
]


def tokens() -> dict[str, dict[str, str]]:
    """{"light": {name: "#rrggbb"}, "dark": {...}}, dark being light with its overrides."""
    css = re.sub(r"/\*.*?\*/", "", SITE_CSS.read_text(), flags=re.S)
    light_block = re.search(r":root\s*\{(.*?)\}", css, re.S).group(1)
    dark_media = re.search(r"prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{(.*?)\}", css, re.S)
    colour = re.compile(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{3,6})\s*;")
    light = dict(colour.findall(light_block))
    return {"light": light, "dark": light | dict(colour.findall(dark_media.group(1)))}


def luminance(hex_colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_luminance_and_contrast_match_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#fff", "#fff") == 1.0


def test_dark_mode_overrides_every_colour_but_none_it_does_not_define():
    schemes = tokens()
    assert set(schemes["dark"]) == set(schemes["light"])
    changed = {name for name in schemes["light"] if schemes["dark"][name] != schemes["light"][name]}
    # Every colour a pair uses is redefined for the dark background.
    assert {name for pair in PAIRS for name in pair[:2]} <= changed


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "least", "use"), PAIRS, ids=[f"{p[0]}/{p[1]}" for p in PAIRS])
def test_colour_pair_meets_wcag_aa(scheme, fg, bg, least, use):
    colours = tokens()[scheme]

    ratio = contrast(colours[fg], colours[bg])

    assert ratio >= least, f"{scheme}: --{fg} on --{bg} ({use}) is {ratio:.2f}:1, under {least}:1"


def table() -> str:
    schemes = tokens()
    rows = [
        "| Foreground | Background | Used for | Light | Dark | Needs |",
        "|---|---|---|---|---|---|",
    ]
    for fg, bg, least, use in PAIRS:
        light = contrast(schemes["light"][fg], schemes["light"][bg])
        dark = contrast(schemes["dark"][fg], schemes["dark"][bg])
        rows.append(f"| `--{fg}` | `--{bg}` | {use} | {light:.1f}:1 | {dark:.1f}:1 | {least:g}:1 |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
