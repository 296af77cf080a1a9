"""Durations as a person reads them, in the active language: "45 s", "10 min 5 s", "1 h 30 min",
"1 d 2 h". One function for every page, so a span reads the same wherever it is shown."""

from django.utils.translation import gettext as _

_UNITS = {"d": 86400, "h": 3600, "min": 60, "s": 1}


def _unit(name: str, n: int) -> str:
    labels = {"d": _("%(n)d d"), "h": _("%(n)d h"), "min": _("%(n)d min"), "s": _("%(n)d s")}
    return labels[name] % {"n": n}


def format_duration(seconds: int | None, *, precision: str = "s", days: bool = True) -> str:
    """The two largest units of `seconds`, down to `precision` ("s" or "min", which drops the
    seconds); `days=False` keeps totals in hours ("30 h", not "1 d 6 h"). None gives ""; a
    span shorter than the precision gives "0 s" or "0 min", never an empty string."""
    if seconds is None:
        return ""
    units = [name for name in _UNITS if days or name != "d"]
    units = units[: units.index(precision) + 1]
    rest = int(seconds)
    amounts = []
    for name in units:
        amount, rest = divmod(rest, _UNITS[name])
        amounts.append((name, amount))
    while len(amounts) > 1 and amounts[0][1] == 0:
        amounts.pop(0)
    shown = amounts[:2]
    return " ".join(_unit(name, n) for name, n in shown if n or (name, n) == shown[0])
