"""Field types of the requester's schemas. Text may not hold NUL characters (PostgreSQL
refuses them, in text and in JSON): they are a 422 naming the field, not a server error."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _json_without_nul(value: Any) -> Any:
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(str(key))
            _json_without_nul(item)
    elif isinstance(value, list):
        for item in value:
            _json_without_nul(item)
    return value


def text(max_length: int, *, min_length: int = 0):
    """A str of at most `max_length` characters, without NUL."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)
    ]


JsonObject = Annotated[dict[str, Any], AfterValidator(_json_without_nul)]
# Seconds and cents within what the database's integer columns hold.
Seconds = Annotated[int, Field(ge=0, le=2_147_483_647)]
Cents = Annotated[int, Field(ge=1, le=100_000_000)]
