"""Stop training at the first NaN or infinite loss or gradient, before it reaches the weights."""

import torch

from .exceptions import NonFiniteLossError

__all__ = ["FiniteLossMixin"]


class FiniteLossMixin:
    """skorch net mixin that raises NonFiniteLossError instead of stepping on NaN.

    skorch runs ``train_step_single`` (forward pass, loss, backward pass)
    inside the optimizer's closure, so raising there aborts ``optimizer.step()``
    for that batch: the parameters and the optimizer state stay as they were
    after the last finite step. The forward pass has already updated the
    module's buffers (BatchNorm running statistics), so they are copied before
    each step and put back when the step fails.
    """

    def train_step_single(self, batch, **fit_params):
        buffers = list(self.module_.buffers())
        saved_buffers = [buffer.detach().clone() for buffer in buffers]
        step = super().train_step_single(batch, **fit_params)
        problem = self._non_finite_step(step["loss"])
        if problem is None:
            return step

        with torch.no_grad():
            for buffer, saved in zip(buffers, saved_buffers):
                buffer.copy_(saved)
        # skorch's on_epoch_begin and on_batch_begin add the rows before this step.
        epoch = len(self.history)
        batch_number = len(self.history[-1]["batches"])
        raise NonFiniteLossError(
            f"Training stopped at epoch {epoch}, batch {batch_number}: the {problem}. "
            f"The weights of the last finite step are kept. Lower lr (now {self.lr!r}) "
            "or rescale inputs that have very large values.",
            epoch=epoch,
            batch=batch_number,
        )

    def _non_finite_step(self, loss):
        """Describe what is NaN or infinite in this step, or return None if all is finite."""
        loss = loss.detach()
        if not bool(torch.isfinite(loss).all()):
            return f"loss is {loss.item()}"
        gradients = [
            parameter.grad for parameter in self.module_.parameters()
            if parameter.grad is not None
        ]
        if not gradients:
            return None
        # One stacked check, so that a CUDA run waits for the device once per batch.
        finite = torch.stack([torch.isfinite(gradient).all() for gradient in gradients])
        if not bool(finite.all()):
            return "loss is finite but gradients contain NaN or inf"
        return None
