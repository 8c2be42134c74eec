"""Serving: the ``medcode`` command line, the FastAPI app, the review queue and batch runners.

Serving loads learned parts from ONNX files and plain arrays; it never imports torch or ``training/``.
"""
