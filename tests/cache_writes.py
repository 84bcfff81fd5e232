"""Recording the cache's writes in a test: what a service writes to the cache, and how many calls."""
from django.core.cache import cache


def record_cache_writes(monkeypatch) -> list:
    """From now on, each cache write appended to the list returned: ("set", key) or ("set_many",
    sorted keys). The memory cache's set_many calls set: those are not counted again."""
    writes, inside = [], []
    real_set, real_set_many = cache.set, cache.set_many

    def fake_set(key, *args, **kwargs):
        if not inside:
            writes.append(("set", key))
        return real_set(key, *args, **kwargs)

    def fake_set_many(mapping, *args, **kwargs):
        writes.append(("set_many", sorted(mapping)))
        inside.append(True)
        try:
            return real_set_many(mapping, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "set", fake_set)
    monkeypatch.setattr(cache, "set_many", fake_set_many)
    return writes
