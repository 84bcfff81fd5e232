from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from leadmonk import content_version
        from scheduling import receivers

        receivers.connect()
        content_version.connect()
