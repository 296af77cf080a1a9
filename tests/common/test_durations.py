"""One way to show a duration on every page (common/durations.py)."""

import pytest
from django.utils import translation

from microwork.common.durations import format_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, ""),
        (0, "0 s"),
        (45, "45 s"),
        (60, "1 min"),
        (605, "10 min 5 s"),
        (3600, "1 h"),
        (5400, "1 h 30 min"),
        (5405, "1 h 30 min"),
        (93600, "1 d 2 h"),
        (86400, "1 d"),
    ],
)
def test_a_duration_shows_its_two_largest_units(seconds, shown):
    with translation.override("en"):
        assert format_duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0 min"), (59, "0 min"), (605, "10 min"), (7500, "2 h 5 min"), (108000, "30 h")],
)
def test_hours_worked_stop_at_minutes_and_stay_in_hours(seconds, shown):
    with translation.override("en"):
        assert format_duration(seconds, precision="min", days=False) == shown


def test_durations_follow_the_language():
    with translation.override("fr"):
        assert format_duration(93600) == "1 j 2 h"
        assert format_duration(605) == "10 min 5 s"
