"""The CPU clock of the component breakdown: own time excludes measured callees; wrapped callables are restored."""

from __future__ import annotations

import time

from evaluation.cpu_breakdown import measured

_TABLE = {"step": lambda: _spin(0.02)}


def _spin(seconds: float) -> None:
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass


class Pipeline:
    def run(self) -> None:
        _spin(0.01)
        _TABLE["step"]()
        inner()


def inner() -> None:
    _spin(0.03)


def test_cpu_breakdown_subtracts_measured_callees_and_restores_them() -> None:
    original_run, original_step = Pipeline.run, _TABLE["step"]
    components = (("step", f"{__name__}:_TABLE[step]"), ("inner", f"{__name__}:inner"))
    with measured(components, ("run", f"{__name__}:Pipeline.run")) as clock:
        Pipeline().run()
    assert clock.calls == {"run": 1, "step": 1, "inner": 1}
    assert 0.02 <= clock.own["step"] < 0.03
    assert 0.03 <= clock.own["inner"] < 0.04
    assert 0.01 <= clock.own["run"] < 0.02  # its own 10 ms only
    assert Pipeline.run is original_run and _TABLE["step"] is original_step
