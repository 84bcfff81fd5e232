"""`manage.py check --deploy` warns about a production site without Redis: each gunicorn worker
would keep its own cache (a change bumps the version only in the worker that wrote it, the others
serve the old page for up to ten minutes) and its own rate limits, and Celery's queue would be a
folder on one machine. Registered by accounts' AppConfig.ready(), the lowest app."""
from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def redis_in_production(app_configs=None, **kwargs) -> list[Warning]:
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [Warning(
        "REDIS_URL is not set in production.",
        hint="Without it Celery's queue is a folder on this machine and, unless REDIS_CACHE_URL is set, each "
             "gunicorn worker keeps its own cache (pages stay stale in the other workers after a change) "
             "and its own rate limits. Set REDIS_URL (README, \"Running in production\").",
        id="leadmonk.W001",
    )]
