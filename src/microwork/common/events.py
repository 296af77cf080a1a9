"""Events and hooks: how a lower package sets off or asks a higher one without importing it.

The packages import in one direction (.importlinter, docs/architecture.md): work never imports
payments or quality. When work approves an assignment, payments must pay it and fairness top it
up to the pay floor; when a worker accepts, quality must say whether they may. So work declares

- an **Event**: "this happened", with a typed payload. Higher apps subscribe in their
  `AppConfig.ready()`; `publish()` calls every subscriber at once, in the publisher's
  transaction, in the order of INSTALLED_APPS. A subscriber's exception propagates and rolls the
  whole act back: an approval whose payment fails is not approved.
- a **Hook**: "ask whoever knows". One higher app provides it at start-up; until then the hook
  answers with its default, so a lower package works, and is tested, on its own.

Both are plain function calls: no queue, no threads, nothing deferred. Work that must wait for
the commit (a job, a notification) is queued by the subscriber with `transaction.on_commit`.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

P = TypeVar("P")
F = TypeVar("F", bound=Callable)


class Event(Generic[P]):
    """A domain event whose payload is an instance of `payload_type` (a frozen dataclass)."""

    def __init__(self, name: str, payload_type: type[P]):
        self.name = name
        self.payload_type = payload_type
        self._subscribers: list[Callable[[P], object]] = []

    def subscribe(self, subscriber: Callable[[P], object]) -> Callable[[P], object]:
        """Call `subscriber(payload)` on each publish; subscribing twice is a no-op, so an
        app's ready() may run again (as in tests) without paying twice."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    def publish(self, payload: P) -> None:
        if not isinstance(payload, self.payload_type):
            raise TypeError(
                f"event {self.name!r} takes a {self.payload_type.__name__}, "
                f"not a {type(payload).__name__}"
            )
        for subscriber in self._subscribers:
            subscriber(payload)

    @property
    def subscribers(self) -> tuple[Callable[[P], object], ...]:
        return tuple(self._subscribers)

    def __repr__(self) -> str:
        return f"<Event {self.name}: {len(self._subscribers)} subscribers>"


class Hook(Generic[F]):
    """A function a lower package calls and a higher one provides; `default` until provided."""

    def __init__(self, name: str, default: F):
        self.name = name
        self.default = default
        self._provider: F | None = None

    def provide(self, provider: F) -> F:
        if self._provider is not None and self._provider is not provider:
            raise RuntimeError(f"hook {self.name!r} is already provided by {self._provider!r}")
        self._provider = provider
        return provider

    @property
    def call(self) -> F:
        """The provider, or the default: `hook.call(...)`."""
        return self._provider if self._provider is not None else self.default

    @property
    def is_provided(self) -> bool:
        return self._provider is not None

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {self._provider or self.default!r}>"
