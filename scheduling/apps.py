from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from leadmonk import content_version
        from scheduling import receivers
        from scheduling.models import Booking, DateOverride, MeetingType, WeeklyInterval

        receivers.connect()
        # What the public pages and their pickers read (leadmonk.content_version).
        for model in (MeetingType, WeeklyInterval, DateOverride):
            content_version.watch(model)
        content_version.watch(Booking, kind=content_version.BOOKINGS)
        # The owner's dashboard lists: upcoming sessions, the sessions used of an order.
        content_version.watch(Booking, kind=content_version.ORDERS)
