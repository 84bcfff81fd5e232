"""`manage.py check --deploy` warns when production runs without Redis (leadmonk/checks.py)."""
from django.core.checks import Tags, run_checks


def warning_ids(*, deploy: bool) -> set[str]:
    return {message.id for message in run_checks(tags=[Tags.caches], include_deployment_checks=deploy)}


def test_production_without_redis_is_warned_by_the_deploy_check(settings):
    settings.DEBUG, settings.REDIS_URL = False, ""
    assert "leadmonk.W001" in warning_ids(deploy=True)
    assert "leadmonk.W001" not in warning_ids(deploy=False)  # a plain `check` stays quiet


def test_production_with_redis_or_development_without_it_is_not_warned(settings):
    settings.DEBUG, settings.REDIS_URL = False, "redis://127.0.0.1:6379/0"
    assert "leadmonk.W001" not in warning_ids(deploy=True)
    settings.DEBUG, settings.REDIS_URL = True, ""
    assert "leadmonk.W001" not in warning_ids(deploy=True)
