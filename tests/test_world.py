"""The crawlers' helpers (tests/world.py): their world is built once per module and copied for
each test (`fresh_copy`), a copy as independent of the world as a deep copy is; and while they run,
only server errors are logged; their clients' handler answers as Django's test handler does.
"""
import copy
import logging
import weakref

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponseServerError
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.log import log_response

from tests import make_meeting_type, make_owner
from tests.world import CrawlerHandler, OwnerWorld, client_errors_unlogged, crawler_client, fresh_copy
from webhooks.models import Delivery, DeliveryStatus, EventType, WebhookEndpoint


def _fields(instance) -> dict:
    # deepcopy goes through pickling, which leaves the Django version in the instance's __dict__.
    return {name: value for name, value in instance.__dict__.items() if name not in ("_state", "_django_version")}


@pytest.fixture
def world(db):
    owner = make_owner()
    meeting_type = make_meeting_type(owner)  # its owner cached: the same instance as `owner`
    endpoint = WebhookEndpoint.objects.create(owner=owner, url="https://hooks.example.com/a",
                                              events=[EventType.BOOKING_CREATED], enabled=False)
    delivery = Delivery.objects.create(endpoint=endpoint, event_type=EventType.BOOKING_CREATED,
                                       payload={"id": 1, "tags": ["a"]}, status=DeliveryStatus.FAILED,
                                       give_up_at=timezone.now())
    fields = dict.fromkeys(OwnerWorld.__dataclass_fields__)
    fields.update(owner=owner, meeting_type=meeting_type, webhook_endpoint=endpoint, webhook_delivery=delivery,
                  api_key_secret="secret", _read_once={"ids": {"meeting_type": meeting_type.pk}})
    alice = OwnerWorld(**fields)
    alice.ids()
    return alice, OwnerWorld(**{**fields, "_read_once": {}})


def test_the_copy_has_new_instances_with_the_same_values_and_states_as_a_deep_copy(world):
    copied, deep = fresh_copy(world), copy.deepcopy(world)

    assert type(copied) is tuple and len(copied) == 2
    for name in ("owner", "meeting_type", "webhook_endpoint", "webhook_delivery"):
        original = getattr(world[0], name)
        clone = getattr(copied[0], name)
        assert clone is not original and type(clone) is type(original)
        assert _fields(clone) == _fields(getattr(deep[0], name)) == _fields(original)
        assert clone._state is not original._state
        assert (clone._state.db, clone._state.adding) == (original._state.db, original._state.adding)
        assert clone._state.fields_cache.keys() == original._state.fields_cache.keys()
    assert copied[0].ids() == world[0].ids() and copied[0]._read_once is not world[0]._read_once


def test_an_object_the_world_names_twice_is_one_object_in_the_copy(world):
    alice, bob = fresh_copy(world)

    assert alice.meeting_type.owner is alice.owner is bob.owner
    assert alice.webhook_delivery.endpoint is alice.webhook_endpoint
    assert alice.owner is not world[0].owner


def test_what_a_test_changes_in_its_copy_leaves_the_world_as_it_was(world):
    alice, _bob = fresh_copy(world)

    alice.owner.display_name = "Changed"
    alice.meeting_type.owner.slug = "changed"
    alice.webhook_endpoint.events.append(EventType.BOOKING_CANCELLED)
    alice.webhook_delivery.payload["tags"].append("b")
    alice.meeting_type._state.fields_cache.clear()
    alice._read_once["ids"]["meeting_type"] = 0

    original = world[0]
    assert original.owner.display_name != "Changed" and original.owner.slug != "changed"
    assert original.webhook_endpoint.events == [EventType.BOOKING_CREATED]
    assert original.webhook_delivery.payload == {"id": 1, "tags": ["a"]}
    assert original.meeting_type.owner is original.owner
    assert original.ids()["meeting_type"] == original.meeting_type.pk


@pytest.mark.django_db
def test_while_the_crawlers_run_a_4xx_is_not_logged_and_a_server_error_is(client, caplog):
    client.raise_request_exception = False
    level = logging.getLogger("django.request").level

    client.get("/no/such/page/")
    logged_outside = [record.status_code for record in caplog.records if record.name == "django.request"]
    caplog.clear()
    with client_errors_unlogged():
        client.get("/no/such/page/")
        log_response("Internal Server Error: %s", "/", response=HttpResponseServerError(),
                     request=RequestFactory().get("/"))

    assert logged_outside == [404]
    assert [(record.levelname, record.status_code) for record in caplog.records
            if record.name == "django.request"] == [("ERROR", 500)]
    assert logging.getLogger("django.request").level == level



def _receivers() -> list:
    return [[(key, receiver()) for key, receiver, _is_async in signal.receivers]
            for signal in (request_started, request_finished)]


def _finalizers_on_close_old_connections() -> int:
    """The finalizers registered on close_old_connections (Signal.connect adds one at each connect).
    Counted by their object, not in all: a request on PostgreSQL with Redis registers others of its
    own (connections, pools) that have nothing to do with the handler."""
    return sum(1 for info in list(weakref.finalize._registry.values()) if info.weakref() is close_old_connections)


def _send_both(client) -> tuple[list, int]:
    """A GET and a POST of the log-in page: (responses, finalizers on close_old_connections left
    registered)."""
    finalizers = _finalizers_on_close_old_connections()
    responses = [client.get("/accounts/login/?next=/dashboard/"),
                 client.post("/accounts/login/", {"username": "a@example.com", "password": "x"})]
    return responses, _finalizers_on_close_old_connections() - finalizers


@pytest.mark.django_db
def test_the_crawlers_handler_answers_as_djangos_and_leaves_the_signals_as_they_were():
    crawler, usual = crawler_client(), Client()
    assert type(crawler.handler) is CrawlerHandler
    usual.get("/accounts/")  # Django's handler leaves close_old_connections last, as ours does
    receivers = _receivers()
    heard = []

    def started(sender, **kwargs):
        heard.append(("started", sender))

    def finished(sender, **kwargs):
        heard.append(("finished", sender))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        ours, left_by_ours = _send_both(crawler)
        heard_by_ours, heard[:] = list(heard), []
        djangos, left_by_djangos = _send_both(usual)
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    # Django's connects close_old_connections twice a request, each time with a finalizer on it.
    assert (left_by_ours, left_by_djangos) == (0, 2 * 2)
    assert heard_by_ours == heard
    assert _receivers() == receivers
    for mine, theirs in zip(ours, djangos, strict=True):
        assert mine.status_code == theirs.status_code
        assert mine.wsgi_request.get_full_path() == theirs.wsgi_request.get_full_path()
        assert mine.wsgi_request.POST == theirs.wsgi_request.POST
        assert mine.wsgi_request._dont_enforce_csrf_checks == theirs.wsgi_request._dont_enforce_csrf_checks
        assert sorted(mine.headers) == sorted(theirs.headers)
