"""Checkpoints of a training run: everything needed to resume it exactly, written atomically, read safely.

A checkpoint holds the step, the model, the optimizer, the gradient scaler, the training generator's state and the
loss history, plus the settings that must not change on resumption (:data:`RESUME_KEYS`). It is written to a
temporary file and renamed, so a reader sees the old file or the new one, never half a file; it is read with
``weights_only=True``, which loads tensors and plain containers but never runs pickled code.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import torch

RESUME_KEYS = ("mode", "batch_size", "lr", "crop", "replacement", "stride", "n_subsets", "val_every", "seed")


def save_checkpoint(config, model, optimizer, scaler, generator, result, step: int) -> None:
    """Write the state of step ``step`` to a temporary file beside the checkpoint, then rename it (atomic)."""
    path = Path(config.checkpoint)
    state = {"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scaler": scaler.state_dict(), "generator": generator.get_state(),  # uint8 tensor
             "train_loss": list(result.train_loss), "val_loss": list(result.val_loss),
             "val_steps": list(result.val_steps), "config": {key: asdict(config)[key] for key in RESUME_KEYS}}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(state, file)
        os.replace(temporary, path)  # readers see the old file or the new one, never half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(config, model, optimizer, scaler, generator, result, device) -> int:
    """Restore everything from ``config.checkpoint`` (``weights_only=True``); returns the step reached."""
    if config.checkpoint is None or not Path(config.checkpoint).is_file():
        raise FileNotFoundError(f"resume=True needs an existing checkpoint file, got checkpoint="
                                f"{config.checkpoint!r}; run once with resume=False and checkpoint set first")
    state = torch.load(config.checkpoint, map_location=device, weights_only=True)
    changed = {k: (v, getattr(config, k)) for k, v in state["config"].items() if v != getattr(config, k)}
    if changed:
        raise ValueError(f"the checkpoint was written with other settings (saved, now): {changed}; restore them "
                         "or start a new run with resume=False")
    if state["step"] > config.steps:
        raise ValueError(f"the checkpoint is at step {state['step']}, past steps={config.steps}; raise steps")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if state["scaler"] and scaler.is_enabled():  # a CUDA amp run may resume on a CPU, without amp
        scaler.load_state_dict(state["scaler"])
    generator.set_state(state["generator"].cpu())
    result.train_loss, result.val_loss, result.val_steps = state["train_loss"], state["val_loss"], state["val_steps"]
    return state["step"]
