"""Rendering a certificate off the eventlet hub: WeasyPrint runs in a child process, with a timeout.

Under eventlet's monkey-patching `subprocess` is green, so waiting for the child yields to the
other workers; the child also seals the PDF (pyHanko), so that too stays off the hub. A
render that fails or overruns raises, and the event is retried, then
dead-lettered (shared.messaging).
"""
from __future__ import annotations

import json
import subprocess
import sys

PDF_MAGIC = b"%PDF-"


class RenderFailed(RuntimeError):
    """The certificate could not be rendered; nothing was issued."""


def render_in_child(content: dict, timeout_s: float, keys=None) -> bytes:
    """The certificate's PDF, rendered and (given `keys`, a keys.SigningKeys) sealed in a child."""
    command = [sys.executable, "-m", "services.certificates.render"]
    if keys is not None:
        command += ["--seal-key", str(keys.seal_key_file), "--seal-cert", str(keys.seal_cert_file)]
    try:
        result = subprocess.run(command,
                                input=json.dumps(content).encode("utf-8"), capture_output=True,
                                timeout=timeout_s)
    except Exception as exc:  # a timeout (eventlet's green class differs from stdlib's) or OS error
        raise RenderFailed(f"rendering the certificate failed: {type(exc).__name__}: {exc}") from exc
    if result.returncode != 0 or not result.stdout.startswith(PDF_MAGIC):
        stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderFailed(f"rendering the certificate failed (exit {result.returncode}): "
                           f"{stderr[-1] if stderr else 'no PDF written'}")
    return result.stdout
