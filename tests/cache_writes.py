"""Recording the cache's calls in a test: what a service writes to or reads from the cache, and how many calls."""
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


def record_cache_reads(monkeypatch) -> list:
    """From now on, each cache read (a round trip to Redis) appended to the list returned: ("get",
    key) or ("get_many", sorted keys). The memory cache's get_many calls get: those are not counted
    again, so the embedded defaults and Redis count the same."""
    reads, inside = [], []
    real_get, real_get_many = cache.get, cache.get_many

    def fake_get(key, *args, **kwargs):
        if not inside:
            reads.append(("get", key))
        return real_get(key, *args, **kwargs)

    def fake_get_many(keys, *args, **kwargs):
        reads.append(("get_many", sorted(keys)))
        inside.append(True)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", fake_get)
    monkeypatch.setattr(cache, "get_many", fake_get_many)
    return reads
