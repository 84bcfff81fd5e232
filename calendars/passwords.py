"""The app passwords of CalDAV accounts, encrypted at rest with Fernet (cryptography) under
CALENDAR_ENCRYPTION_KEY from the environment."""
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    pass


def _fernet() -> Fernet:
    return Fernet(settings.CALENDAR_ENCRYPTION_KEY)


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "The saved password cannot be read (the encryption key changed); enter it again.") from error
