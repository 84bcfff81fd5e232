"""Celery tasks queued by a thread of the process instead of the request's: building a task's message
and handing it to the broker costs Celery and kombu 0.6 ms of CPU (docs/performance.md, issue 32),
which a booking's client need not wait for once its transaction has committed.

Only for a task whose loss something else repairs. A message handed to `publish` can be lost as
one whose `delay` failed can (the broker down, and here also the process ending before its thread
sent it), so the caller must keep the work in a database row that a sweep queues again: a
transactional message stays pending until delivered, and the dispatcher's sweep queues the pending
ones again (notifications.tasks.messages_requeue_stale). At the process's exit the thread is given a
few seconds to send what it holds.

With CELERY_TASK_ALWAYS_EAGER (tests, a machine without a worker) the task runs at once in the
caller's thread, as `delay` runs it there: what a test sees after the commit is what it saw before.
"""
import atexit
import logging
import os
import queue
import threading

logger = logging.getLogger(__name__)

_pending: queue.SimpleQueue | None = None
_started_in_pid: int | None = None
_start_lock = threading.Lock()


def publish(task, *args) -> None:
    """`task.delay(*args)`, from the publishing thread (eager Celery: here and now)."""
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return
    _queue().put((task, args))


def flush(timeout: float = 5.0) -> bool:
    """Wait until every task handed to `publish` so far has been handed to the broker (or failed
    to be); False when `timeout` seconds were not enough."""
    if _started_in_pid != os.getpid():
        return True  # nothing was published by this process
    done = threading.Event()
    _queue().put((None, done))
    return done.wait(timeout)


def _queue() -> queue.SimpleQueue:
    """The publishing thread's queue, the thread started on first use in each process: a worker
    forked from a server's master process inherits no thread, and needs its own."""
    global _pending, _started_in_pid
    if _started_in_pid != os.getpid():
        with _start_lock:
            if _started_in_pid != os.getpid():
                _pending = queue.SimpleQueue()
                threading.Thread(target=_publish_forever, args=(_pending,), name="celery-publisher",
                                 daemon=True).start()
                _started_in_pid = os.getpid()
    return _pending


def _publish_forever(pending: queue.SimpleQueue) -> None:
    while True:
        task, args = pending.get()
        if task is None:  # flush(): everything before it has been sent
            args.set()
            continue
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - the broker is down: the caller's sweep queues it again
            logger.exception("Could not queue %s%r; the sweep will queue it again", task.name, args)


atexit.register(flush)
