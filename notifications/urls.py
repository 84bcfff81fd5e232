"""Provider callbacks for notifications (Twilio status callbacks)."""
app_name = "notifications"

urlpatterns: list = []
