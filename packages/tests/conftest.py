import pytest


@pytest.fixture(autouse=True)
def both_payment_mediums(monkeypatch):
    """Package tests offer Stripe and PayPal; which ones an owner has connected is the payments
    app's business (payments.connections.available_mediums), tested there."""
    monkeypatch.setattr("packages.views._available_mediums", lambda owner: ["stripe", "paypal"])
