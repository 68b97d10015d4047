"""The warm render pool with real worker processes: renders a sealed-or-plain certificate, never
runs more renders at once than it has workers, replaces a stuck or dead worker, and reports a
render's own failure without losing the worker."""

import eventlet
import pytest

from services.certificates.pdf import RenderFailed, RenderPool
from tests.unit.test_certificates_render import CONTENT


@pytest.fixture
def pool():
    pools = []

    def make(size=2, timeout_s=60):
        made = RenderPool(size, timeout_s)
        made.start()
        pools.append(made)
        return made

    yield make
    for made in pools:
        made.stop()


def test_the_pools_size_bounds_the_renders_running_at_once(pool):
    renders = pool(size=2)
    results = [eventlet.spawn(renders.render, CONTENT) for _ in range(6)]
    pdfs = [green.wait() for green in results]
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    assert renders.peak == 2 and renders.running == 0 and renders.replaced == 0
    assert len(renders._workers) == 2  # the same two processes did all six


def test_a_render_that_fails_keeps_its_worker(pool):
    renders = pool(size=1)
    with pytest.raises(RenderFailed, match="KeyError|programme"):
        renders.render({"holder_name": "no programme"})
    assert renders.render(CONTENT).startswith(b"%PDF-") and renders.replaced == 0


def test_a_stuck_worker_is_replaced_and_the_next_render_succeeds(pool):
    renders = pool(size=1, timeout_s=60)
    renders.render(CONTENT)  # warm: the worker is up
    renders.timeout_s = 0.01
    with pytest.raises(RenderFailed, match="Timeout"):
        renders.render(CONTENT)
    renders.timeout_s = 60
    assert renders.replaced == 1 and renders.render(CONTENT).startswith(b"%PDF-")


def test_a_worker_that_dies_is_replaced(pool):
    renders = pool(size=1)
    renders._workers[0].process.kill()
    with pytest.raises(RenderFailed, match="exited|EOF|Broken"):
        renders.render(CONTENT)
    assert renders.replaced == 1 and renders.render(CONTENT).startswith(b"%PDF-")


def test_the_hub_keeps_running_while_a_render_is_under_way(pool):
    renders = pool(size=1)
    renders.render(CONTENT)
    ticks = []
    render = eventlet.spawn(renders.render, CONTENT)
    while not render.dead:
        ticks.append(1)
        eventlet.sleep(0.005)
    assert render.wait().startswith(b"%PDF-") and len(ticks) > 3
