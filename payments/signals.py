"""What payments announces, for the apps above it (api, webhooks), which payments never imports."""
from django.dispatch import Signal

# owner=<User>, stdout=<OutputWrapper>: seed_demo made (or refreshed) the demo owner and the demo
# data of every app up to payments, inside its transaction; an app above adds its own (idempotently).
demo_seeded = Signal()
