"""Record what an event publishes, for tests of who publishes what, and how often."""

from contextlib import contextmanager

from microwork.common.events import Event


@contextmanager
def recorded(*events: Event):
    """Yield a list that receives every payload `events` publish inside the block."""
    payloads: list = []
    for event in events:
        event.subscribe(payloads.append)
    try:
        yield payloads
    finally:
        for event in events:
            event._subscribers.remove(payloads.append)
