from django.apps import AppConfig


class WaitlistsConfig(AppConfig):
    name = "waitlists"

    def ready(self) -> None:
        from waitlists import receivers  # noqa: F401  (a freed seat is offered to the first waiting)
