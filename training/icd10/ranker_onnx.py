"""Export a binary ``HistGradientBoostingClassifier`` to ONNX (``TreeEnsembleRegressor`` + ``Sigmoid``).

skl2onnx 1.20's converter fails on scikit-learn 1.9 histogram models (boolean node attributes), so the trees are
written directly from the fitted predictors: node ``i`` goes left when ``x[feature] <= num_threshold`` (missing values
follow ``missing_go_to_left``), leaves carry raw scores, and the sum plus the baseline goes through a sigmoid —
exactly ``predict_proba[:, 1]``. Categorical splits are refused (the ranker's features are all numeric).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import HistGradientBoostingClassifier

RANKER_INPUT = "features"
RANKER_OUTPUT = "probability"


def _float32_floor(value: float) -> float:
    """The largest float32 not above ``value``: for float32 inputs ``x <= floor32(t)`` iff ``x <= t``, so the
    float32 tree ensemble takes exactly the branches scikit-learn takes in float64 (round-to-nearest would send a
    value equal to the upper bin edge the other way)."""
    f = np.float32(value)
    if float(f) > value:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


def hgb_to_onnx(model: HistGradientBoostingClassifier, n_features: int, opset: int = 17) -> onnx.ModelProto:
    """ONNX graph ``features`` [N, n_features] float -> ``probability`` [N, 1] (positive class)."""
    if model.n_trees_per_iteration_ != 1:
        raise ValueError("hgb_to_onnx supports binary classifiers only (one tree per iteration).")
    tree_ids: list[int] = []
    node_ids: list[int] = []
    features: list[int] = []
    thresholds: list[float] = []
    modes: list[str] = []
    true_ids: list[int] = []
    false_ids: list[int] = []
    missing_true: list[int] = []
    leaf_tree: list[int] = []
    leaf_node: list[int] = []
    leaf_weight: list[float] = []
    for tree_id, (predictor,) in enumerate(model._predictors):
        for node_id, node in enumerate(predictor.nodes):
            tree_ids.append(tree_id)
            node_ids.append(node_id)
            if node["is_leaf"]:
                features.append(0)
                thresholds.append(0.0)
                modes.append("LEAF")
                true_ids.append(0)
                false_ids.append(0)
                missing_true.append(0)
                leaf_tree.append(tree_id)
                leaf_node.append(node_id)
                leaf_weight.append(float(node["value"]))
            else:
                if node["is_categorical"]:
                    raise ValueError("hgb_to_onnx does not support categorical splits.")
                features.append(int(node["feature_idx"]))
                thresholds.append(_float32_floor(float(node["num_threshold"])))
                modes.append("BRANCH_LEQ")
                true_ids.append(int(node["left"]))
                false_ids.append(int(node["right"]))
                missing_true.append(int(bool(node["missing_go_to_left"])))
    baseline = float(model._baseline_prediction.ravel()[0])
    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        [RANKER_INPUT],
        ["raw_score"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        base_values=[baseline],
        post_transform="NONE",
        nodes_treeids=tree_ids,
        nodes_nodeids=node_ids,
        nodes_featureids=features,
        nodes_values=thresholds,
        nodes_modes=modes,
        nodes_truenodeids=true_ids,
        nodes_falsenodeids=false_ids,
        nodes_missing_value_tracks_true=missing_true,
        nodes_hitrates=[1.0] * len(node_ids),
        target_treeids=leaf_tree,
        target_nodeids=leaf_node,
        target_ids=[0] * len(leaf_node),
        target_weights=leaf_weight,
    )
    sigmoid = helper.make_node("Sigmoid", ["raw_score"], [RANKER_OUTPUT])
    graph = helper.make_graph(
        [ensemble, sigmoid],
        "medcode_icd10_ranker",
        [helper.make_tensor_value_info(RANKER_INPUT, TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info(RANKER_OUTPUT, TensorProto.FLOAT, [None, 1])],
    )
    onnx_model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    onnx_model.ir_version = 9
    onnx.checker.check_model(onnx_model)
    return onnx_model
