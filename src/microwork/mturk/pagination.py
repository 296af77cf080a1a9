"""NextToken paging as boto3's paginators and MTurk clients expect (reference §1.5).

- A page that has items always carries a NextToken; the end is an empty page without one
  (Mephisto loops `while len(page["HITs"]) > 0` and reads page["NextToken"]).
- Tokens are a signed keyset cursor (the last primary key shown), so they are opaque, stable
  under concurrent inserts and never repeat; a token past the end gives an empty page.
"""

from django.core import signing

from microwork.mturk.errors import RequestError, out_of_range

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100
_SALT = "microwork.mturk.next-token"
# How many rows one page may look through when a Python filter (keep) drops some.
_CHUNK = 200


def page_size(params) -> int:
    size = params.integer("MaxResults", required=False, minimum=1, maximum=MAX_PAGE_SIZE)
    return DEFAULT_PAGE_SIZE if size is None else size


def _cursor(params, scope: str, *, start: int = 0) -> int:
    token = params.string("NextToken", required=False, max_length=255)
    if token is None:
        return start
    try:
        value = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise RequestError(
            "The NextToken is invalid.", "AWS.MechanicalTurk.InvalidParameterValue"
        ) from None
    if not isinstance(value, list) or len(value) != 2 or value[0] != scope:
        raise out_of_range("NextToken", "does not belong to this listing")
    return int(value[1])


def paginate(
    queryset, params, *, result_key: str, shape, scope: str, keep=None, leading=()
) -> dict:
    """One page of `queryset` (ordered by pk) shaped by `shape`, under boto3's keys.

    `leading`: items already shaped that come before the queryset's (MTurk's system
    qualification types); the cursor counts them -len(leading) .. -1, before any pk.
    """
    size = page_size(params)
    after = _cursor(params, scope, start=-len(leading) - 1)
    items = []
    last_pk = after
    for key, item in enumerate(leading, start=-len(leading)):
        if key > after and len(items) < size:
            items.append(item)
            last_pk = key
    last_pk = max(last_pk, 0) if len(items) < size else last_pk
    while len(items) < size:
        chunk = list(queryset.filter(pk__gt=last_pk).order_by("pk")[: max(size, _CHUNK)])
        if not chunk:
            break
        for row in chunk:
            last_pk = row.pk
            if keep is None or keep(row):
                items.append(shape(row))
                if len(items) == size:
                    break
    response = {"NumResults": len(items), result_key: items}
    if items:
        response["NextToken"] = signing.dumps([scope, last_pk], salt=_SALT)
    return response
