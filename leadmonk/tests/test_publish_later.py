"""Celery tasks queued from the process's publishing thread (leadmonk.publish_later): off the caller's
thread when a broker is used, each one sent, a failure logged without stopping the ones after it,
and at once in the caller's thread when Celery runs eagerly (the tests)."""
import threading
from types import SimpleNamespace

import pytest

from leadmonk import publish_later


class FakeTask:
    """What publish uses of a Celery task: its app's eagerness, its name and `delay`."""

    name = "tests.fake"

    def __init__(self, *, eager: bool, fail_on: list | None = None):
        self.app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=eager))
        self.sent: list[tuple[tuple, str]] = []
        self.fail_on = fail_on or []

    def delay(self, *args):
        if args in self.fail_on:
            raise ConnectionRefusedError("broker unreachable")
        self.sent.append((args, threading.current_thread().name))


def test_with_a_broker_the_task_is_sent_from_the_publishing_thread():
    task = FakeTask(eager=False)

    publish_later.publish(task, 7)
    publish_later.publish(task, [8, 9])

    assert publish_later.flush()
    assert task.sent == [((7,), "celery-publisher"), (([8, 9],), "celery-publisher")]


def test_a_task_the_broker_refuses_is_logged_and_the_next_one_still_goes(caplog):
    task = FakeTask(eager=False, fail_on=[(1,)])

    publish_later.publish(task, 1)
    publish_later.publish(task, 2)

    assert publish_later.flush()
    assert task.sent == [((2,), "celery-publisher")]
    assert "Could not queue tests.fake(1,); the sweep will queue it again" in caplog.text


def test_eager_celery_runs_the_task_at_once_in_the_callers_thread():
    task = FakeTask(eager=True)

    publish_later.publish(task, 3)

    assert task.sent == [((3,), threading.current_thread().name)]


def test_eager_errors_reach_the_caller_as_delay_raises_them():
    """on_commit(robust=True) then logs them, as it did when the receiver called delay itself."""
    task = FakeTask(eager=True, fail_on=[(4,)])

    with pytest.raises(ConnectionRefusedError):
        publish_later.publish(task, 4)
