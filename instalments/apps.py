from django.apps import AppConfig


class InstalmentsConfig(AppConfig):
    name = "instalments"

    def ready(self) -> None:
        from instalments import receivers  # noqa: F401  (plans follow their order and its payments)
