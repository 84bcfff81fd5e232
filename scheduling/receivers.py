"""How scheduling reacts to what happens in the apps below it."""
from accounts.signals import owner_signed_up
from scheduling import setup_services


def give_new_owner_working_hours(sender, *, owner, **kwargs) -> None:
    """A new owner starts with Monday to Friday, 09:00–17:00 in their zone, so their booking page
    offers times as soon as they add a meeting type."""
    setup_services.weekly_hours_set_default(owner=owner)


def connect() -> None:
    owner_signed_up.connect(give_new_owner_working_hours, dispatch_uid="scheduling.default_working_hours")
