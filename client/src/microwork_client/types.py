"""The API's objects as frozen dataclasses.

Each keeps the JSON it was built from in `raw`, so a field the server adds later is readable
(`project.raw["new_field"]`) before this client names it. Fields the contract marks as always
present have no default; the others default to None.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from .errors import UnexpectedResponse

R = TypeVar("R", bound="Resource")


def _resource_type(hint: Any) -> type[Resource] | None:
    """The Resource subclass in `hint` (`Progress` or `Progress | None`), if any."""
    candidates = typing.get_args(hint) or (hint,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, Resource):
            return candidate
    return None


@dataclass(frozen=True, kw_only=True)
class Resource:
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def from_json(cls: type[R], data: Any) -> R:
        if not isinstance(data, dict):
            raise UnexpectedResponse(f"expected a JSON object for {cls.__name__}, got {data!r:.80}")
        hints = cls._hints.get(cls)
        if hints is None:
            hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
            cls._hints[cls] = hints
        values: dict[str, Any] = {"raw": data}
        for spec in dataclasses.fields(cls):
            if spec.name == "raw":
                continue
            if spec.name not in data:
                if (
                    spec.default is dataclasses.MISSING
                    and spec.default_factory is dataclasses.MISSING
                ):
                    raise UnexpectedResponse(f"{cls.__name__} without {spec.name!r}: {data!r:.200}")
                continue
            value = data[spec.name]
            nested = _resource_type(hints[spec.name])
            if nested is not None and isinstance(value, dict):
                value = nested.from_json(value)
            values[spec.name] = value
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Me(Resource):
    id: str | int
    email: str
    role: str  # "worker" | "requester"
    display_name: str = ""


@dataclass(frozen=True, kw_only=True)
class Project(Resource):
    id: str
    title: str
    description: str = ""
    reward_cents: int = 0
    currency: str = ""
    assignments_per_task: int | None = None
    time_limit_seconds: int | None = None
    auto_approval_seconds: int | None = None
    instructions: str | None = None
    keywords: str | None = None
    lifetime_seconds: int | None = None
    estimated_seconds: int | None = None
    template: dict[str, Any] | None = None
    terms_locked: bool = False
    created_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class Progress(Resource):
    """A batch's slots: `total_slots` is tasks times assignments per task; `done_slots` those
    answered (submitted, approved or rejected); the others count assignments by state."""

    total_slots: int = 0
    done_slots: int = 0
    accepted: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0
    expired: int = 0
    tasks_completed: int = 0
    percent_done: int = 0
    median_seconds: int | None = None

    @property
    def share_done(self) -> float:
        return self.done_slots / self.total_slots if self.total_slots else 0.0


@dataclass(frozen=True, kw_only=True)
class Cost(Resource):
    slots: int = 0
    rewards_cents: int = 0
    fees_cents: int = 0
    total_cents: int = 0
    currency: str = ""


@dataclass(frozen=True, kw_only=True)
class Batch(Resource):
    """A batch; `progress` and `cost` are given by `batch()` and the state changes, not by
    lists and uploads."""

    id: int | str
    project_id: str
    name: str = ""
    state: str = ""  # draft, published, paused, expired, cancelled
    task_count: int = 0
    columns: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # what may be done now: publish, pause...
    progress: Progress | None = None
    cost: Cost | None = None
    created_at: str | None = None
    published_at: str | None = None
    expires_at: str | None = None

    @property
    def is_final(self) -> bool:
        """Nothing more will be done: cancelled, expired, or every slot answered."""
        if self.state in ("cancelled", "expired"):
            return True
        progress = self.progress
        return bool(
            progress and progress.total_slots and progress.done_slots >= progress.total_slots
        )


@dataclass(frozen=True, kw_only=True)
class Task(Resource):
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    assignments_per_task: int | None = None


@dataclass(frozen=True, kw_only=True)
class Assignment(Resource):
    """An assignment as its requester sees it, or as its worker does (then with `project_id`,
    `reward_cents`, and on the answer to accept the task's `data` and the answer `fields`)."""

    id: str
    task_id: str | None = None
    batch_id: int | None = None
    project_id: str | None = None
    worker_id: str | None = None
    state: str = ""  # accepted, submitted, approved, rejected, returned, expired
    answers: dict[str, Any] | None = None
    accepted_at: str | None = None
    deadline: str | None = None
    submitted_at: str | None = None
    reviewed_at: str | None = None
    work_seconds: int | None = None
    feedback: str = ""
    is_auto_approved: bool = False
    reward_cents: int | None = None
    currency: str | None = None
    data: dict[str, Any] | None = None
    fields: list[str] | None = None


@dataclass(frozen=True, kw_only=True)
class WorkerProject(Resource):
    id: str
    title: str
    description: str = ""
    reward_cents: int = 0
    raised_reward_cents: int | None = None  # the pay floor's raise, when there is one
    currency: str = ""
    tasks_available: int = 0
    estimated_seconds: int | None = None
    median_seconds: int | None = None
    hourly_cents: int | None = None


@dataclass(frozen=True, kw_only=True)
class Balance(Resource):
    currency: str
    available_cents: int = 0
    escrow_cents: int = 0
    due_back_cents: int = 0
    auto_approvals_due_cents: int = 0
    deposited_cents: int = 0
    rewards_cents: int = 0
    bonuses_cents: int = 0


@dataclass(frozen=True, kw_only=True)
class Earnings(Resource):
    currency: str
    available_cents: int = 0
    pending_cents: int = 0
    paid_out_cents: int = 0
    due_cents: int = 0
    awaiting_review_cents: int = 0


@dataclass(frozen=True, kw_only=True)
class LedgerLine(Resource):
    """A line of the requester's statement: money in (positive) or out of the account."""

    id: int | None = None
    created_at: str | None = None
    kind: str = ""
    memo: str = ""
    batch_id: int | None = None
    assignment_id: str | None = None
    amount_cents: int = 0
    currency: str = ""


@dataclass(frozen=True, kw_only=True)
class Qualification(Resource):
    id: str
    name: str = ""
    description: str = ""
    keywords: str = ""
    status: str = ""
    is_requestable: bool = True
    auto_granted: bool = False
    auto_granted_value: int | None = None
    created_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class Grant(Resource):
    worker_id: str
    value: int | None = None
    status: str = ""
    granted_at: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class Bonus(Resource):
    id: int
    assignment_id: str = ""
    worker_id: str = ""
    amount_cents: int = 0
    fee_cents: int = 0
    currency: str = ""
    reason: str = ""
    created_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewResult(Resource):
    reviewed: int = 0


def format_cents(cents: int, currency: str = "") -> str:
    """12345, "EUR" -> "123.45 EUR"; negative amounts keep their sign."""
    sign = "-" if cents < 0 else ""
    whole, minor = divmod(abs(int(cents)), 100)
    text = f"{sign}{whole}.{minor:02d}"
    return f"{text} {currency}" if currency else text


def parse_cents(text: str) -> int:
    """ "0.5" -> 50, "12" -> 1200, "1.234" refused: amounts have at most two decimals."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    whole, _, minor = text.partition(".")
    if not whole and not minor or not (whole or "0").isdigit() or (minor and not minor.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    if len(minor) > 2:
        raise ValueError(f"more than two decimals: {text!r}")
    return sign * (int(whole or "0") * 100 + int(minor.ljust(2, "0") or "0"))
