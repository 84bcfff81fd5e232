"""seed_demo gives the demo owner a read-write API key, printed once (development only)."""
import re

from django.core.management import call_command
from django.test import override_settings

from api.models import ApiKey, ApiKeyScope
from api.services import hash_key


@override_settings(DEBUG=True)
def test_seed_demo_prints_a_working_demo_key_once(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    key = re.search(r"shown once\): (lm_test_\S+)", first).group(1)
    row = ApiKey.objects.get(owner__email="demo@example.com")
    assert (row.key_hash, row.scope) == (hash_key(key), ApiKeyScope.READ_WRITE)
    assert key not in second and row.display_prefix in second
