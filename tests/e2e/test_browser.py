"""End to end in a real browser: JupyterLab on localhost, a notebook run in headless Chromium,
a widget moved, the new numbers read from the page, a screenshot saved.

Run it with ``make e2e`` (installs Debian's ``chromium`` when it is missing). Point it at another
notebook with ``NNCOST_E2E_NOTEBOOK=path/to/notebook.ipynb``: the notebook must show an
``nncost.widgets.explore(...)``; the test runs every code cell in turn (a released assignment's
unanswered exercises may raise: the cells after them still run) and moves the explorer's first
slider one step to the right. The
screenshot goes to ``build/e2e/<notebook>.png`` (or ``$NNCOST_E2E_SCREENSHOT_DIR``).

Browser: Debian's chromium driven by the ``playwright`` package with ``executable_path``; the
test never downloads a browser (no ``playwright install``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.lab import CHROMIUM, FLAGS, serve

ROOT = Path(__file__).resolve().parents[2]
# By default, the released assignment a student opens first; its last cell explores Q1.
NOTEBOOK = Path(
    os.environ.get("NNCOST_E2E_NOTEBOOK") or ROOT / "assignments" / "dense" / "dense.ipynb"
)
SHOTS = Path(os.environ.get("NNCOST_E2E_SCREENSHOT_DIR") or ROOT / "build" / "e2e")

# Both the dense assignment and the demo explore the course's Q1 (5→5→5→1); the first slider is
# the input features. One step right, 5 → 6 features: first layer 6·5 + 5 = 35 params,
# 2·6·5 + 5 = 65 FLOPs; the rest unchanged (30 + 6 params, 55 + 11 FLOPs) → 71 params, 131 FLOPs.
EXPECTED = {name: {"params": "71", "flops": "131"} for name in ("dense.ipynb", "explore.ipynb")}
# Its builder starts on a 28×28×1 input with Conv2D(32, 3×3, stride 1, 'valid', relu) selected:
# 3·3·1·32 + 32 = 320 params; output 26·26·32 = 21,632 values: 2·9·1·21,632 + 21,632 = 411,008
EXPECTED_BUILDER = {"explore.ipynb": {"params": "320", "flops": "411,008"}}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed: run `make e2e` (it installs it with apt-get)",
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server from this environment, serving a copy of the notebook."""
    if not NOTEBOOK.is_file():
        raise FileNotFoundError(f"no notebook at {NOTEBOOK}: set NNCOST_E2E_NOTEBOOK to one")
    home = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, home / NOTEBOOK.name)
    with serve(home, home) as server:
        yield {**server, "notebook": NOTEBOOK.name}


def _run_every_cell(page) -> None:
    """Run the code cells one after the other, as a student would (Ctrl+Enter on each), once the
    kernel is idle. Unlike Run All, an error in one cell (an unanswered exercise in a released
    assignment) does not stop the cells after it: nbgrader's autograder runs them all too."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=60_000)
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    for i in range(cells.count()):
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        expect(cell.locator(".jp-InputArea-prompt")).to_have_text(
            re.compile(r"\[\d+\]"), timeout=120_000
        )
    try:  # widget views render just after the execution reply
        page.locator(".nncost-numbers .nncost-flops").first.wait_for(timeout=15_000)
    except PlaywrightTimeoutError:
        pytest.fail(
            f"{NOTEBOOK} shows no nncost.widgets.explore(...) output: point "
            "NNCOST_E2E_NOTEBOOK at a notebook that does"
        )


def _numbers(page, which: int = 0) -> dict[str, str]:
    """The numbers shown by the ``which``-th nncost widget on the page."""
    return page.evaluate(
        """i => { const box = document.querySelectorAll('.nncost-numbers')[i];
               return Object.fromEntries(['params', 'size', 'flops', 'time', 'peak'].map(k => {
                   const el = box && box.querySelector('.nncost-' + k);
                   return [k, el ? el.textContent.trim() : null];
               })); }""",
        which,
    )


def _press_add_layer(page, shot: Path) -> dict | None:
    """If the notebook shows a builder (the 2nd nncost widget), press *Add layer* in it and
    return the numbers it then shows; screenshot it."""
    button = page.get_by_role("button", name="Add layer")
    if button.count() == 0:
        return None
    button.first.scroll_into_view_if_needed()
    button.first.click()
    page.wait_for_function(
        "() => { const b = document.querySelectorAll('.nncost-numbers')[1];"
        " return b && b.querySelector('.nncost-flops'); }",
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # let the chart image arrive before the screenshot
    page.screenshot(path=str(shot))
    return _numbers(page, 1)


def test_notebook_widget_moves_and_numbers_update_in_chromium(lab):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{Path(lab['notebook']).stem}.png"
    url = f"{lab['base']}/lab/tree/{lab['notebook']}?token={lab['token']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            _run_every_cell(page)
            before = _numbers(page)

            slider = page.locator(".widget-slider").first
            slider.scroll_into_view_if_needed()
            label = slider.locator(".widget-label").first.text_content()
            readout = slider.locator(".widget-readout").first.text_content().strip()
            slider.locator(".noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")  # one step right
            page.wait_for_function(
                "old => { const el = document.querySelector('.nncost-numbers .nncost-flops');"
                " return el && el.textContent.trim() !== old; }",
                arg=before["flops"],
                timeout=30_000,
            )
            after = _numbers(page)
            moved_to = slider.locator(".widget-readout").first.text_content().strip()
            page.screenshot(path=str(shot), full_page=True)
            built = _press_add_layer(page, shot.with_name(shot.stem + "-builder.png"))
        except Exception:
            page.screenshot(path=str(shot.with_name(shot.stem + "-failure.png")))
            raise
        finally:
            browser.close()

    print(
        f"\nslider {label!r}: {readout} → {moved_to}; before {before}; after {after}; "
        f"builder after Add layer {built}; screenshot {shot}"
    )
    assert int(moved_to) == int(readout) + 1
    assert after["flops"] != before["flops"]
    expected = EXPECTED.get(lab["notebook"])
    if expected:
        assert {k: after[k] for k in expected} == expected
    expected_built = EXPECTED_BUILDER.get(lab["notebook"])
    if expected_built:
        assert built is not None, "the demo notebook's builder has no Add layer button"
        assert {k: built[k] for k in expected_built} == expected_built
    assert shot.stat().st_size > 20_000
