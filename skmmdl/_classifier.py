"""MMDLClassifier: a skorch classifier over a tuple of modalities."""

import logging

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import ValidSplit
from sklearn.utils.validation import check_is_fitted

from ._batches import ArrayBatchLoader, ModalityDataset
from ._checkpoint import CheckpointMixin
from ._device import DeviceMixin
from ._input_checks import InputChecksMixin
from ._numerics import FiniteLossMixin
from ._progress import add_progress_bar
from ._seeding import SeedingMixin
from ._skorch_compat import SkorchCompatMixin
from ._validation import as_modalities
from .nn import MultimodalNetwork
from .nn.network import per_modality

__all__ = ["MMDLClassifier"]

logger = logging.getLogger(__name__)

class MMDLClassifier(
    InputChecksMixin,
    SeedingMixin,
    DeviceMixin,
    SkorchCompatMixin,
    CheckpointMixin,
    FiniteLossMixin,
    NeuralNetClassifier,
):
    """Multimodal deep-learning classifier with a scikit-learn interface.

    Each modality of ``X`` gets an encoder chosen from its shape: a LeNet-style
    CNN for ``(N, H, W)`` or ``(N, C, H, W)`` images and spectrograms, an MLP for
    ``(N, D)`` feature vectors. A fusion layer joins the encoders' features and
    an MLP head classifies. ``X`` is a tuple of arrays, one per modality, with
    the samples along the first axis; wrap it in :class:`skmmdl.Modalities` to
    use it in scikit-learn's meta-estimators. A single array is a
    one-modality input (the unimodal baseline).

    The constructor only stores its arguments; ``fit`` validates them and
    builds the network. Settings of the underlying skorch net are routed by
    double underscore, e.g. ``optimizer__weight_decay=1e-4``,
    ``optimizer__momentum=0.9`` or ``callbacks__print_log__floatfmt=".3f"``.

    Parameters
    ----------
    fusion : str, default="concat"
        How the modality features are joined: ``"concat"`` (alias ``"late"``),
        ``"early"``, ``"tensor"``, ``"lrtf"`` (alias ``"low_rank_tensor"``),
        ``"bimodal_matrix"`` (alias ``"bimodal_matrix_fusion_interactor"``),
        ``"bimodal_vector"`` or ``"bimodal_scalar"``. The bimodal fusions
        take exactly two modalities.
    modality : int or None, default=None
        If set, use only this modality of ``X`` (a unimodal baseline on
        multimodal data).
    rank : int, default=40
        Rank of the low-rank tensor fusion.
    fusion_dim : int or None, default=None
        Output width of ``lrtf``, ``bimodal_matrix`` and ``early``; None means
        the sum of the encoders' output widths (240 for ``early``).
    hidden_dim : int, default=100
        Hidden width of the MLP head.
    encoder_channels : int or list of int, default=6
        Channels of the first conv block of each CNN encoder; each further
        block doubles them.
    encoder_blocks : int, list or None, default=None
        Conv blocks of each CNN encoder (conv, BatchNorm, 2 x 2 max-pool,
        ReLU). None pools the input to 1 x 1: 4 blocks for 28 x 28, 6 for
        112 x 112.
    mlp_dims : list of int, default=(64,)
        Layer widths of each vector (MLP) encoder.
    input_shapes : "auto" or list, default="auto"
        Per-sample shape each modality is reshaped to before its encoder, or
        None to keep it. ``"auto"`` reads ``(N, H, W)`` as one-channel images and
        ``(N, D)`` with ``D = side**2``, ``side >= 16``, as a square image
        (``784 -> 1 x 28 x 28``); other ``(N, D)`` are vectors.
    input_scale : float, list or None, default=None
        Factor by which each modality is multiplied after its batch is cast
        to float32, e.g. ``1 / 255`` for uint8 pixels, so that the data can
        stay uint8 or memory-mapped; a list gives one factor (or None) per
        modality of ``X``. None leaves the values unscaled.
    validation_fraction : float or None, default=None
        If set, hold out this stratified fraction of the training data as
        validation data (``valid_loss`` and ``valid_acc`` in the history).
        Cannot be combined with ``train_split``.
    max_epochs : int, default=10
        Number of passes over the training data.
    batch_size : int, default=40
        Samples per mini-batch (40 in the AV-MNIST reference training).
    lr : float, default=0.05
        Learning rate of the optimizer.
    optimizer : torch optimizer class, default=torch.optim.SGD
        Optimizer; its settings are routed as ``optimizer__<name>``.
    device : str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when it is available and on the CPU
        otherwise, and a pickled model loads on either.
    mixed_precision : {None, "bfloat16"}, default=None
        ``"bfloat16"`` runs the network's forward pass under
        ``torch.autocast`` with bfloat16 in training and prediction. It pays
        only where the hardware computes in bfloat16: CPUs with AMX or
        AVX-512 BF16 (training took 0.67x the float32 time on an Intel Xeon
        with AMX) and recent GPUs. Elsewhere it is slower (4.9x the float32
        training time on an AVX2 AMD EPYC), because every operation
        converts its inputs. It changes the results slightly;
        ``benchmarks/RESULTS.md`` compares the test accuracy. None computes
        in float32.
    channels_last : bool, default=False
        Store the CNN encoders' weights and feature maps in channels-last
        (NHWC) order. Whether that is faster depends on the CPU: with torch
        2.13 on an Intel Xeon with AVX-512 it cut training time to 0.83x and
        prediction time to 0.52x, while on an AVX2 AMD EPYC training took
        1.13x as long (see ``benchmarks/RESULTS.md``). The results differ
        from the default order by float32 rounding only.
    random_state : int, RandomState or None, default=None
        Seeds the weight initialisation and the shuffling of every epoch, so
        that the same seed gives the same model on the same device. None
        draws a fresh seed at every ``fit``. The global torch and NumPy
        random states are left untouched. See Notes for what is exact.
    checkpoint_dir : str, path or None, default=None
        If set, save the module, optimizer and learning-rate scheduler state
        and the history to ``<checkpoint_dir>/checkpoint.pt`` after every
        completed epoch, and let a ``fit`` that was interrupted continue from
        the last saved epoch (see Notes). The directory is created if missing.
        Give each estimator its own directory.
    verbose : int, default=1
        0 prints nothing, 1 prints skorch's table with one row per epoch,
        2 also shows a progress bar (tqdm) over the batches of each epoch.
    train_split : callable or None, default=None
        skorch's validation split; see ``validation_fraction`` for the common case.
    **kwargs
        Any other skorch ``NeuralNetClassifier`` argument, including
        ``callbacks``, ``warm_start``, ``criterion`` and the
        double-underscore routed settings.

    Attributes
    ----------
    module_ : MultimodalNetwork
        The trained network.
    classes_ : ndarray
        The class labels seen in ``fit``; ``predict`` returns these.
    n_modalities_ : int
        Number of modalities the network takes.
    input_shapes_ : list of tuple
        Per-sample shape of each modality as its encoder takes it.
    n_features_in_ : int
        Number of features, only set when ``X`` is a single 2-D array.
    random_seed_ : int
        The seed used by the last ``fit``.
    history_ : skorch.History
        Per-epoch losses and scores.

    See Also
    --------
    skmmdl.Modalities : the sample-sliceable tuple for meta-estimators.
    skmmdl.nn.MultimodalNetwork : the PyTorch module that is trained.

    Notes
    -----
    **Reproducibility.** On the CPU, the same integer ``random_state`` with
    the same data, parameters and library versions gives identical weights
    and probabilities, in one process or in separate processes: the seed sets
    the weight initialisation and, together with the epoch number, the
    shuffling of each epoch. On CUDA the initial weights and the batch order
    are the same as on the CPU, but the training arithmetic is not exactly
    repeatable by default: cuDNN may pick a different convolution algorithm
    per run (``torch.backends.cudnn.benchmark``) and some backward passes sum
    with atomic additions in a varying order. ``torch.backends.cudnn.deterministic
    = True`` and ``torch.use_deterministic_algorithms(True)`` (which also needs
    the environment variable ``CUBLAS_WORKSPACE_CONFIG=:4096:8``) remove these
    sources or raise for operations without a deterministic version. Results
    still differ between the CPU and CUDA and between GPU models.
    NOTE: the CUDA statements are taken from the PyTorch documentation on
    reproducibility and are untested on a GPU here.

    **Interrupted training.** With ``checkpoint_dir`` set, a ``fit`` whose
    process was killed resumes on the next ``fit`` with the same settings and
    data: it loads the weights, optimizer and scheduler state, history and
    seed of the last completed epoch and trains only the epochs that remain
    to reach ``max_epochs``. The result equals that of an uninterrupted run on
    the CPU. A finished run's checkpoint makes the next ``fit`` train no
    epochs; delete the directory to train again. A checkpoint from different
    settings raises :class:`skmmdl.exceptions.CheckpointMismatchError`.

    **warm_start and partial_fit** follow skorch. With ``warm_start=True``,
    ``fit`` keeps the weights, optimizer state and history of the previous
    fit and trains ``max_epochs`` more epochs. ``partial_fit`` trains
    ``max_epochs`` epochs per call (not one epoch, as scikit-learn's
    ``MLPClassifier.partial_fit`` does) and builds the network on the first
    call; set ``max_epochs=1`` for one pass per call. Both reject labels not
    seen in the first fit. Because the batch order depends on the epoch
    number and a skorch ``LRScheduler`` callback continues its schedule, two
    fits of ``k`` epochs with ``warm_start=True`` equal one fit of ``2 * k``
    epochs on the CPU.

    **Numerical faults.** A training loss or gradient that is NaN or infinite
    raises :class:`skmmdl.exceptions.NonFiniteLossError` (a
    ``FloatingPointError``) naming the epoch and batch, before the optimizer
    applies that step, so ``module_`` keeps the last finite weights.

    **Forked workers.** A process forked after its parent initialised CUDA
    cannot use CUDA. ``fit`` and ``predict`` there raise
    :class:`skmmdl.exceptions.CudaForkError` when ``device`` is ``"auto"``
    or CUDA. joblib's default ``loky`` backend (used by ``GridSearchCV(n_jobs=2)``)
    starts fresh worker processes and is not affected.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmdl import MMDLClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> images = rng.random((40, 16, 16), dtype=np.float32) + y[:, None, None]
    >>> vectors = rng.random((40, 5), dtype=np.float32) + y[:, None]
    >>> clf = MMDLClassifier(batch_size=8, verbose=0, random_state=0)
    >>> clf.fit((images, vectors), y).score((images, vectors), y)
    1.0
    """

    # skorch pickles these attributes with torch storage mapping, so CUDA
    # tensors load on a CPU-only machine. An LRScheduler callback keeps the
    # optimizer, and with it CUDA tensors, so the callbacks need the same.
    cuda_dependent_attributes_ = ["callbacks"]

    def __init__(
        self,
        fusion="concat",
        *,
        modality=None,
        rank=40,
        fusion_dim=None,
        hidden_dim=100,
        encoder_channels=6,
        encoder_blocks=None,
        mlp_dims=(64,),
        input_shapes="auto",
        input_scale=None,
        validation_fraction=None,
        max_epochs=10,
        batch_size=40,
        lr=0.05,
        optimizer=torch.optim.SGD,
        device="auto",
        random_state=None,
        mixed_precision=None,
        channels_last=False,
        checkpoint_dir=None,
        verbose=1,
        train_split=None,
        module=MultimodalNetwork,
        criterion=torch.nn.CrossEntropyLoss,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            train_split=train_split,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.fusion = fusion
        self.modality = modality
        self.rank = rank
        self.fusion_dim = fusion_dim
        self.hidden_dim = hidden_dim
        self.encoder_channels = encoder_channels
        self.encoder_blocks = encoder_blocks
        self.mlp_dims = mlp_dims
        self.input_shapes = input_shapes
        self.input_scale = input_scale
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.mixed_precision = mixed_precision
        self.channels_last = channels_last
        self.checkpoint_dir = checkpoint_dir

    # -- skorch hooks ---------------------------------------------------------

    def get_default_callbacks(self):
        return add_progress_bar(super().get_default_callbacks(), self)

    def initialize_module(self):
        kwargs = dict(
            input_shapes=self.input_shapes_,
            n_classes=len(self.classes_),
            fusion=self.fusion,
            fusion_dim=self.fusion_dim,
            rank=self.rank,
            hidden_dim=self.hidden_dim,
            encoder_channels=self.encoder_channels,
            encoder_blocks=self.encoder_blocks,
            mlp_dims=self.mlp_dims,
        )
        kwargs.update(self.get_params_for("module"))
        self.module_ = self.module(**kwargs)
        if self.channels_last:
            # Convolutions return the memory format of their weights, so every
            # feature map after the first convolution is channels-last too.
            self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def initialize(self):
        if not hasattr(self, "input_shapes_"):
            raise RuntimeError(
                "MMDLClassifier builds its network from the data: call fit(X, y) "
                "instead of initialize()."
            )
        with self._resolved_device(), self._seeded_torch(offset=0):
            super().initialize()
        return self

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return ModalityDataset(as_modalities(X), y)

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.validation_fraction is None:
            return super().get_split_datasets(X, y, **fit_params)
        split = ValidSplit(
            self.validation_fraction, stratified=True, random_state=self.random_seed_
        )
        dataset = self.get_dataset(X, y)
        return split(dataset, y)

    def get_iterator(self, dataset, training=False):
        indices = None
        if isinstance(dataset, torch.utils.data.Subset):
            indices = np.asarray(dataset.indices)
            dataset = dataset.dataset
        X = as_modalities(dataset.X)
        scales = per_modality(self.input_scale, len(X), "input_scale")
        if self.modality is not None:
            scales = [scales[self.modality]]
        X = self._selected_modalities(X)
        targets = None
        if dataset.y is not None:
            targets = np.searchsorted(self.classes_, np.asarray(dataset.y)).astype(np.int64)

        prefix = "iterator_train" if training else "iterator_valid"
        settings = self.get_params_for(prefix)
        batch_size = settings.get("batch_size", self.batch_size)
        shuffle = settings.get("shuffle", training)
        return ArrayBatchLoader(
            X,
            targets,
            indices=indices,
            batch_size=batch_size,
            shuffle=shuffle,
            seed_fn=self._epoch_seed,
            device=self.device,
            scales=scales,
            merge_single_last=training,
        )

    def infer(self, x, **fit_params):
        if isinstance(x, torch.Tensor):
            x = (x,)
        if self.mixed_precision is None:
            return self.module_(*x, **fit_params)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=getattr(torch, self.mixed_precision)):
            logits = self.module_(*x, **fit_params)
        # The loss and the probabilities are computed in float32.
        return logits.float()

    # -- public API -----------------------------------------------------------

    def fit(self, X, y, **fit_params):
        """Validate the input, build the network for its shapes, and train it.

        Parameters
        ----------
        X : tuple of array-like, Modalities or array-like
            One array per modality with the samples along the first axis, or a
            single array for one modality. Any numeric dtype; batches are cast
            to float32 as they are taken and multiplied by ``input_scale``.
        y : array-like of shape (n_samples,)
            Class labels of any type scikit-learn classifiers accept.

        Returns
        -------
        self : MMDLClassifier
        """
        reset = not self.warm_start or not self.initialized_
        X, y = self._prepare_fit(X, y, reset=reset)
        self._fit_input_checked = True
        try:
            with self._resolved_device():
                super().fit(X, y, **fit_params)
        finally:
            self._fit_input_checked = False
        return self

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, building the network on the first call."""
        if not getattr(self, "_fit_input_checked", False):
            X, y = self._prepare_fit(X, y, reset=not self.initialized_)
            if not self.initialized_:
                self.initialize()
        with self._resolved_device(), self._seeded_torch(offset=len(self.history) + 1):
            super().partial_fit(X, y, classes=classes, **fit_params)
        return self

    def _check_predict_input(self, X):
        check_is_fitted(self, "module_")
        if isinstance(X, torch.utils.data.Dataset):
            # skorch's scoring callbacks predict on the validation split, a
            # Subset of the dataset that fit has already checked.
            return X
        return self._check_X(X, reset=False)

    def predict_proba(self, X):
        """Return class probabilities, one row per sample, columns ordered as ``classes_``."""
        X = self._check_predict_input(X)
        with self._resolved_device():
            return super().predict_proba(X)

    def forward(self, X, training=False, device="cpu"):
        """Return the network's logits for ``X`` as one tensor on ``device``."""
        X = self._check_predict_input(X)
        with self._resolved_device():
            return super().forward(X, training=training, device=device)

    def predict(self, X):
        """Return the predicted class label of each sample (values from ``classes_``)."""
        # predict_proba runs first so that an unfitted model raises NotFittedError.
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
