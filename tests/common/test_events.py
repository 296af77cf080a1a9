"""Events and hooks (common/events.py): plain calls, in order, typed, no double subscription."""

from dataclasses import dataclass

import pytest

from microwork.common.events import Event, Hook


@dataclass(frozen=True)
class Happened:
    value: int


@dataclass(frozen=True)
class Other:
    value: int


def test_publish_calls_every_subscriber_in_the_order_they_subscribed():
    event = Event("happened", Happened)
    calls = []
    event.subscribe(lambda payload: calls.append(("first", payload.value)))
    event.subscribe(lambda payload: calls.append(("second", payload.value)))

    event.publish(Happened(7))

    assert calls == [("first", 7), ("second", 7)]


def test_subscribing_the_same_function_twice_calls_it_once():
    event = Event("happened", Happened)
    calls = []

    def subscriber(payload):
        calls.append(payload.value)

    event.subscribe(subscriber)
    event.subscribe(subscriber)
    event.publish(Happened(1))

    assert calls == [1]
    assert event.subscribers == (subscriber,)


def test_a_payload_of_another_type_is_refused_before_any_subscriber_runs():
    event = Event("happened", Happened)
    calls = []
    event.subscribe(calls.append)

    with pytest.raises(TypeError, match="event 'happened' takes a Happened, not a Other"):
        event.publish(Other(1))

    assert calls == []


def test_a_subscriber_that_raises_stops_the_publish_and_the_error_reaches_the_publisher():
    event = Event("happened", Happened)
    calls = []

    def refuse(payload):
        raise ValueError("no")

    event.subscribe(refuse)
    event.subscribe(calls.append)

    with pytest.raises(ValueError, match="no"):
        event.publish(Happened(1))

    assert calls == []


def test_a_hook_answers_with_its_default_until_provided_then_with_its_provider():
    hook = Hook("double", lambda value: value * 2)
    assert hook.is_provided is False
    assert hook.call(3) == 6

    def triple(value):
        return value * 3

    hook.provide(triple)
    hook.provide(triple)  # the same provider again (an app's ready() run twice) is no change

    assert hook.is_provided is True
    assert hook.call(3) == 9


def test_a_second_provider_is_refused_and_the_first_stays():
    hook = Hook("double", lambda value: value * 2)

    def first(value):
        return 1

    hook.provide(first)
    with pytest.raises(RuntimeError, match="already provided"):
        hook.provide(lambda value: 2)

    assert hook.call(0) == 1
