"""After seed_demo (make run), the demo client signs in to /my/ with the link the email carries
(printed by the console email backend locally) and sees the demo order."""
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from orders.demo import DEMO_CLIENT_EMAIL
from portal.tests.conftest import ask_for_link, link_path_sent_to


@override_settings(DEBUG=True)
@pytest.mark.django_db
def test_the_demo_client_signs_in_and_sees_the_demo_order(client, django_capture_on_commit_callbacks):
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    assert f"Demo client: {DEMO_CLIENT_EMAIL}" in output.getvalue()

    ask_for_link(client, DEMO_CLIENT_EMAIL, django_capture_on_commit_callbacks)
    client.post(link_path_sent_to(DEMO_CLIENT_EMAIL))

    page = client.get("/my/").content.decode()
    assert "With Dana Demo" in page and "left" in page
