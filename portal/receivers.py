"""How the portal takes part in erasing a client (leadmonk.client_email.client_erased): their
sign-in links go, and the sign-in emails sent to their address keep the pseudonym instead. And
what keeps its cached page (/my/, portal.overview) current: every save or delete of an order or a
booking bumps the version of its client email (leadmonk.content_version.client_changed), as does
an order's address rewritten without a save (orders.signals.order_client_changed).
Connected by PortalConfig.ready."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from leadmonk.client_email import client_erased, normalize_email
from leadmonk.content_version import client_changed
from notifications.models import Message, MessageKind
from notifications.services import messages_erase_client
from orders.models import PackageOrder
from orders.signals import order_client_changed
from portal.models import SignInLink
from scheduling.models import Booking


@receiver(client_erased, dispatch_uid="portal.client_erased")
def forget_sign_ins(*, email: str, pseudonym: str, scrub, **_) -> None:
    # The links are the site's, not one owner's: a link is good for half an hour and only its hash is
    # kept, so dropping the address's links costs the client at most a new "Find my bookings".
    SignInLink.objects.filter(email=email).delete()
    for address in (email, pseudonym):  # the rows may be rewritten by update(), which sends no post_save
        client_changed(email=normalize_email(address))
    messages_erase_client(messages=Message.objects.filter(kind=MessageKind.PORTAL_SIGN_IN, recipient__iexact=email),
                          email=email, pseudonym=pseudonym, scrub=scrub)


@receiver(post_save, sender=PackageOrder, dispatch_uid="portal.order_saved")
@receiver(post_delete, sender=PackageOrder, dispatch_uid="portal.order_deleted")
@receiver(post_save, sender=Booking, dispatch_uid="portal.booking_saved")
@receiver(post_delete, sender=Booking, dispatch_uid="portal.booking_deleted")
def client_rows_changed(sender, instance, **kwargs) -> None:
    client_changed(email=normalize_email(instance.client_email))


@receiver(order_client_changed, dispatch_uid="portal.order_client_changed")
def order_moved(*, emails, **kwargs) -> None:
    """An order's address rewritten by update() (a gift handed over, its recipient corrected): both
    addresses' pages change."""
    for email in emails:
        client_changed(email=normalize_email(email))
