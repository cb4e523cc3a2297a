"""Fusion layers and the registry that maps ``fusion=`` names to them.

Every fusion takes the list of per-modality feature tensors ``(N, d_m)`` and
returns one ``(N, output_dim)`` tensor; ``output_dim`` is set in ``__init__``
so that the head can be sized before any data is seen.
"""

from ._bimodal import BimodalMatrixFusion, BimodalScalarFusion, BimodalVectorFusion
from ._concat import ConcatFusion
from ._low_rank import LowRankTensorFusion
from ._tensor import TensorFusion

__all__ = [
    "FUSIONS",
    "FUSION_ALIASES",
    "BimodalMatrixFusion",
    "BimodalScalarFusion",
    "BimodalVectorFusion",
    "ConcatFusion",
    "LowRankTensorFusion",
    "TensorFusion",
    "canonical_fusion_name",
    "check_modality_count",
    "make_fusion",
]

# "early" is not a layer: the network concatenates the raw inputs instead (see network.py).
FUSIONS = {
    "concat": ConcatFusion,
    "early": ConcatFusion,
    "tensor": TensorFusion,
    "lrtf": LowRankTensorFusion,
    "bimodal_matrix": BimodalMatrixFusion,
    "bimodal_vector": BimodalVectorFusion,
    "bimodal_scalar": BimodalScalarFusion,
}

FUSION_ALIASES = {
    "late": "concat",
    "low_rank_tensor": "lrtf",
    "bimodal_matrix_fusion_interactor": "bimodal_matrix",
}


def canonical_fusion_name(name):
    """Return the registry name for ``name`` or its alias; raise ValueError if unknown."""
    if isinstance(name, str):
        name = FUSION_ALIASES.get(name, name)
        if name in FUSIONS:
            return name
    valid = sorted(set(FUSIONS) | set(FUSION_ALIASES))
    raise ValueError(
        f"Unknown fusion {name!r}. Valid names are: {', '.join(valid)}."
    )


def check_modality_count(name, n_modalities):
    """Raise ValueError if fusion ``name`` cannot combine ``n_modalities`` modalities."""
    fusion_class = FUSIONS[canonical_fusion_name(name)]
    minimum, maximum = fusion_class.min_modalities, fusion_class.max_modalities
    if n_modalities < minimum or (maximum is not None and n_modalities > maximum):
        raise ValueError(
            f"fusion={name!r} combines exactly {minimum} modalities, but X has "
            f"{n_modalities}. Use fusion='concat', 'tensor' or 'lrtf' for any number "
            "of modalities, or pass two."
        )


def make_fusion(name, input_dims, *, output_dim=None, rank=None):
    """Build the fusion layer ``name`` for features of widths ``input_dims``.

    ``output_dim`` defaults to ``sum(input_dims)`` for the fusions that take one
    (``lrtf`` and ``bimodal_matrix``); ``rank`` is used by ``lrtf`` only.

    Raises
    ------
    ValueError
        If the name is unknown or the fusion does not take this many modalities.
    """
    name = canonical_fusion_name(name)
    fusion_class = FUSIONS[name]
    check_modality_count(name, len(input_dims))

    if output_dim is None:
        output_dim = sum(input_dims)
    if fusion_class is LowRankTensorFusion:
        return fusion_class(input_dims, output_dim=output_dim, rank=rank)
    if fusion_class is BimodalMatrixFusion:
        return fusion_class(input_dims, output_dim=output_dim)
    return fusion_class(input_dims)
