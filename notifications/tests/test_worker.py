"""End to end through a real Celery worker on Redis: a committed booking's confirmation email is
sent by the worker process. Needs PostgreSQL (the worker must see committed rows) and REDIS_URL;
CI sets both."""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from leadmonk.celery import app as celery_app
from notifications.models import Message, MessageStatus
from notifications.tests.conftest import SESSION_START
from scheduling.services import booking_create
from tests import NOW

REDIS_URL = os.environ.get("REDIS_URL", "")


def _test_database_url() -> str:
    """DATABASE_URL with the name of the database this test runs in (test_<name>)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker(tmp_path):
    """A `celery -A leadmonk worker` on its own queue, writing emails as files into a folder."""
    queue = f"lm-test-{uuid.uuid4().hex[:12]}"
    outbox = tmp_path / "mail"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"filemail:///{outbox}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TESTING": "false",
        "SITE_URL": settings.SITE_URL,
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "leadmonk", "worker", "-Q", queue, "--pool", "solo",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield outbox, tmp_path / "worker.log"
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    return predicate()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (CI does)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_booking_confirmation(coaching, worker):
    outbox, worker_log = worker
    coaching.owner.notify_owner_by_email = False
    coaching.owner.save()
    with time_machine.travel(NOW, tick=True):
        booking = booking_create(
            meeting_type=coaching, start=SESSION_START, client_name="Dana Client",
            client_email="dana@example.com", client_timezone="Europe/Berlin",
        )

    # The row is marked sent after the backend has written and closed the file.
    message = _wait_for(lambda: Message.objects.filter(booking=booking, status=MessageStatus.SENT).first())
    assert message is not None, f"the worker sent no email; its log:\n{worker_log.read_text()[-4000:]}"
    assert message.recipient == "dana@example.com"
    [email_file] = Path(outbox).glob("*.log")
    email = email_file.read_text()
    assert "Subject: Confirmed: Coaching session with Casey Coach" in email
    assert "To: dana@example.com" in email
    assert "text/calendar" in email


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (CI does)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_reminder_dispatcher(coaching, worker):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Channel, Reminder, ReminderStatus
    from notifications.tasks import dispatch_due_reminders
    from notifications.tests.conftest import make_booking

    outbox, worker_log = worker
    # The worker is another process on the machine's real clock, which the test clock cannot move:
    # the booking and its reminder are set around the real "now" the worker will see.
    real_now = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=UTC)
    with time_machine.travel(real_now, tick=True):
        booking = make_booking(coaching, start=timezone.now() + timedelta(hours=2), client_phone="")
        reminder = Reminder.objects.create(booking=booking, channel=Channel.EMAIL, offset_minutes=180,
                                           due_at=timezone.now() - timedelta(hours=1))
        dispatch_due_reminders.delay()

    sent = _wait_for(lambda: Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENT).exists())
    assert sent, f"the reminder was not sent; the worker's log:\n{worker_log.read_text()[-4000:]}"
    [email_file] = Path(outbox).glob("*.log")
    assert "Subject: Reminder: Coaching session with Casey Coach" in email_file.read_text()
