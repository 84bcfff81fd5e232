"""What clients announces, for the apps above it (webhooks), which clients never imports."""
from django.dispatch import Signal

# owner=<User>, order_ids=[int], booking_ids=[int], scrub=<callable>: a client of `owner` is being
# erased (clients.services.client_erase), inside its transaction; `scrub(value)` returns a JSON
# value (dicts, lists, strings) with the client's names, address and phones replaced. An app that
# keeps copies of those orders or bookings rewrites them with it.
client_erased = Signal()
