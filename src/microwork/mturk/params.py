"""Input validation for the MTurk operations: what botocore does not check (patterns, maxima,
enums, types from other SDKs) is refused here with RequestError naming the parameter."""

import re
from datetime import UTC, datetime

from microwork.common.money import InvalidAmount, parse_amount
from microwork.mturk.errors import RequestError, out_of_range

ENTITY_ID = re.compile(r"^[A-Z0-9]+$")
CUSTOMER_ID = re.compile(r"^A[A-Z0-9]+$")
CURRENCY = re.compile(r"^[0-9]+(\.)?[0-9]{0,2}$")


class Params:
    """The request body, read one typed member at a time."""

    def __init__(self, body: dict):
        self.body = body

    def _get(self, name: str, required: bool):
        if name not in self.body or self.body[name] is None:
            if required:
                raise RequestError(
                    f"Value null at '{name}' failed to satisfy constraint: Member must not be "
                    "null.",
                    "AWS.MechanicalTurk.MissingParameter",
                )
            return None
        return self.body[name]

    def string(
        self,
        name: str,
        *,
        required: bool = True,
        max_length: int | None = None,
        min_length: int = 0,
        pattern: re.Pattern | None = None,
        choices=None,
    ):
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise out_of_range(name, "must be a string")
        if len(value) < min_length:
            raise out_of_range(name, f"must be at least {min_length} characters")
        if max_length is not None and len(value) > max_length:
            raise out_of_range(name, f"must be at most {max_length} characters")
        if pattern is not None and not pattern.match(value):
            raise out_of_range(name, f"does not match the pattern {pattern.pattern}")
        if choices is not None and value not in choices:
            raise out_of_range(name, f"must be one of {', '.join(choices)}")
        return value

    def entity_id(self, name: str, *, required: bool = True):
        return self.string(name, required=required, min_length=1, max_length=64, pattern=ENTITY_ID)

    def worker_id(self, name: str = "WorkerId", *, required: bool = True):
        return self.string(
            name, required=required, min_length=1, max_length=64, pattern=CUSTOMER_ID
        )

    def integer(self, name: str, *, required: bool = True, minimum=None, maximum=None):
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise out_of_range(name, "must be a whole number")
        if minimum is not None and value < minimum:
            raise out_of_range(name, f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise out_of_range(name, f"must be at most {maximum}")
        return value

    def boolean(self, name: str, *, required: bool = False, default: bool | None = None):
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise out_of_range(name, "must be true or false")
        return value

    def money(self, name: str, *, required: bool = True) -> int | None:
        value = self.string(name, required=required, pattern=CURRENCY)
        if value is None:
            return None
        try:
            return parse_amount(value)
        except InvalidAmount:
            raise out_of_range(name, "is not an amount like 0.50") from None

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise out_of_range(name, "must be a time in seconds since the epoch")
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise out_of_range(name, "is not a time we can represent") from None

    def string_list(self, name: str, *, required: bool = True, max_items=None, choices=None):
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise out_of_range(name, "must be a list of strings")
        if max_items is not None and len(value) > max_items:
            raise out_of_range(name, f"must hold at most {max_items} items")
        for item in value:
            if choices is not None and item not in choices:
                raise out_of_range(name, f"must hold only {', '.join(choices)}")
        return value

    def items(self, name: str):
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise out_of_range(name, "must be a list of structures")
        return value

    def refuse(self, *names: str) -> None:
        """Refuse parameters of features the platform does not have (never a fake success)."""
        for name in names:
            if self.body.get(name) is not None:
                raise RequestError(
                    f"{name} is not supported by this server.",
                    "AWS.MechanicalTurk.UnsupportedOperation",
                )
