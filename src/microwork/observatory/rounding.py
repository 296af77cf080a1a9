"""How the observatory rounds a share: one rule for every published percentage."""

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal, rounded half up; None for an empty whole."""
    if not whole:
        return None
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
