"""Run a function from many real threads at once, for the PostgreSQL concurrency tests."""

import threading

from django.db import connections


def run_in_threads(count: int, target) -> list[BaseException]:
    """Start `count` threads together on `target(index)` (a barrier releases them at once) and
    return what they raised. Each thread closes its own database connection when done."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as error:  # noqa: BLE001 - collected and asserted on by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return errors
