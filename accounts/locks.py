"""The owner's row lock: the one lock every write that counts an owner's bookings takes first.

Lock order, everywhere: owner, then order item and order (orders), then payment (payments). Taking
the owner first serialises one owner's bookings, quotas and refunds (two owners never wait for each
other) and rules out deadlocks between those writes. Taking it twice in one transaction is free.
An order placed with a promo code locks the owner, its package, then the promo code's row last
(promotions.services.promo_redeem: the code's uses are counted after that lock); nothing that holds
a code's lock takes another lock after it, and releasing a use takes none.
"""
from accounts.models import User


def lock_owner(owner_id: int) -> None:
    """Take the owner's row lock for the rest of the current transaction (call inside atomic())."""
    User.objects.select_for_update().filter(pk=owner_id).values_list("pk", flat=True).get()


def lock_owners(owner_ids) -> None:
    """Lock several owners' rows in ascending id order: two requests that need overlapping sets of
    owners (a team meeting's hosts) then queue on the lowest shared id first and never deadlock."""
    for owner_id in sorted(set(owner_ids)):
        lock_owner(owner_id)
