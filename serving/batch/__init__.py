"""Batch audits at scale: the local runner (chunked, 2 processes, checkpointed) and the Spark job.

Lives here: streaming input, chunking, checkpoints, the one output row schema both engines write, the Spark job.
Does not live here: audit logic (``models/audit``), HCC recapture maths (``datasets/codesets``), reports
(``evaluation/``). Both engines call the same audit engine through :mod:`serving.batch.engine`.
"""

from serving.batch.errors import BatchError, CheckpointMismatchError
from serving.batch.local import BatchSummary, LocalBatchRunner, run_local
from serving.batch.schema import OUTPUT_COLUMNS, output_schema

__all__ = [
    "OUTPUT_COLUMNS",
    "BatchError",
    "BatchSummary",
    "CheckpointMismatchError",
    "LocalBatchRunner",
    "output_schema",
    "run_local",
]
