"""Argument checks shared by the networks: keyword values that name the bad value and the fix."""

from __future__ import annotations

import numbers

import torch

from .._checks import check_int


def check_features(features) -> tuple[int, ...]:
    if isinstance(features, (numbers.Number, str)):
        raise TypeError(f"features must be a sequence of widths such as (32, 64, 128, 256), got {features!r}")
    features = tuple(features)
    if not features:
        raise ValueError("features must hold at least one width, got (); e.g. features=(32, 64, 128, 256)")
    return tuple(check_int(f, name=f"features[{i}]") for i, f in enumerate(features))


def check_channels(x: torch.Tensor, channels: int, name: str) -> None:
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(
            f"{name} expects a batch (B, {channels}, H, W), got shape {tuple(x.shape)}; "
            "add batch and channel axes with x[None, None] or build the model with in_channels=C"
        )
