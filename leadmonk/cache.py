"""Django's Redis cache backend, less one cost per cache call.

Django's client builds a new `redis.Redis` for every call: its constructor fills a table of some
170 response callbacks, about 70 µs of CPU, as much as the round trip's own CPU (measured with
`python -m bench.profile`: half of what a cached page's one cache read cost). This client keeps
one `redis.Redis` per connection pool. A `redis.Redis` holds no connection of its own (each command
takes one from the pool and gives it back), so sharing it changes nothing else; Django's cache
handler already gives each thread its own backend.
"""
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
