from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calendars"
    verbose_name = "Calendars"

    def ready(self) -> None:
        from calendars import receivers  # noqa: F401 - connects the booking signals
        from calendars.services import stale_banner_key
        from leadmonk.dashboard_pages import frame_flag

        # The dashboard's stale-calendar banner (calendars.context_processors), on cached pages too.
        frame_flag("calendar_stale", stale_banner_key)
