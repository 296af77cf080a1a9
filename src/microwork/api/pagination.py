"""Cursor pagination for every list: `?limit=50&cursor=<opaque>` ->
`{"items": [...], "next_cursor": "<opaque>" | null}`.

The order is a timestamp column then the primary key, both descending (newest first) unless
asked otherwise, so a page is stable while rows are added: the cursor is the last row's
(timestamp, pk), and the next page starts strictly after it. A cursor is opaque to clients
(URL-safe base64 of JSON); a cursor that does not decode is a 422 naming `cursor`.

    @router.get("/things", response=Page[ThingOut])
    def things(request, page: Query[PageParams]):
        return paginate(Thing.objects.filter(owner=request.auth), page, key="created_at",
                        item=thing_out)
"""

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from django.db.models import Q
from ninja import Field, Schema

from microwork.api.problems import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_CHARS = 200

T = TypeVar("T")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page, 1-500.")
    cursor: str | None = Field(
        None, max_length=MAX_CURSOR_CHARS, description="`next_cursor` of the previous page."
    )


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(value: datetime, pk: int) -> str:
    raw = json.dumps([value.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (timestamp, pk) of `cursor`; a 422 problem naming `cursor` if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        when = datetime.fromisoformat(value)
        if not isinstance(pk, int) or when.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422,
            "validation-error",
            "The cursor is not one this API gave.",
            errors=[{"field": "cursor", "message": "Not a cursor this API gave."}],
        ) from None
    return when, pk


def paginate(
    queryset,
    params: PageParams,
    *,
    key: str = "created_at",
    descending: bool = True,
    item: Callable = lambda row: row,
) -> dict:
    """One page of `queryset` ordered by (`key`, pk), each row turned into an item by `item`."""
    sign = "-" if descending else ""
    rows = queryset.order_by(f"{sign}{key}", f"{sign}pk")
    if params.cursor:
        when, pk = decode_cursor(params.cursor)
        after = "lt" if descending else "gt"
        rows = rows.filter(Q(**{f"{key}__{after}": when}) | Q(**{key: when, f"pk__{after}": pk}))
    # One row more than asked tells whether there is a next page without a COUNT.
    found = list(rows[: params.limit + 1])
    has_next = len(found) > params.limit
    found = found[: params.limit]
    next_cursor = encode_cursor(getattr(found[-1], key), found[-1].pk) if has_next else None
    return {"items": [item(row) for row in found], "next_cursor": next_cursor}
