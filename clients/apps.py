from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from clients import receivers
        from clients.models import ClientErasure
        from leadmonk.content_version import ORDERS, watch

        receivers.connect()
        # The Clients page is cached under the owner's ORDERS version (leadmonk.dashboard_pages); the
        # clients table changes only with the rows that bump it (clients.upkeep), and by a rebuild.
        watch(ClientErasure, kind=ORDERS)
