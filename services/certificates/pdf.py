"""Rendering a certificate off the eventlet hub: a warm, bounded pool of render processes.

`RenderPool`: `size` worker processes (`python -m services.certificates.render --serve`), started
once with WeasyPrint and pyHanko loaded, each rendering and sealing one certificate at a time. A
render waits (green, yielding to the other workers) for an idle worker, so at most `size` renders
run however many deliveries arrive at once; each has a time limit, and a worker that overruns it
or dies is killed and replaced. `Renderer` is the pool as a nameko dependency (CIM_RENDER_POOL_SIZE,
default the number of cores; CIM_RENDER_TIMEOUT_S). A render that fails raises RenderFailed, and
the event is retried, then dead-lettered (shared.messaging).

`render_in_child` (a fresh child per render) stays as the baseline the benchmark compares with.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import eventlet
from eventlet.queue import LightQueue
from nameko.extensions import DependencyProvider

from shared import metrics
from shared.settings import SettingsSource

PDF_MAGIC = b"%PDF-"
WORKER_COMMAND = (sys.executable, "-m", "services.certificates.render", "--serve")
START_TIMEOUT_S = 120  # a worker's imports, once (a loaded machine may take a while)

log = logging.getLogger(__name__)


class RenderFailed(RuntimeError):
    """The certificate could not be rendered; nothing was issued."""


def render_in_child(content: dict, timeout_s: float, keys=None) -> bytes:
    """The certificate's PDF, rendered and (given `keys`, a keys.SigningKeys) sealed in a child."""
    command = [sys.executable, "-m", "services.certificates.render"]
    if keys is not None:
        command += ["--seal-key", str(keys.seal_key_file), "--seal-cert", str(keys.seal_cert_file)]
    try:
        result = subprocess.run(
            command, input=json.dumps(content).encode("utf-8"), capture_output=True, timeout=timeout_s
        )
    except Exception as exc:  # a timeout (eventlet's green class differs from stdlib's) or OS error
        raise RenderFailed(f"rendering the certificate failed: {type(exc).__name__}: {exc}") from exc
    if result.returncode != 0 or not result.stdout.startswith(PDF_MAGIC):
        stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderFailed(
            f"rendering the certificate failed (exit {result.returncode}): {stderr[-1] if stderr else 'no PDF written'}"
        )
    return result.stdout


class _Worker:
    """One render process and whether it has said it is ready (its imports done)."""

    def __init__(self, command):
        # stderr to nothing: errors come back in the protocol; a full pipe must never stall it
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.ready = False

    def read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.process.stdout.read(size - len(data))
            if not chunk:
                raise EOFError(f"the render worker exited (code {self.process.poll()})")
            data += chunk
        return data

    def render(self, request: bytes, timeout_s: float) -> tuple[int, bytes]:
        if not self.ready:
            with eventlet.Timeout(START_TIMEOUT_S):
                if self.read(1) != b"R":
                    raise EOFError("the render worker did not start")
            self.ready = True
        with eventlet.Timeout(timeout_s):
            self.process.stdin.write(len(request).to_bytes(4, "big") + request)
            self.process.stdin.flush()
            status = self.read(1)[0]
            return status, self.read(int.from_bytes(self.read(4), "big"))

    def kill(self):
        try:
            self.process.kill()
            self.process.wait()
        except OSError:  # already gone
            pass


class RenderPool:
    """`size` warm render processes; `render` waits for an idle one (the bound on concurrency)."""

    def __init__(self, size: int, timeout_s: float, command=WORKER_COMMAND):
        if size < 1:
            raise ValueError("a render pool needs at least one worker")
        self.size, self.timeout_s, self.command = size, timeout_s, tuple(command)
        self._idle: LightQueue = LightQueue()
        self._workers: list[_Worker] = []
        self.running = self.peak = self.replaced = 0  # renders now, the most at once, workers replaced

    def start(self):
        for _ in range(self.size):
            self._idle.put(self._spawn())
        metrics.set_render_pool_size(self.size)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.command)
        self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        self._workers.remove(worker)
        self.replaced += 1
        return self._spawn()

    def render(self, content: dict, keys=None) -> bytes:
        """The certificate's PDF, rendered and (given `keys`, a keys.SigningKeys) sealed."""
        request = json.dumps(
            {
                "content": content,
                "seal_key": str(keys.seal_key_file) if keys else None,
                "seal_cert": str(keys.seal_cert_file) if keys else None,
            }
        ).encode()
        worker = self._idle.get()
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            with metrics.rendering():
                try:
                    status, answer = worker.render(request, self.timeout_s)
                except (eventlet.Timeout, OSError, EOFError, ValueError) as exc:
                    worker = self._replace(worker)  # stuck or dead: a fresh one takes its place
                    raise RenderFailed(
                        f"rendering the certificate failed: {type(exc).__name__}: {exc or 'over the time limit'}"
                    ) from exc
                if status != 0 or not answer.startswith(PDF_MAGIC):
                    raise RenderFailed("rendering the certificate failed: " + answer.decode("utf-8", "replace")[-500:])
                return answer
        finally:
            self.running -= 1
            self._idle.put(worker)

    def stop(self):
        for worker in list(self._workers):
            try:
                worker.process.stdin.close()  # the worker ends its loop
                worker.process.wait(timeout=5)
            except Exception:  # stuck or already gone: make sure
                worker.kill()
        self._workers.clear()


class Renderer(DependencyProvider):
    """The service's render pool, started with the container and stopped with it."""

    def setup(self):
        source = SettingsSource(self.container.service_name, self.container.config)
        size = int(source.get("CIM_RENDER_POOL_SIZE", str(os.cpu_count() or 1)))
        self.pool = RenderPool(size, float(source.get("CIM_RENDER_TIMEOUT_S", "60")))

    def start(self):
        self.pool.start()

    def stop(self):
        self.pool.stop()

    def kill(self):
        self.pool.stop()

    def get_dependency(self, worker_ctx):
        return self.pool
