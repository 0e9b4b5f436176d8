"""Learning blocks of an impulse: checked against its DSP blocks, layers filled from a preset.

The features a learning block receives are its DSP blocks' outputs: one block's shape as is,
several blocks' features flattened and concatenated (the training job does the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from backend.schemas.learning import LearningBlockIn
from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import get_block
from worker.learning.anomaly import AnomalySettings
from worker.learning.architectures import PRESET_SETTINGS
from worker.learning.detection import output_grid
from worker.learning.errors import TrainingError
from worker.learning.fomo import DetectionBlockSpec
from worker.learning.layers import LayerShapeError, LayerSpec, infer_shapes
from worker.learning.optimization import check_pruning, check_quantization_aware
from worker.training.network import default_preset, resolve_layers

Shape = tuple[int, ...]
Problem = tuple[tuple[str | int, ...], str]
_LAYERS = TypeAdapter(list[LayerSpec])


def dsp_output_shape(input_block: dict[str, Any], dsp_spec: dict[str, Any]) -> Shape | None:
    """Features of one window of a stored DSP block, or None when the data decides (images)."""
    block = get_block(str(dsp_spec["type"]))
    params = block.parse_params(dsp_spec.get("params") or {})
    try:
        if input_block.get("type") == "image":
            channels = 3 if any(axis in ("r", "g", "b") for axis in input_block["axes"]) else 1
            return tuple(
                block.output_shape(params, sample_rate_hz=1.0, window_length=1, n_axes=channels)
            )
        frequency_hz = float(input_block["frequency_hz"])
        window_length = max(1, int(round(input_block["window_size_ms"] * frequency_hz / 1000)))
        return tuple(
            block.output_shape(
                params,
                sample_rate_hz=frequency_hz,
                window_length=window_length,
                n_axes=len(dsp_spec.get("axes") or input_block["axes"]),
            )
        )
    except DspParameterError:
        return None


def learning_input_shape(shapes: Sequence[Shape]) -> Shape:
    """One DSP block's shape, or the flat concatenation of several."""
    if len(shapes) == 1:
        return tuple(shapes[0])
    return (sum(int(np.prod(shape)) for shape in shapes),)


def check_learning_blocks(
    specs: Sequence[LearningBlockIn],
    input_block: dict[str, Any],
    dsp_blocks: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The learning blocks as stored, and (loc, message) problems naming the field at fault."""
    by_id = {int(block["id"]): block for block in dsp_blocks}
    stored: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[int] = set()
    for index, spec in enumerate(specs):
        loc: tuple[str | int, ...] = ("learning_blocks", index)
        if spec.id in seen:
            problems.append(((*loc, "id"), f"id {spec.id} is used by another learning block"))
        seen.add(spec.id)
        missing = [block_id for block_id in spec.dsp_blocks if block_id not in by_id]
        if missing:
            problems.append(
                (
                    (*loc, "dsp_blocks"),
                    f"DSP block(s) {missing} are not in the impulse; its DSP blocks are "
                    f"{sorted(by_id) or 'none'}",
                )
            )
            continue
        block = spec.model_dump(mode="json")
        block["name"] = (
            spec.name
            or {
                "classifier": "Classifier",
                "regression": "Regression",
                "anomaly": "Anomaly detection",
                "object_detection": "Object detection (FOMO)",
            }[spec.type]
        )
        if spec.type == "object_detection":
            problem = _detection_problem(spec, input_block, by_id)
            if problem is not None:
                problems.append(((*loc, problem[0]), problem[1]))
                continue
            block["detection"] = block["detection"] or DetectionBlockSpec().model_dump(mode="json")
            stored.append(block)
            continue
        if spec.type == "anomaly":
            block["anomaly"] = block["anomaly"] or AnomalySettings().model_dump(mode="json")
            stored.append(block)
            continue
        used = [by_id[block_id] for block_id in spec.dsp_blocks]
        block["settings"] = _with_preset_settings(spec, [str(dsp["type"]) for dsp in used])
        shapes = [dsp_output_shape(input_block, dsp) for dsp in used]
        if any(shape is None for shape in shapes):
            stored.append(block)  # layers are resolved when the features exist
            continue
        shape = learning_input_shape([s for s in shapes if s is not None])
        try:
            block["layers"] = resolve_layers(block, [str(dsp["type"]) for dsp in used], shape)
            layers = _LAYERS.validate_python(block["layers"])
            if spec.expert_script is None:
                infer_shapes(layers, shape)
        except (LayerShapeError, ValueError) as error:
            problems.append(
                ((*loc, "layers"), f"the network cannot take features {shape}: {error}")
            )
            continue
        optimization = _optimization_problem(spec, layers)
        if optimization is not None:
            field, message = optimization
            problems.append(((*loc, field), message))
            continue
        stored.append(block)
    return stored, problems


def _with_preset_settings(spec: LearningBlockIn, dsp_types: list[str]) -> dict[str, Any]:
    """The block's training settings, those it leaves out taken from its preset's defaults
    (PRESET_SETTINGS: epochs and learning rate that suit the network) when its network is a
    preset; TrainingSettings' own defaults for its own layers or an expert script."""
    settings = spec.settings.model_dump(mode="json")
    if spec.layers or spec.expert_script is not None:
        return settings
    preset = spec.preset or default_preset(dsp_types)
    given = spec.settings.model_fields_set
    return {
        **settings,
        **{key: value for key, value in PRESET_SETTINGS[preset].items() if key not in given},
    }


def _detection_problem(
    spec: LearningBlockIn, input_block: dict[str, Any], by_id: dict[int, dict[str, Any]]
) -> tuple[str, str] | None:
    """(field, message) when FOMO cannot take the impulse: it needs images, from one image block
    (the spatial layout is what it learns from), whose sides are multiples of the cell size."""
    if input_block.get("type") != "image":
        return "type", "object detection takes images: use an image input block"
    if len(spec.dsp_blocks) != 1 or str(by_id[spec.dsp_blocks[0]]["type"]) != "image":
        return (
            "dsp_blocks",
            "object detection takes the features of exactly one image DSP block (it learns "
            "where objects are from the image's layout)",
        )
    shape = dsp_output_shape(input_block, by_id[spec.dsp_blocks[0]])
    if shape is not None:
        try:
            output_grid(int(shape[0]), int(shape[1]))
        except ValueError as error:
            return "dsp_blocks", str(error)
    return None


def _optimization_problem(spec: LearningBlockIn, layers: list[LayerSpec]) -> tuple[str, str] | None:
    """(field, message) when tfmot cannot apply the block's QAT or pruning to its layers."""
    try:
        if spec.quantization_aware_training:
            check_quantization_aware(layers)
        elif spec.pruning_sparsity is not None:
            check_pruning(layers)
    except TrainingError as error:
        field = (
            "quantization_aware_training"
            if spec.quantization_aware_training
            else "pruning_sparsity"
        )
        return field, error.message
    return None
