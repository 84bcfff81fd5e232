from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and plans"

    def ready(self) -> None:
        from accounts.models import Subscription, User
        from leadmonk import (
            checks,  # noqa: F401  (registers the production warnings of the settings)
            content_version,
        )

        # The public pages show the owner's profile and what their plan allows; a login or a
        # password change shows nowhere.
        content_version.watch(User, owner_of=lambda user: user.pk, quiet_fields=("last_login", "password"))
        content_version.watch(Subscription)
