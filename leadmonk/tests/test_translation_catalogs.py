"""The German and Spanish catalogs ship complete: every message translated, none fuzzy, the
compiled .mo in step with its .po, and nothing in the code that `makemessages` would add (a new
client string without a translation fails here, not in front of a client).

Run `make messages` (README, "Languages") to extract, then translate what it adds."""
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGUAGES = ("de", "es")
LOCALE = Path(settings.BASE_DIR) / "locale"


def catalog(language: str, suffix: str = "po"):
    path = LOCALE / language / "LC_MESSAGES" / f"django.{suffix}"
    return polib.pofile(str(path)) if suffix == "po" else polib.mofile(str(path))


def msgids(po) -> set[tuple[str, str]]:
    return {(entry.msgid, entry.msgid_plural) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    assert len(po) > 500
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{language}: not translated: {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:10]}"
    assert not po.metadata_is_fuzzy
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    for entry in po:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.get(form) for form in (0, 1)), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_one_committed(language):
    po, mo = catalog(language), catalog(language, "mo")
    compiled = {(entry.msgid, entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))) for entry in mo}
    source = {(entry.msgid, entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))) for entry in po
              if not entry.obsolete}
    assert source <= compiled, "run `make messages` (compilemessages) and commit the .mo files"


def test_makemessages_would_add_no_new_message(tmp_path, monkeypatch):
    """Extract from a scratch copy of the code as it is now and compare: a string marked for
    translation that the catalogs lack (or one they still carry that the code dropped) fails. A
    copy, because makemessages writes into the nearest locale/ folder, the committed one here."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is needed to extract messages: apt-get install gettext")
    source = Path(settings.BASE_DIR)
    copy = tmp_path / "code"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
        ".*", "locale", "media", "staticfiles", "var", "node_modules", "__pycache__", "*.pyc", "*.mo", "*.po"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["de"], no_location=True, no_obsolete=True, verbosity=0)
    extracted = msgids(polib.pofile(str(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")))
    committed = msgids(catalog("de"))
    assert extracted - committed == set(), f"new messages to translate (make messages): {sorted(extracted - committed)[:10]}"
    assert committed - extracted == set(), f"messages no longer used (make messages): {sorted(committed - extracted)[:10]}"
    assert msgids(catalog("es")) == committed
