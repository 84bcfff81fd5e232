"""Recording the cache's calls in a test: what a service writes to or reads from the cache, and how many calls."""
from django.core.cache import cache


def _record(monkeypatch, one: str, many: str) -> list:
    """Record each call of the cache's `one` (a key) and `many` (keys) methods as (name, key) or
    (name, sorted keys). The memory cache's `many` calls its `one` for each key: those are not
    counted again, so the embedded defaults and Redis (one round trip) count the same."""
    calls, inside = [], []
    real_one, real_many = getattr(cache, one), getattr(cache, many)

    def fake_one(key, *args, **kwargs):
        if not inside:
            calls.append((one, key))
        return real_one(key, *args, **kwargs)

    def fake_many(keys, *args, **kwargs):
        calls.append((many, sorted(keys)))
        inside.append(True)
        try:
            return real_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, one, fake_one)
    monkeypatch.setattr(cache, many, fake_many)
    return calls


def record_cache_writes(monkeypatch) -> list:
    """From now on, each cache write appended to the list returned: ("set", key) or ("set_many",
    sorted keys)."""
    return _record(monkeypatch, "set", "set_many")


def record_cache_reads(monkeypatch) -> list:
    """From now on, each cache read (a round trip to Redis) appended to the list returned: ("get",
    key) or ("get_many", sorted keys)."""
    return _record(monkeypatch, "get", "get_many")
