"""How the portal takes part in erasing a client (leadmonk.client_email.client_erased): their
sign-in links go, and the sign-in emails sent to their address keep the pseudonym instead.
Connected by PortalConfig.ready."""
from django.dispatch import receiver

from leadmonk.client_email import client_erased
from notifications.models import Message, MessageKind
from notifications.services import messages_erase_client
from portal.models import SignInLink


@receiver(client_erased, dispatch_uid="portal.client_erased")
def forget_sign_ins(*, email: str, pseudonym: str, scrub, **_) -> None:
    # The links are the site's, not one owner's: a link is good for half an hour and only its hash is
    # kept, so dropping the address's links costs the client at most a new "Find my bookings".
    SignInLink.objects.filter(email=email).delete()
    messages_erase_client(messages=Message.objects.filter(kind=MessageKind.PORTAL_SIGN_IN, recipient__iexact=email),
                          email=email, pseudonym=pseudonym, scrub=scrub)
