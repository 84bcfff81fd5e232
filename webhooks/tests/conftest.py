import pytest


@pytest.fixture
def receiver(webhook_receiver):
    return webhook_receiver
