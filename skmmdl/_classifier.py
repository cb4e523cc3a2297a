"""MMDLClassifier: a skorch classifier over a tuple of modalities."""

import contextlib
import logging

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import ValidSplit
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._batches import ArrayBatchLoader, ModalityDataset
from ._checkpoint import CheckpointMixin
from ._device import check_fork_safe
from ._modalities import Modalities
from ._numerics import FiniteLossMixin
from ._params import validate_parameters
from ._progress import add_progress_bar
from ._validation import as_modalities, check_modality, sample_shape
from .nn import MultimodalNetwork
from .nn.fusion import FUSIONS, canonical_fusion_name
from .nn.encoders import default_conv_blocks
from .nn.network import per_modality

__all__ = ["MMDLClassifier"]

logger = logging.getLogger(__name__)

# Attributes that skorch's NeuralNet.__init__ assigns, mapped to the private
# names under which MMDLClassifier's properties store them.
_SKORCH_INIT_ATTRIBUTES = {
    "history_": "_history",
    "initialized_": "_initialized",
    "virtual_params_": "_virtual_params",
}


class MMDLClassifier(CheckpointMixin, FiniteLossMixin, NeuralNetClassifier):
    """Multimodal deep-learning classifier with a scikit-learn interface.

    Each modality of ``X`` gets an encoder chosen from its shape (a LeNet-style
    CNN for ``(N, H, W)`` or ``(N, C, H, W)`` images and spectrograms, an MLP for
    ``(N, D)`` feature vectors); a fusion layer joins the encoders' features and
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
        Conv blocks of each CNN encoder (conv, BatchNorm, ReLU, 2 x 2
        max-pool). None pools the input to 1 x 1: 4 blocks for 28 x 28, 6 for
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
        ``torch.autocast`` with bfloat16 in training and prediction, which
        is faster on CPUs with AMX or AVX-512 BF16 and on recent GPUs. It
        changes the results slightly; ``benchmarks/RESULTS.md`` compares the
        test accuracy. None computes in float32.
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
        self.checkpoint_dir = checkpoint_dir

    # -- scikit-learn parameter protocol -----------------------------------------

    def _get_param_names(self):
        # skorch 1.4 lists every attribute not ending in "_" as a parameter,
        # including its private bookkeeping such as _params_to_validate, which
        # clone would then pass back and check_set_params would overwrite.
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def set_params(self, **params):
        # skorch 1.4 rebuilds the callbacks from the stored list before it stores
        # a new ``callbacks`` value, so after one invalid list every later
        # set_params call raises. Store the list first and let fit build it.
        if "callbacks" in params:
            self.callbacks = params.pop("callbacks")
        return super().set_params(**params)

    # skorch's NeuralNet.__init__ assigns history_, initialized_ and
    # virtual_params_. scikit-learn expects __init__ to store parameters only,
    # so these properties keep the values under private names. The getters raise
    # AttributeError until __init__ has run, as a missing attribute would,
    # because skorch's __setattr__ tests hasattr(self, "initialized_").
    @property
    def history_(self):
        return self._stored("_history")

    @history_.setter
    def history_(self, value):
        self.__dict__["_history"] = value

    @property
    def initialized_(self):
        return self._stored("_initialized")

    @initialized_.setter
    def initialized_(self, value):
        self.__dict__["_initialized"] = value

    @property
    def virtual_params_(self):
        return self._stored("_virtual_params")

    @virtual_params_.setter
    def virtual_params_(self, value):
        self.__dict__["_virtual_params"] = value

    def _stored(self, key):
        try:
            return self.__dict__[key]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {key.lstrip('_')}_ yet."
            ) from None

    # -- device and random state -------------------------------------------------

    @contextlib.contextmanager
    def _resolved_device(self):
        """Set ``self.device`` to the concrete device for the duration of a call.

        skorch reads ``self.device`` in many places; "auto" is resolved here and
        restored afterwards, so that ``get_params`` still returns what the user set.
        """
        requested = self.device
        check_fork_safe(requested)
        if isinstance(requested, str) and requested == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            yield
        finally:
            self.device = requested

    @contextlib.contextmanager
    def _seeded_torch(self, offset):
        """Run torch code under the seed ``random_seed_ + offset``, then restore the global RNG."""
        devices = []
        if torch.device(self.device).type == "cuda":
            devices = [torch.device(self.device).index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed((self.random_seed_ + offset) % 2**63)
            yield

    def _epoch_seed(self):
        return [self.random_seed_, len(self.history)]

    def __setstate__(self, state):
        # Pickles made before history_, initialized_ and virtual_params_ became
        # properties store them under the public names, which the properties hide.
        for public, private in _SKORCH_INIT_ATTRIBUTES.items():
            if public in state:
                state[private] = state.pop(public)
        # Parameters added after 0.1; older pickles get their defaults.
        state.setdefault("input_scale", None)
        state.setdefault("mixed_precision", None)

        requested = state.get("device")
        if isinstance(requested, str) and requested == "auto":
            state["device"] = "cuda" if torch.cuda.is_available() else "cpu"
        super().__setstate__(state)
        if isinstance(requested, str) and requested == "auto":
            self.device = requested

    # -- input checks ----------------------------------------------------------

    def _check_params(self):
        validate_parameters(self)
        canonical_fusion_name(self.fusion)
        if self.validation_fraction is not None and self.train_split is not None:
            raise ValueError(
                "Set either validation_fraction or train_split, not both; got "
                f"validation_fraction={self.validation_fraction!r} and "
                f"train_split={self.train_split!r}."
            )
        if isinstance(self.device, str) and self.device != "auto":
            try:
                torch.device(self.device)
            except RuntimeError as exc:
                raise ValueError(
                    f"The 'device' parameter of {type(self).__name__} must be 'auto', "
                    f"'cpu', 'cuda' or 'cuda:N'. Got {self.device!r} instead."
                ) from exc

    def _check_X(self, X, reset):
        """Validate ``X`` and return it as Modalities, selecting ``modality`` if set."""
        X = as_modalities(X)
        arrays = [check_modality(array, position) for position, array in enumerate(X)]

        X = Modalities(arrays)
        arrays = self._selected_modalities(X)
        n_modalities = len(arrays)
        if reset:
            requested = self.input_shapes
            if requested == "auto":
                requested = ["auto"] * n_modalities
            requested = per_modality(requested, n_modalities, "input_shapes")
            self.input_shapes_ = [
                sample_shape(array, request, position)
                for position, (array, request) in enumerate(zip(arrays, requested))
            ]
            self.n_modalities_ = n_modalities
            self._check_encoders_fit()
            single_2d = len(X) == 1 and X[0].ndim == 2
            if single_2d:
                self.n_features_in_ = X[0].shape[1]
            elif hasattr(self, "n_features_in_"):
                del self.n_features_in_
            return X

        self._check_like_fit(X, arrays)
        return X

    def _selected_modalities(self, X):
        """Return the arrays the network takes: all of X, or only ``X[modality]``."""
        if self.modality is None:
            return list(X)
        if self.modality >= len(X):
            raise ValueError(
                f"modality={self.modality} is out of range: X has {len(X)} "
                f"modalities, so use 0 to {len(X) - 1} or None for all."
            )
        return [X[self.modality]]

    def _check_like_fit(self, X, arrays):
        if len(X) == 1 and X[0].ndim == 2 and hasattr(self, "n_features_in_"):
            if X[0].shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X[0].shape[1]} features, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input."
                )
        if len(arrays) != self.n_modalities_:
            raise ValueError(
                f"X has {len(arrays)} modalities, but the model was fitted on "
                f"{self.n_modalities_}. Pass the same modalities in the same order."
            )
        for position, (array, shape) in enumerate(zip(arrays, self.input_shapes_)):
            if int(np.prod(array.shape[1:])) != int(np.prod(shape)):
                raise ValueError(
                    f"Modality {position} has per-sample shape {tuple(array.shape[1:])}, "
                    f"but the model was fitted on {shape}. Resize the input to the "
                    "fitted shape."
                )

    def _check_encoders_fit(self):
        if canonical_fusion_name(self.fusion) == "early":
            return
        blocks = per_modality(self.encoder_blocks, self.n_modalities_, "encoder_blocks")
        per_modality(self.encoder_channels, self.n_modalities_, "encoder_channels")
        for position, (shape, n_blocks) in enumerate(zip(self.input_shapes_, blocks)):
            if len(shape) != 3:
                continue
            height, width = shape[1:]
            if min(height, width) < 2:
                raise ValueError(
                    f"Modality {position} has images of {height} x {width} pixels; the "
                    "CNN encoder needs at least 2 x 2. Pass it as a feature vector with "
                    f"input_shapes[{position}]=({height * width * shape[0]},)."
                )
            if n_blocks is not None and min(height, width) < 2**n_blocks:
                raise ValueError(
                    f"Modality {position} has images of {height} x {width} pixels, too "
                    f"small for encoder_blocks={n_blocks}, which halves the size each "
                    f"block; use at most {default_conv_blocks(height, width)} blocks."
                )

        fusion_class = FUSIONS[canonical_fusion_name(self.fusion)]
        maximum = fusion_class.max_modalities
        if self.n_modalities_ < fusion_class.min_modalities or (
            maximum is not None and self.n_modalities_ > maximum
        ):
            raise ValueError(
                f"fusion={self.fusion!r} combines exactly {fusion_class.min_modalities} "
                f"modalities, but X has {self.n_modalities_}. Use fusion='concat', "
                "'tensor' or 'lrtf' for any number of modalities, or pass two."
            )

    def _check_y(self, y, n_samples, reset):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None. Pass the class labels of the training samples."
            )
        y = column_or_1d(np.asarray(y), warn=True)
        check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(
                f"X has {n_samples} samples but y has {len(y)} labels; give one label "
                "per sample."
            )
        if reset:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"y contains 1 class ({classes[0]!r}); a classifier needs samples "
                    "of at least two classes."
                )
            self.classes_inferred_ = classes
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y contains labels not seen in the first fit: {unseen.tolist()}. "
                    "Fit from scratch to learn new classes."
                )
        return y

    def _prepare_fit(self, X, y, reset):
        self._check_params()
        X = self._check_X(X, reset=reset)
        y = self._check_y(y, X.n_samples, reset=reset)
        if reset:
            self.random_seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        return X, y

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
