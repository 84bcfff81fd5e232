"""One app server for the multi-server tests (tests/test_two_servers.py): gunicorn serving
leadmonk.wsgi as production runs it, but at the test's clock (LEADMONK_TEST_CLOCK), so the times
the test built are the future for the server too. Configured by the environment the test passes
(DATABASE_URL, REDIS_URL, TESTING, TRUSTED_PROXY_COUNT, ...).

    LEADMONK_TEST_CLOCK=2026-06-10T15:00:00+00:00 PYTHONPATH=. python scripts/appserver.py 127.0.0.1:PORT

A script, not a module of the `tests` package: importing that package imports the test builders,
and so Django's models, before Django is set up.
"""
import datetime
import os
import sys

import time_machine
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, bind: str):
        self.bind = bind
        super().__init__()

    def load_config(self) -> None:
        # Two sync workers, as production runs several: requests race inside one server too. The app
        # is imported once, before the fork, and every worker inherits the clock set below.
        for name, value in {"bind": self.bind, "workers": 2, "preload_app": True, "timeout": 60,
                            "accesslog": "-", "errorlog": "-", "control_socket_disable": True}.items():
            self.cfg.set(name, value)

    def load(self):
        from leadmonk.wsgi import application

        return application


def main(bind: str) -> None:
    # Nothing of Django is imported yet: the clock is set before anything reads it.
    time_machine.travel(datetime.datetime.fromisoformat(os.environ["LEADMONK_TEST_CLOCK"]), tick=True).start()
    _Gunicorn(bind).run()


if __name__ == "__main__":
    main(sys.argv[1])
