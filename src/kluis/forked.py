"""Work done one item ahead in a forked process: the bulk paths' preparing (validation, keys,
AES-GCM, blind-index HMACs) beside the writing, so the two use both cores.

``contacts.collect.create_people`` and the import (``transfer.worker``) both hand their batches
to ``ahead``: the child inherits what it needs through ``fork`` (the open file, the plan, the
keys), computes each item, and sends the results through a queue that holds two at most, so
memory stays flat and the child waits for the writer. An error in the child reaches the caller
as the same error, or as its type's name when it cannot travel (the text of an arbitrary error
may quote a value); a child that dies stops the caller. Only for a caller that runs no threads
of its own at the time (forking a process with threads is not safe): the CLI and benchmarks,
never the web server.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

POLL_SECONDS = 1.0
"""How often either side looks whether the other is still there while it waits."""


@dataclass(frozen=True)
class _Failed:
    """What the child sends when its work failed: the error, or its type's name if the error
    itself cannot be sent."""

    error: BaseException | None
    text: str


@dataclass(frozen=True)
class _Done(Generic[Out]):
    result: Out


def ahead(
    work: Callable[[In], Out], items: Iterator[In], *, who: str, name: str
) -> Generator[Out, None, None]:
    """``work(item)`` of each of ``items``, in order, computed in a forked child that starts on
    the next item while the caller uses this one. ``who`` names the work in errors ("the
    import's"), ``name`` the process."""
    fork = multiprocessing.get_context("fork")
    channel: multiprocessing.Queue[_Done[Out] | _Failed | None] = fork.Queue(maxsize=2)
    child = fork.Process(
        target=_produce, args=(work, items, channel, os.getpid()), name=name, daemon=True
    )
    child.start()
    try:
        while True:
            try:
                item = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"{who} worker process stopped unexpectedly") from None
                continue
            if item is None:
                return
            if isinstance(item, _Failed):
                if item.error is not None:
                    raise item.error
                raise RuntimeError(f"{who} worker process failed: {item.text}")
            yield item.result
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        channel.close()


def _produce(
    work: Callable[[In], Out],
    items: Iterator[In],
    channel: multiprocessing.Queue[_Done[Out] | _Failed | None],
    parent: int,
) -> None:
    """The child: every result, then None, or what went wrong."""
    try:
        for item in items:
            _send(channel, _Done(work(item)), parent)
        _send(channel, None, parent)
    except Exception as exc:
        failure = _Failed(exc, str(exc))
        try:
            pickle.dumps(failure)
        except Exception:  # an error that cannot travel is sent by its type's name alone
            failure = _Failed(None, type(exc).__name__)
        _send(channel, failure, parent)


def _send(
    channel: multiprocessing.Queue[_Done[Out] | _Failed | None],
    item: _Done[Out] | _Failed | None,
    parent: int,
) -> None:
    while True:
        try:
            channel.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            if os.getppid() != parent:  # the caller is gone: nobody will read
                os._exit(0)
