"""The Redis cache backend builds one redis client per server, not one per cache call."""
from leadmonk.cache import RedisCache


def test_cache_calls_share_one_redis_client():
    cache = RedisCache("redis://127.0.0.1:1/0", {})  # nothing listens: building clients connects nowhere

    client = cache._cache.get_client("a")

    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client


def test_with_a_replica_reads_and_writes_keep_a_client_each():
    cache = RedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})

    writer, reader = cache._cache.get_client(write=True), cache._cache.get_client()

    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["port"] == 1
    assert reader.connection_pool.connection_kwargs["port"] == 2
    assert cache._cache.get_client(write=True) is writer and cache._cache.get_client() is reader
