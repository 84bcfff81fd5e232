"""Sessions kept in the database and read through the cache, that survive the cache going away.

Django's cached_db store tolerates a failed cache read and a failed cache write on save, but not
the write after a database read, nor `exists` or `delete`: with Redis down every dashboard page and
the login answered 500. Here every cache call is guarded: on an error it is logged and the
database answers, so owners stay logged in and can work while Redis is down.
"""
import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger("leadmonk.sessions")


class SessionStore(CachedDBStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Session cache unavailable; reading the session from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("Session cache unavailable; session not cached", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Session cache unavailable; checking the database", exc_info=True)
        return super(CachedDBStore, self).exists(session_key)

    def delete(self, session_key=None):
        # The database row goes first: it is what counts once the cache is back.
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.error(
                "Session cache unavailable; a deleted session may stay in the cache until it expires",
                exc_info=True,
            )
