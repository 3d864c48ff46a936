"""Kernels forked by a zygote: shared by the grading processes of one machine, or their own.

A local cluster's workers attach to the one zygote the grading command launched (one
TensorFlow import for the machine); a worker whose shared zygote is gone starts its own.
Every kernel is a fresh process whose parent is the zygote that forked it. The preloads here
are light (``json``): the mechanism does not depend on what is imported.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from autograder.zygote import WarmKernelClient, WarmKernelManager, Zygote

PRELOAD = ("json",)


async def _parent_of_a_kernel() -> int:
    """Start a kernel from the current zygote; return the pid of its parent process."""
    out: list[dict] = []
    km = WarmKernelManager(kernel_name="python3")
    await km.start_kernel()
    kc = km.client()
    assert isinstance(kc, WarmKernelClient)  # ready without waiting for a quiet IOPub
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive(
            "import os; print(os.getppid(), end='')",
            output_hook=lambda msg: out.append(msg),
            timeout=60,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
    return int("".join(m["content"]["text"] for m in out if m["msg_type"] == "stream"))


@pytest.fixture
def shared():
    zygote = Zygote.launch(PRELOAD)
    zygote.wait_ready(60)
    yield zygote
    zygote.stop()
    if Zygote._current is not None:
        Zygote._current.stop()


def test_a_worker_attaches_to_the_machine_zygote_and_its_kernels_come_from_it(shared):
    mine = Zygote.start(PRELOAD, shared=shared.path)
    assert mine.process is None and mine.path == shared.path  # attached, not launched
    assert asyncio.run(_parent_of_a_kernel()) == shared.process.pid
    assert len(mine.kernels) == 1  # the client keeps its own kernels (the watchdog kills them)


def test_a_worker_whose_shared_zygote_is_gone_starts_its_own(shared):
    path = shared.path
    shared.stop()
    mine = Zygote.start(PRELOAD, shared=path, timeout=30)
    assert mine.process is not None and mine.process.pid != shared.process.pid
    assert asyncio.run(_parent_of_a_kernel()) == mine.process.pid


def test_a_shared_zygote_that_dies_after_attaching_is_replaced_at_the_next_kernel(shared):
    mine = Zygote.start(PRELOAD, shared=shared.path)
    assert mine.process is None
    shared.process.kill()
    shared.process.wait()
    parent = asyncio.run(_parent_of_a_kernel())  # the fork fails; a zygote of its own forks it
    own = Zygote._current
    assert own is not mine and own.process is not None and parent == own.process.pid
    assert parent != os.getpid()


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def test_the_judges_evaluator_is_a_copy_of_the_zygote_and_answers_on_its_socket(shared, tmp_path):
    from autograder.evaluate import Session

    Zygote.start(PRELOAD, shared=shared.path)
    with Session(tmp_path) as session:
        reply = session.ask({"task": "no-such-task"})  # answered by evaluate.answer, in the copy
        assert reply == {"error": "KeyError: 'no-such-task'"}
        first = session._proc.pid
        assert _ppid(first) == shared.process.pid  # forked by the zygote, not started afresh
        os.kill(first, 9)  # an evaluator that dies is replaced at the next request
        session._proc.wait(timeout=10)
        assert session.ask({"task": "no-such-task"}) == reply
        assert session._proc.pid != first and _ppid(session._proc.pid) == shared.process.pid
        second = session._proc
    assert second.poll() is not None  # closing the session ends its evaluator


def test_without_a_zygote_the_evaluator_is_a_fresh_isolated_python(tmp_path, monkeypatch):
    from autograder.evaluate import Session

    monkeypatch.setattr(Zygote, "_current", None)  # as in a judge outside a grading worker
    monkeypatch.setattr(Zygote, "_wanted", None)
    with Session(tmp_path) as session:
        assert session.ask({"task": "no-such-task"}) == {"error": "KeyError: 'no-such-task'"}
        assert _ppid(session._proc.pid) == os.getpid()


def test_a_forked_kernel_gets_the_kernel_command_arguments_nbgrader_passes(shared, tmp_path):
    """nbgrader's ``Execute.extra_arguments`` (the course's: plain tracebacks) and nbclient's
    in-memory history reach a forked kernel as they reach one nbgrader starts itself."""
    import nbformat
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.execute import SurvivingExecute
    from autograder.grading import COURSE_CONFIG

    config = PyFileConfigLoader(COURSE_CONFIG.name, path=str(COURSE_CONFIG.parent)).load_config()
    assert "--InteractiveShell.xmode=Plain" in config.Execute.extra_arguments
    Zygote.start(PRELOAD, shared=shared.path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("ip = get_ipython()\nprint(ip.InteractiveTB.mode)"),
        nbformat.v4.new_code_cell("print(ip.history_manager.hist_file)"),
        nbformat.v4.new_code_cell("def f():\n    return 1 / 0\nf()"),
    ]
    ex = SurvivingExecute(
        config=config, kernel_manager_class=WarmKernelManager, run_ungraded_tail=True
    )
    ex.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert nb.cells[0].outputs[0]["text"] == "Plain\n"
    assert nb.cells[1].outputs[0]["text"] == ":memory:\n"
    error = nb.cells[2].outputs[0]
    assert error["ename"] == "ZeroDivisionError"
    text = "".join(error["traceback"])
    assert "Traceback" in text and "return 1 / 0" in text  # the frames, one line each


def test_a_forked_kernel_shows_pyplot_figures_inline_as_a_kernel_of_its_own_does(
    tmp_path, monkeypatch
):
    """matplotlib imported by the zygote (Keras imports pyplot) still draws a cell's pyplot
    figure under the cell, as in the kernel nbgrader starts itself: the feedback and the
    formgrader show the student's chart. (Where ``MPLBACKEND`` is set, as the plotting tests
    here set it, both kinds of kernel use that backend instead.)"""
    import nbformat

    from autograder.execute import SurvivingExecute

    monkeypatch.delenv("MPLBACKEND", raising=False)  # the zygote inherits this environment
    zygote = Zygote.start(("matplotlib.pyplot",))
    try:
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])"
            )
        ]
        SurvivingExecute(kernel_manager_class=WarmKernelManager, run_ungraded_tail=True).preprocess(
            nb, {"metadata": {"path": str(tmp_path)}}
        )
    finally:
        zygote.stop()
    shown = [o for o in nb.cells[0].outputs if o["output_type"] == "display_data"]
    assert shown and "image/png" in shown[0]["data"]


def test_each_forked_kernel_draws_its_own_random_numbers(tmp_path):
    """numpy (imported by the zygote, with Keras) and Python's random module give every kernel
    numbers of its own, as new processes get: no two students share a random sequence."""
    import nbformat

    from autograder.execute import SurvivingExecute

    zygote = Zygote.start(("numpy.random", "random"))
    draws = []
    try:
        for _ in range(2):
            nb = nbformat.v4.new_notebook()
            nb.cells = [
                nbformat.v4.new_code_cell(
                    "import random, numpy as np\nprint(np.random.rand(), random.random())"
                )
            ]
            SurvivingExecute(
                kernel_manager_class=WarmKernelManager, run_ungraded_tail=True
            ).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
            draws.append(nb.cells[0].outputs[0]["text"].split())
    finally:
        zygote.stop()
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]


def test_a_task_names_its_zygote_and_attaches_only_when_a_kernel_starts(shared, monkeypatch):
    """``prepare`` (a grading task, first thing) starts and waits for nothing; the first
    kernel attaches to the zygote it named."""
    monkeypatch.setattr(Zygote, "_current", None)
    monkeypatch.setattr(Zygote, "_wanted", None)
    Zygote.prepare(PRELOAD, shared=shared.path)
    assert Zygote._current is None
    assert asyncio.run(_parent_of_a_kernel()) == shared.process.pid
    assert Zygote._current is not None and Zygote._current.path == shared.path
