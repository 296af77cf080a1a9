import pytest

from tests.webhooks.receivers import Receiver, Silent


@pytest.fixture(autouse=True)
def immediate_queue():
    """huey's immediate mode: a queued job runs at once, in the caller (no worker process);
    a job scheduled for later waits in memory and is not run."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


@pytest.fixture
def local_endpoints(settings):
    """Endpoints on this machine (the test receivers) may be registered and reached."""
    settings.MICROWORK_WEBHOOKS_ALLOW_LOCAL = True


@pytest.fixture
def receivers():
    """make(answers=...) starts a receiver; all are stopped after the test."""
    started = []

    def make(*args, **kwargs) -> Receiver:
        receiver = Receiver(*args, **kwargs)
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.close()


@pytest.fixture
def silent():
    server = Silent()
    yield server
    server.close()
