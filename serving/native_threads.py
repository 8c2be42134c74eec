"""One native (BLAS, OpenMP, ONNX Runtime) thread per serving or audit process.

medcode parallelises across processes (uvicorn workers, the batch pool, Spark executors) and across requests, never
inside one note: a second BLAS thread per process only waits for a core another process holds, and OpenBLAS's
spinning threads then burn CPU for nothing (measured: the audit bench went from 14 to 24 encounters/s on 2 cores
with one thread per process).
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ORT_NUM_THREADS")


def limit_native_threads() -> None:
    """Cap native thread pools at one thread unless the environment already says otherwise.

    The variables cover libraries not loaded yet; threadpoolctl caps the pools of those already loaded (numpy's
    OpenBLAS is usually imported before a worker gets here, and then ignores the variables).
    """
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"]), user_api="blas")
    threadpool_limits(limits=int(os.environ["OMP_NUM_THREADS"]), user_api="openmp")
