"""The Celery app: tasks are autodiscovered in each app's tasks.py; the beat schedule is in settings."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadmonk.settings")

app = Celery("leadmonk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
