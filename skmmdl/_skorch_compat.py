"""Adjustments that make skorch's NeuralNet follow scikit-learn's estimator rules."""

__all__ = ["SkorchCompatMixin"]

# Attributes that skorch's NeuralNet.__init__ assigns, mapped to the private
# names under which MMDLClassifier's properties store them.
_SKORCH_INIT_ATTRIBUTES = {
    "history_": "_history",
    "initialized_": "_initialized",
    "virtual_params_": "_virtual_params",
}


def _stored_attribute(key):
    """Return a property that stores its value in the instance ``__dict__`` under ``key``."""

    def get(self):
        return self._stored(key)

    def set(self, value):
        self.__dict__[key] = value

    return property(get, set)


class SkorchCompatMixin:
    """Parameter protocol and pickle migration for a skorch net subclass (skorch 1.4)."""


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
    history_ = _stored_attribute("_history")
    initialized_ = _stored_attribute("_initialized")
    virtual_params_ = _stored_attribute("_virtual_params")

    def _stored(self, key):
        try:
            return self.__dict__[key]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {key.lstrip('_')}_ yet."
            ) from None

    def __setstate__(self, state):
        # Pickles made before history_, initialized_ and virtual_params_ became
        # properties store them under the public names, which the properties hide.
        for public, private in _SKORCH_INIT_ATTRIBUTES.items():
            if public in state:
                state[private] = state.pop(public)
        # Parameters added after the committed test fixture; older pickles get their defaults.
        state.setdefault("input_scale", None)
        state.setdefault("mixed_precision", None)
        state.setdefault("channels_last", False)
        super().__setstate__(state)
