"""Admin for support staff: meeting types and availability are editable, bookings read-only
(a booking changes only through scheduling.services, which keeps quotas and reminders right)."""
from django.contrib import admin
from django.db import transaction

from scheduling.models import Booking, DateOverride, MeetingType, WeeklyInterval
from scheduling.signals import meeting_types_changed


@admin.register(MeetingType)
class MeetingTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "slug", "kind", "capacity", "duration_minutes", "state", "updated_at"]
    list_filter = ["state", "kind", "location_kind"]
    search_fields = ["name", "slug", "owner__email", "owner__slug"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        """An edit here is announced as the editor's is (calendars writes the events of sessions
        still ahead again when their place, name or description changed)."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and form.changed_data:
                meeting_types_changed.send(sender=MeetingType, meeting_type_ids=[obj.pk],
                                           fields=frozenset(form.changed_data))


@admin.register(WeeklyInterval)
class WeeklyIntervalAdmin(admin.ModelAdmin):
    list_display = ["owner", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    search_fields = ["owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["owner", "date", "start_time", "end_time"]
    search_fields = ["owner__email"]
    date_hierarchy = "date"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "meeting_type", "owner", "client_name", "client_email", "status", "booked_by"]
    list_filter = ["status", "booked_by"]
    search_fields = ["client_name", "client_email", "owner__email", "token"]
    date_hierarchy = "start"
    list_select_related = ["owner", "meeting_type"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
