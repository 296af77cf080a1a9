"""Each requester's bank transfer reference: an ISO 11649 "RF" creditor reference.

The reference is computed from the requester's id, so it is stable, unique and shown without
being stored (a page that shows it writes nothing). Its two check digits (ISO 7064 mod 97-10,
as in an IBAN) catch a mistyped reference: it then matches nobody, and the line waits for
staff instead of crediting someone else.
"""

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

# "MW" and eight digits: a fixed length, so a reference found inside free text cannot swallow
# the digits that follow it.
_BODY_DIGITS = 8
_FOUND = re.compile(rf"RF(\d{{2}})MW(\d{{{_BODY_DIGITS}}})")


def reference_for(requester_id: int) -> str:
    """The compact reference of requester `requester_id`, like "RF47MW00000012"."""
    body = f"MW{requester_id:0{_BODY_DIGITS}d}"
    if len(body) != _BODY_DIGITS + 2:
        raise ValueError(f"requester id {requester_id} is too large for a transfer reference")
    check = mod_97_10.calc_check_digits(body + "RF")
    return f"RF{check}{body}"


def reference_display(requester_id: int) -> str:
    """The reference in groups of four, as people type it: "RF47 MW00 0000 12"."""
    return iso11649.format(reference_for(requester_id))


def requester_id_in(text: str) -> int | None:
    """The requester id of the first valid reference in `text` (a transfer's remittance
    information, spaces and case as the payer typed them), or None."""
    compact = re.sub(r"[\s\-./]", "", text or "").upper()
    for match in _FOUND.finditer(compact):
        found = match.group(0)
        if iso11649.is_valid(found):
            return int(match.group(2))
    return None
