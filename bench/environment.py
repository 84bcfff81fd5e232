"""The bench's environment: Django's settings as production has them (DEBUG off, PostgreSQL, Redis
for the cache, sessions and the Celery broker), pointed at a database and a Redis database of the
bench's own, and their set-up. Each entry point (`python -m bench`, `bench.engine`, `bench.profile`)
calls configure() before django.setup(), which reads the settings from the environment."""
import os


def configure(*, database_url: str, redis_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url, DEBUG="false", BENCH_MODE="true", SECRET_KEY="bench-" + "x" * 60,
        CALENDAR_ENCRYPTION_KEY="bGVhZG1vbmstYmVuY2gtY2FsZW5kYXIta2V5LTAwMDE=",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver", SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING",
        SITE_URL="https://bench.example.com",  # production refuses a plain-http site address
        TESTING="false", DJANGO_SETTINGS_MODULE="leadmonk.settings",
        # Redis as in production (shared cache for sessions, the Celery broker), on a database of its
        # own that is emptied first: the messages the booking path queues are never delivered.
        REDIS_URL=redis_url,
        # wrk and the profile send thousands of requests a second with one API key: the per-key
        # limit (its counter is still kept in the cache on every request) must not answer 429.
        API_RATE_LIMIT_PER_MINUTE="100000000",
    )


def recreate_database(database_url: str) -> None:
    """Drop the bench's database and create it empty."""
    from urllib.parse import urlparse

    import psycopg2
    from psycopg2 import sql

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                             password=url.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def empty_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def start_afresh(*, database_url: str, redis_url: str) -> None:
    """`configure`, the database dropped and re-created, Redis emptied, Django set up and the
    database migrated: what every entry point of the benchmark does first."""
    configure(database_url=database_url, redis_url=redis_url)
    recreate_database(database_url)
    empty_redis(redis_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
