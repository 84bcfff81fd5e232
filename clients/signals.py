"""What clients announces, for the other apps (webhooks, portal, waitlists), which clients never
imports. The erasure's signal itself is defined below every app (leadmonk.client_email), so the apps
beside clients can listen to it; this name stays for readers of this app."""
from leadmonk.client_email import client_erased

__all__ = ["client_erased"]
