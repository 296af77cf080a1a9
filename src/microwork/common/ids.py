"""Public identifiers shaped like MTurk's, so results files and MTurk clients see familiar ids.

- HITs, HIT types and assignments: 30 upper-case letters and digits.
- Workers: "A" followed by 13 upper-case letters and digits.

They come from the operating system's CSPRNG, so they are not guessable, and they carry no
personal data. Base32 (A-Z, 2-7) keeps them inside MTurk's ^[A-Z0-9]+$ pattern.
"""

import base64
import secrets


def _random_upper(length: int) -> str:
    raw = secrets.token_bytes((length * 5 + 7) // 8)
    return base64.b32encode(raw).decode("ascii").rstrip("=")[:length]


def new_entity_id() -> str:
    """A 30-character id for a HIT (task), HIT type (project) or assignment."""
    return _random_upper(30)


def new_worker_id() -> str:
    """A worker's stable pseudonymous id: "A" + 13 characters, like MTurk's."""
    return "A" + _random_upper(13)
