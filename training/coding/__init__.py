"""Training of the calibrated confidence of the E/M leveler and the service detector (``--task em|services``).

The rules decide codes; these models only score how likely each decision is right, fitted on synthetic
*train-family* notes (never the held-out phrasing family), exported to ONNX and logged to MLflow.
"""
