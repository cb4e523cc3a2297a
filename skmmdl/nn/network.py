"""The multimodal network: one encoder per modality, a fusion layer and an MLP head."""

from torch import nn

from .encoders import LeNetEncoder, MLPEncoder
from .fusion import ConcatFusion, canonical_fusion_name, make_fusion
from .head import MLPHead

__all__ = ["MultimodalNetwork", "per_modality"]


def per_modality(value, n_modalities, name):
    """Expand a scalar setting to one value per modality, or check a sequence's length."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_modalities:
            raise ValueError(
                f"{name} has {len(value)} entries but X has {n_modalities} modalities; "
                "give one entry per modality or a single value for all."
            )
        return list(value)
    return [value] * n_modalities


class MultimodalNetwork(nn.Module):
    """Encoders, fusion and head for inputs of fixed per-sample shapes.

    Each modality's encoder follows from its per-sample shape: ``(C, H, W)``
    gets a :class:`LeNetEncoder`, ``(D,)`` an :class:`MLPEncoder`. With
    ``fusion="early"`` the raw inputs are flattened and concatenated and a
    single MLP encoder of width ``fusion_dim`` replaces the per-modality ones.

    Parameters
    ----------
    input_shapes : sequence of tuple of int
        Per-sample shape of each modality as the encoder takes it.
    n_classes : int
        Number of output logits.
    fusion : str, default="concat"
        Fusion name (see :data:`skmmdl.nn.fusion.FUSIONS`).
    fusion_dim : int or None, default=None
        Output width of ``lrtf``, ``bimodal_matrix`` and ``early``; None means
        the sum of the encoders' widths.
    rank : int, default=40
        Rank of ``lrtf``.
    hidden_dim : int, default=100
        Hidden width of the head.
    encoder_channels : int or sequence of int, default=6
        First-block channels of each CNN encoder.
    encoder_blocks : int, sequence or None, default=None
        Conv blocks of each CNN encoder; None pools the input to 1 x 1.
    mlp_dims : sequence of int, default=(64,)
        Layer widths of each vector (MLP) encoder.
    """

    def __init__(
        self,
        input_shapes,
        n_classes,
        fusion="concat",
        fusion_dim=None,
        rank=40,
        hidden_dim=100,
        encoder_channels=6,
        encoder_blocks=None,
        mlp_dims=(64,),
    ):
        super().__init__()
        self.input_shapes = [tuple(shape) for shape in input_shapes]
        self.fusion_name = canonical_fusion_name(fusion)
        n_modalities = len(self.input_shapes)

        if self.fusion_name == "early":
            input_dim = sum(_flat_size(shape) for shape in self.input_shapes)
            width = fusion_dim if fusion_dim is not None else 240
            self.encoders = nn.ModuleList(nn.Flatten() for _ in self.input_shapes)
            shared = MLPEncoder(input_dim, hidden_dims=(width,))
            self.fusion = nn.Sequential(ConcatFusion([input_dim]), shared)
            fused_dim = shared.output_dim
        else:
            channels = per_modality(encoder_channels, n_modalities, "encoder_channels")
            blocks = per_modality(encoder_blocks, n_modalities, "encoder_blocks")
            self.encoders = nn.ModuleList(
                _make_encoder(shape, channels[m], blocks[m], mlp_dims)
                for m, shape in enumerate(self.input_shapes)
            )
            encoder_dims = [encoder.output_dim for encoder in self.encoders]
            self.fusion = make_fusion(
                self.fusion_name, encoder_dims, output_dim=fusion_dim, rank=rank
            )
            fused_dim = self.fusion.output_dim

        self.head = MLPHead(fused_dim, hidden_dim, n_classes)

    def forward(self, *inputs):
        features = [
            encoder(x.reshape(x.shape[0], *shape))
            for encoder, x, shape in zip(self.encoders, inputs, self.input_shapes)
        ]
        return self.head(self.fusion(features))


def _flat_size(shape):
    size = 1
    for dim in shape:
        size *= dim
    return size


def _make_encoder(shape, channels, n_blocks, mlp_dims):
    if len(shape) == 3:
        return LeNetEncoder(shape, channels=channels, n_blocks=n_blocks)
    if len(shape) == 1:
        return MLPEncoder(shape[0], hidden_dims=tuple(mlp_dims))
    raise ValueError(
        f"No encoder for per-sample shape {shape}: expected (C, H, W) for images "
        "and spectrograms or (D,) for feature vectors."
    )
