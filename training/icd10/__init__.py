"""Fitting, cross-validated calibration, ONNX export and MLflow logging of the ICD-10-CM suggester.

Lives here: everything that needs scikit-learn or skl2onnx. Serving never imports this package.
"""
