"""Database helpers of the tests: which engine runs, and real threads racing for a row."""
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def race(count: int, attempt: Callable[[int], object], refusal: type[Exception]) -> tuple[int, list[str]]:
    """Run `attempt(i)` in `count` real threads released together by a barrier (each on its own
    database connection). Returns (successes, messages of the `refusal` exceptions raised); any
    other exception fails the test."""
    barrier = threading.Barrier(count)
    successes, refusals, errors = [], [], []

    def run(index: int) -> None:
        try:
            barrier.wait()
            attempt(index)
            successes.append(index)
        except refusal as refused:
            refusals.append(getattr(refused, "message", str(refused)))
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert errors == []
    return len(successes), refusals
