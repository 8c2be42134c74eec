"""Serving and audit processes run their native thread pools on one thread unless told otherwise."""

from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from serving.native_threads import THREAD_VARIABLES, limit_native_threads


@pytest.fixture
def restore_blas_threads():
    before = {info["internal_api"]: info["num_threads"] for info in threadpool_info()}
    yield
    threadpool_limits(limits=before)


def _blas_threads() -> set[int]:
    np.ones((4, 4)) @ np.ones((4, 4))  # make sure numpy's BLAS is loaded
    return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


def test_loaded_blas_is_capped_at_one_thread(monkeypatch, restore_blas_threads):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    limit_native_threads()
    assert _blas_threads() == {1}
    assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)


def test_an_explicit_setting_wins(monkeypatch, restore_blas_threads):
    threadpool_limits(limits=64, user_api="blas")
    capacity = max(_blas_threads())  # OpenBLAS cannot grow past the pool it started with (env at import time)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    limit_native_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"
    assert _blas_threads() == {min(2, capacity)}
