"""Ed25519 checks of big batches in worker processes (``verify_worker``), for the server.

libsodium lets go of the interpreter lock while it checks a signature, so threads can verify
beside the thread that checks and writes a batch; but each thread needs the lock back after
every signature and waits for it up to the switch interval (5 ms) while that thread runs
Python: verification then crawls exactly when it should overlap (measured on two cores: 1,000
signatures in 50 ms alone, 110 ms beside 60 ms of Python; in worker processes 31 and 70 ms).
A worker is fed a whole chunk at once, so the calling thread waits on a pipe, without the lock.

Anything odd (a worker that cannot start, dies, or answers short) is never trusted: that chunk is
checked in this process instead and the worker replaced next time. Only public data crosses the
pipe.
"""

from __future__ import annotations

import atexit
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from supervisor_tui.model.verify_worker import COUNT, KEY_BYTES, SIG_BYTES

Check = Callable[[bytes, str], bool]  # (message, signature hex) -> verifies, in this process

_ROOT = Path(__file__).resolve().parents[2]  # where ``supervisor_tui`` is importable from
_CHUNK = 1 << 16  # bytes per write into the pipe


class _Worker:
    COMMAND = [sys.executable, "-m", "supervisor_tui.model.verify_worker"]
    TIMEOUT = 20.0  # seconds for one request (500 signatures take about 30 ms)

    def __init__(self) -> None:
        paths = [str(_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
        self.proc = subprocess.Popen(
            self.COMMAND, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)
        assert self.proc.stdin is not None
        os.set_blocking(self.proc.stdin.fileno(), False)  # writes never block: see _exchange
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ask(self, request: bytes, count: int) -> bytes | None:
        """The worker's answer, or None when it failed or took over ``TIMEOUT`` seconds (then
        it is stopped)."""
        try:
            answer = self._exchange(request, count)
        except (OSError, ValueError):
            answer = None
        if answer is None or len(answer) != count or answer.translate(None, b"\x00\x01"):
            self.stop()
            return None
        return answer

    def _exchange(self, request: bytes, count: int) -> bytes | None:
        """Write the request and read the answer through the pipes, giving up at the deadline
        (a stuck worker must not hold a push forever); the calling thread waits without the
        interpreter lock."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        out_fd, in_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        deadline = time.monotonic() + self.TIMEOUT
        unsent, answer = memoryview(request), bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(in_fd, selectors.EVENT_READ)
            if unsent:
                selector.register(out_fd, selectors.EVENT_WRITE)
            while len(answer) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                for key, _ in selector.select(remaining):
                    if key.fd == out_fd:
                        try:
                            unsent = unsent[os.write(out_fd, unsent[:_CHUNK]):]
                        except BlockingIOError:
                            continue
                        if not unsent:
                            selector.unregister(out_fd)
                    else:
                        data = os.read(in_fd, count - len(answer))
                        if not data:
                            return None  # the worker went away
                        answer += data
        return bytes(answer)

    def stop(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


class ProcessPool:
    """``size`` worker processes, started on first use (or by ``start``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._next = 0

    def start(self) -> None:
        with self._lock:
            self._workers = [w for w in self._workers if w.alive()]
            while len(self._workers) < self.size:
                try:
                    self._workers.append(_Worker())
                except OSError:
                    return

    def _worker(self) -> _Worker | None:
        self.start()
        with self._lock:
            if not self._workers:
                return None
            self._next = (self._next + 1) % len(self._workers)
            return self._workers[self._next]

    def verify(self, public_key_hex: str, items: list[tuple[bytes, str]], check: Check) -> list[bool]:
        """Whether each (message, signature hex) verifies with the key; ``check`` (this process)
        decides whatever the workers cannot."""
        try:
            key = bytes.fromhex(public_key_hex)
        except ValueError:
            key = b""
        worker = self._worker() if len(key) == KEY_BYTES else None
        if worker is None:
            return [check(data, sig) for data, sig in items]
        parts: list[bytes] = []
        sent: list[int] = []  # indexes of the items sent; the others fail here (not hex, wrong size)
        for i, (data, sig) in enumerate(items):
            try:
                raw_sig = bytes.fromhex(sig)
            except (ValueError, TypeError):
                continue
            if len(raw_sig) != SIG_BYTES or not isinstance(data, bytes):
                continue
            parts += (COUNT.pack(len(data)), data, raw_sig)
            sent.append(i)
        with worker.lock:
            answer = worker.ask(b"".join([key, COUNT.pack(len(sent)), *parts]), len(sent))
        if answer is None:
            return [check(data, sig) for data, sig in items]
        results = [False] * len(items)
        for i, ok in zip(sent, answer, strict=True):
            results[i] = ok == 1
        return results

    def stop(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


_POOL: ProcessPool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool(size: int) -> ProcessPool:
    """The process's one pool of verifying workers (stopped at exit)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPool(size)
            atexit.register(_POOL.stop)
        return _POOL
