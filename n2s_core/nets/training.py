"""Training loop for Noise2Self, Noise2Noise, Noise2Truth and the rest of the family: one config, one function.

The three modes of the paper differ only in the target (paper §5, Table 2):

- ``"n2s"`` (Noise2Self): the input is masked and the loss is the MSE on the held-out pixels against the noisy
  image itself (:func:`~n2s_core.nets.masking.masked_mse`). No second copy, no clean image.
- ``"n2n"`` (Noise2Noise): plain MSE against a second, independent noisy copy passed as ``target``.
- ``"n2t"`` (Noise2Truth): plain MSE against the clean image passed as ``target``.

Any other member of the family (Noise2Void, N2V2, Noise2Same, SURE, Neighbor2Neighbor, ZS-N2N) is an
``objective=`` (:mod:`.objectives`, :mod:`.subsampling`): the loop, the batches and the optimizer stay the same.
``config.time_limit`` stops a run after that many seconds, so members can be given the same wall-clock budget;
``config.schedule="cosine"`` decays the learning rate to 0 by the end of the run (by the clock under a time limit).
The data passed in is the data: noise is never redrawn (fresh noisy copies each epoch would add data the paper's
nets never saw).
The loss is one :class:`~.objectives.Objective`: ``objective=`` if given, else the one ``config.mode`` names
(:attr:`TrainConfig.objective`); training and validation only ever see that one. Validation scores a fixed
held-out set by the same objective, its random draws (masks, fill values, probes) reseeded the same every time, so
validation losses stay comparable. Every random draw of training (images, crops, masks) comes from one
``torch.Generator`` seeded with ``config.seed``, whose state is saved in checkpoints: resuming gives the same
weights as an uninterrupted run (CPU).

Speed (``benchmarks/bench_training.py`` measures each part). The images are moved to the device once, as one tensor;
every step draws its batch, crops and masks there, by indexing, with no host copy and no Python loop over images.
The loop never waits for the device except to report: losses are read back every ``_READ_EVERY`` steps, at
validations and checkpoints (or every step when a ``callback`` wants them). ``precision="auto"`` trains in bfloat16
mixed precision where the device computes it natively (recent CUDA GPUs, CPUs with AVX-512 or AMX), float16 with
loss scaling on older GPUs, float32 elsewhere; the loss is always computed in float32. On CUDA the weights and
activations are stored channels-last and Adam is fused. ``compile=True`` runs the training forward pass through
``torch.compile`` (it needs a C++ compiler on a CPU; the first steps pay for the compilation).
This module imports torch; ``import n2s_core`` does not import this module.
"""

from __future__ import annotations

import functools
import math
import numbers
import shutil
import time
import warnings
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from .._checks import check_choice, check_int, renamed_keywords
from .checkpoints import load_checkpoint, save_checkpoint
from .inference import evaluating
from .masking import Masker
from .objectives import BlindSpot, Objective, Supervised

MODES = ("n2s", "n2n", "n2t")
PRECISIONS = ("float32", "bfloat16", "float16", "auto")
SCHEDULES = ("constant", "cosine")
_READ_EVERY = 25  # steps between read-backs of the loss from the device (each one waits for the device)
_VAL_SEED_OFFSET = 1_000_003  # validation masks use their own stream, never the training generator's


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; ``steps`` may grow between a run and its resumption.

    The masker defaults to the paper's network setting (paper §5, supplement §5.3): a random partition into 25
    subsets, one held out per image, filled with uniform values in [0, 1]. Use ``replacement="axis"`` for the
    calibration grid of paper §3.

    Examples
    --------
    >>> TrainConfig(steps=100).masker
    Masker(replacement='random', stride=4, n_subsets=25, partition='random', span=0, direction='horizontal')
    >>> TrainConfig(mode="n2v")
    Traceback (most recent call last):
    ...
    ValueError: unknown mode 'n2v'; choose one of ['n2n', 'n2s', 'n2t']
    """

    mode: str = "n2s"  # "n2s" (masked loss vs noisy), "n2n" (vs a second noisy copy), "n2t" (vs the clean image)
    steps: int = 1000  # total optimizer steps of the run, counted across resumptions
    batch_size: int = 16  # images (or crops) per step, drawn with replacement
    lr: float = 1e-3  # Adam learning rate (the authors' notebooks use 1e-3 to 1e-2)
    schedule: str = "constant"  # "constant" lr, or "cosine": from lr down to 0 at the end of the run (_progress)
    crop: int | None = None  # side of the random square crops; None trains on whole images
    replacement: str = "random"  # n2s only: what fills the held-out pixels (see n2s_core.nets.masking)
    stride: int = 4  # n2s only, grid replacements ("axis", "diagonal", "zero"): stride**2 subsets
    n_subsets: int = 25  # n2s only, random partition ("random", "neighbor"): each mask holds ~1/n_subsets pixels
    span: int = 0  # n2s only: structured mask (structN2V), also hide this many pixels each side along...
    direction: str = "horizontal"  # ...rows ("horizontal") or columns ("vertical"); for row/column streaks
    val_every: int = 50  # validate at every multiple of this step (when a validation set is given)
    seed: int = 0  # seeds the training generator (batches, crops, masks) and the fixed validation masks
    device: str = "auto"  # "auto" (cuda, then mps, then cpu) or any torch device name
    precision: str = "float32"  # "float32", "bfloat16", "float16" (CUDA, scaled) or "auto" (resolve_precision)
    compile: bool = False  # run the training forward pass through torch.compile
    checkpoint: str | None = None  # file for checkpoints (written atomically); None writes none
    checkpoint_every: int = 100  # steps between checkpoints; the last step is always saved
    time_limit: float | None = None  # stop after this many seconds of this call (the step under way finishes)

    def __post_init__(self):
        check_choice(self.mode, MODES, name="mode")
        check_choice(self.precision, PRECISIONS, name="precision")
        check_choice(self.schedule, SCHEDULES, name="schedule")
        for name in ("steps", "batch_size", "val_every", "checkpoint_every"):
            check_int(getattr(self, name), name=name)
        if isinstance(self.lr, bool) or not isinstance(self.lr, numbers.Real) or not 0 < self.lr < float("inf"):
            raise ValueError(f"lr must be a positive finite number, got {self.lr!r}; the paper's notebooks use 1e-3")
        if self.crop is not None:
            check_int(self.crop, name="crop", minimum=2, fix="; use None to train on whole images")
        check_int(self.seed, name="seed", minimum=0)
        limit = self.time_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Real) or not limit > 0):
            raise ValueError(f"time_limit must be a positive number of seconds or None, got {limit!r}")
        self.masker  # noqa: B018 (builds the Masker now so that bad masker settings fail here)

    @property
    def masker(self) -> Masker:
        """The :class:`~n2s_core.nets.masking.Masker` of n2s training and validation."""
        return Masker(self.replacement, stride=self.stride, n_subsets=self.n_subsets, span=self.span,
                      direction=self.direction)

    @property
    def objective(self) -> Objective:
        """The loss of ``mode``: the masked loss for n2s, the MSE against the target for n2n and n2t."""
        return BlindSpot(self.masker) if self.mode == "n2s" else Supervised()

    @property
    def mask_span(self) -> int:
        """Deprecated: :attr:`span` (the Masker's word)."""
        warnings.warn("TrainConfig.mask_span is now TrainConfig.span", DeprecationWarning, stacklevel=2)
        return self.span

    @property
    def mask_direction(self) -> str:
        """Deprecated: :attr:`direction` (the Masker's word)."""
        warnings.warn("TrainConfig.mask_direction is now TrainConfig.direction", DeprecationWarning, stacklevel=2)
        return self.direction


_RENAMED = {"mask_span": "span", "mask_direction": "direction"}  # old keyword -> new, accepted with a warning
_dataclass_init = TrainConfig.__init__


@functools.wraps(_dataclass_init)
def _init_accepting_old_names(self, *args, **kwargs):
    old = {key: kwargs.pop(key) for key in list(kwargs) if key in _RENAMED}
    for key, value in renamed_keywords(old, _RENAMED, where="TrainConfig").items():
        if key in kwargs:
            raise TypeError(f"TrainConfig got both {key}= and its old name; give {key}= only")
        kwargs[key] = value
    _dataclass_init(self, *args, **kwargs)


TrainConfig.__init__ = _init_accepting_old_names


@dataclass
class TrainResult:
    """Loss histories of a run: ``train_loss[i]`` is the loss of step ``i + 1``, ``val_loss[k]`` that of
    ``val_steps[k]``; ``best_step`` is the validated step with the lowest loss (None without validation)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    best_step: int | None = None
    wall_time: float = 0.0  # seconds spent in this call (not counting earlier, resumed-from calls)
    device: str = "cpu"


def pick_device(name: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple MPS, then CPU; any other name is checked and returned.

    Examples
    --------
    >>> pick_device("cpu")
    device(type='cpu')
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'mps'") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available; use device='auto' or 'cpu'")
    return device


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The compute dtype of ``precision`` on ``device``; ``"auto"`` is bfloat16 where the device has it natively.

    "auto": bfloat16 on a CUDA GPU that supports it (Ampere and later), float16 on older GPUs, bfloat16 on a CPU
    whose oneDNN build runs it natively (AVX-512 or AMX; measured on a 2-core AVX-512/AMX Xeon: 3.2x the images/s of
    float32 for the paper's UNet), float32 anywhere else (Apple MPS included). float16 needs CUDA.

    Examples
    --------
    >>> resolve_precision("float32", torch.device("cpu"))
    torch.float32
    >>> resolve_precision("float16", torch.device("cpu"))
    Traceback (most recent call last):
    ...
    ValueError: precision='float16' needs a CUDA device (loss scaling), got cpu; use 'bfloat16' or 'auto'
    """
    check_choice(precision, PRECISIONS, name="precision")
    if precision == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if device.type == "cpu" and _cpu_has_bfloat16() else torch.float32
    if precision == "float16" and device.type != "cuda":
        raise ValueError(f"precision='float16' needs a CUDA device (loss scaling), got {device.type}; use "
                         "'bfloat16' or 'auto'")
    return getattr(torch, precision)


def _cpu_has_bfloat16() -> bool:
    """Whether oneDNN computes bfloat16 natively on this CPU (else it would emulate it, slower than float32)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False


def train(model: torch.nn.Module, noisy: torch.Tensor, *, config: TrainConfig, target: torch.Tensor | None = None,
          val_noisy: torch.Tensor | None = None, val_target: torch.Tensor | None = None, callback=None,
          progress: bool = True, resume: bool = False, objective: Objective | None = None) -> TrainResult:
    """Train ``model`` in place on ``noisy`` (N, C, H, W) for ``config.steps`` Adam steps; returns the histories.

    The loss is ``objective`` (any member of the family, e.g. ``Noise2Same()``), or when it is None the one
    ``config.mode`` names (:attr:`TrainConfig.objective`); giving both a non-default mode and an objective is an
    error. ``target`` (N, C, H, W) is given exactly when the objective needs one: the second noisy copy (n2n) or
    the clean images (n2t); n2s takes none. Validation runs every ``config.val_every`` steps on ``val_noisy``
    (M, C, H', W') in eval mode, scored by the same objective with its random draws reseeded the same every time
    (n2s: the same masks each time; n2n/n2t: the MSE against ``val_target``). ``callback(step, train_loss,
    val_loss)`` is called after every step (``val_loss`` is None between validations). ``resume=True`` continues
    from ``config.checkpoint`` up to ``config.steps``. The model is left in train mode on the chosen device.

    Examples
    --------
    >>> model = torch.nn.Conv2d(1, 1, 3, padding=1)
    >>> config = TrainConfig(steps=3, batch_size=2, crop=8, device="cpu")
    >>> result = train(model, torch.rand(1, 1, 16, 16), config=config, progress=False)
    >>> len(result.train_loss), result.best_step
    (3, None)
    """
    device = pick_device(config.device)
    objective = _objective(config, objective)
    data = _check_data(noisy, target, config, objective, names=("noisy", "target"))
    if val_noisy is None and val_target is not None:
        raise ValueError("val_target was given without val_noisy; pass both (or neither)")
    val = None if val_noisy is None else _on_device(
        _check_data(val_noisy, val_target, config, objective, names=("val_noisy", "val_target"), crop=False), device)
    dtype = resolve_precision(config.precision, device)
    cuda = device.type == "cuda"
    model.to(device, memory_format=torch.channels_last if cuda else torch.preserve_format).train()
    forward = _compiled(model, device) if config.compile else model
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=cuda or None)
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
    generator = torch.Generator().manual_seed(config.seed)  # CPU: its state is portable and checkpointable
    draws = generator if device.type == "cpu" else torch.Generator(device)  # where batches and masks are drawn
    data = _on_device(data, device)  # once: (N, C, H, W) each, the target the same tensor when there is none
    result = TrainResult(device=str(device))
    start = load_checkpoint(config, model, optimizer, scaler, generator, result, device) if resume else 0
    pending = []  # losses of the steps not yet read back from the device
    clock = time.perf_counter()
    with tqdm(range(start + 1, config.steps + 1), initial=start, total=config.steps, disable=not progress) as bar:
        for step in bar:
            if draws is not generator:  # the device's stream, reseeded from the checkpointed CPU generator
                draws.manual_seed(int(torch.randint(2**62, (1,), generator=generator)))
            x, y = _draw_batch(*data, config=config, generator=draws)  # (B, C, h, w), on the device
            done = _progress(step, config, time.perf_counter() - clock)
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(config, done)
            pending.append(_step(forward, x, y, optimizer, scaler, objective=objective, generator=draws,
                                 progress=done, dtype=dtype))
            val_loss = None
            out_of_time = config.time_limit is not None and time.perf_counter() - clock >= config.time_limit
            last = step == config.steps or out_of_time
            validate = val is not None and (step % config.val_every == 0 or out_of_time)
            checkpoint = config.checkpoint is not None and (step % config.checkpoint_every == 0 or last)
            if validate:
                val_loss = _validation_loss(model, *val, objective=objective, config=config)
                result.val_loss.append(val_loss)
                result.val_steps.append(step)
            if callback is not None or validate or checkpoint or last or step % _READ_EVERY == 0:
                result.train_loss += torch.stack(pending).tolist()  # waits for the device
                pending.clear()
                shown = f"loss={result.train_loss[-1]:.4g}" + (f" val={result.val_loss[-1]:.4g}"
                                                               if result.val_loss else "")
                bar.set_postfix_str(shown, refresh=False)
            if checkpoint:
                save_checkpoint(config, model, optimizer, scaler, generator, result, step)
            if callback is not None:
                callback(step, result.train_loss[-1], val_loss)
            if out_of_time:
                break
    if result.val_loss:
        result.best_step = result.val_steps[min(range(len(result.val_loss)), key=result.val_loss.__getitem__)]
    result.wall_time = time.perf_counter() - clock
    return result


def _progress(step: int, config: TrainConfig, elapsed: float) -> float:
    """How far the run is, from 0 to 1: by steps, or by the clock when a time limit is nearer (the cosine
    schedule's clock, so a run stopped by ``time_limit`` ends its decay on time)."""
    done = (step - 1) / config.steps
    return min(1.0, max(done, elapsed / config.time_limit) if config.time_limit is not None else done)


def _learning_rate(config: TrainConfig, done: float) -> float:
    """The learning rate at progress ``done`` (0 to 1): ``config.lr``, or its cosine decay to 0 at the end."""
    return config.lr if config.schedule == "constant" else config.lr * 0.5 * (1 + math.cos(math.pi * done))


def _step(forward, x, y, optimizer, scaler, *, objective: Objective, generator, progress: float,
          dtype: torch.dtype) -> torch.Tensor:
    """One Adam step on a batch x (B, C, h, w) and its target y (x itself when the objective takes none).

    Returns the loss as a 0-d tensor on the device: reading it (``float``) would wait for the device.
    """
    with torch.autocast(x.device.type, dtype=dtype, enabled=dtype != torch.float32):
        loss = objective.loss(forward, x, y, generator=generator, progress=progress)  # float32, even under autocast
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.detach()


def _compiled(model: torch.nn.Module, device: torch.device):
    """``torch.compile(model)``, sharing the model's weights. On a CPU it builds C++ kernels, so it needs a compiler:
    checked here, as torch would only fail at the first step. Static shapes: a run's batches all have one shape, and
    torch 2.13's automatic dynamic shapes failed to compile the UNet when a second model size followed a first."""
    if device.type == "cpu" and not any(shutil.which(name) for name in ("c++", "g++", "clang++")):
        raise RuntimeError("compile=True on a CPU needs a C++ compiler (c++, g++ or clang++) on the PATH; install "
                           "one or train with compile=False")
    return torch.compile(model, dynamic=False)


def _on_device(data: tuple[torch.Tensor, torch.Tensor], device: torch.device):
    """``(noisy, target)`` moved to ``device`` once; a target that is the noisy tensor stays that same tensor."""
    noisy, target = data
    moved = noisy.to(device)
    return moved, moved if target is noisy else target.to(device)


def _draw_batch(noisy: torch.Tensor, target: torch.Tensor, *, config: TrainConfig, generator):
    """``batch_size`` images drawn with replacement, each randomly cropped to ``crop`` (if set).

    All on the generator's device, by indexing: the crops are one gather (rows x columns), no loop over images.
    """
    count, _, height, width = noisy.shape
    batch, device = config.batch_size, generator.device
    index = torch.randint(count, (batch,), generator=generator, device=device)  # (B,)
    if config.crop is None:
        return noisy[index], target[index]  # (B, C, H, W) each
    size, offsets = config.crop, torch.arange(config.crop, device=device)
    rows = torch.randint(height - size + 1, (batch,), generator=generator, device=device)[:, None] + offsets
    cols = torch.randint(width - size + 1, (batch,), generator=generator, device=device)[:, None] + offsets
    picks = (index[:, None, None], slice(None), rows[:, :, None], cols[:, None, :])  # (B,1,1), :, (B,s,1), (B,1,s)
    return tuple(t[picks].permute(0, 3, 1, 2).contiguous() for t in (noisy, target))  # (B, s, s, C) -> (B, C, s, s)


def _validation_loss(model, inputs, targets, *, objective: Objective, config: TrainConfig) -> float:
    """The objective's loss on the validation set in eval mode, ``batch_size`` images at a time, weighted by
    their number; its random draws come from a generator reseeded the same at every validation."""
    generator = torch.Generator().manual_seed(config.seed + _VAL_SEED_OFFSET)  # CPU: the masker accepts it
    total = 0.0
    with evaluating(model), torch.no_grad():
        for start in range(0, len(inputs), config.batch_size):
            part = slice(start, start + config.batch_size)
            loss = objective.loss(model, inputs[part], targets[part], generator=generator, progress=1.0)
            total += float(loss) * len(inputs[part])
    return total / len(inputs)


def _objective(config: TrainConfig, objective: Objective | None) -> Objective:
    """The one loss of a run: ``objective``, or the one ``config.mode`` names; both at once is ambiguous."""
    if objective is None:
        return config.objective
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be an n2s_core.nets.objectives.Objective, got {type(objective).__name__}")
    if config.mode != "n2s":
        raise ValueError(f"give the loss one way: objective={type(objective).__name__}(...) or "
                         f"TrainConfig(mode={config.mode!r}), not both; e.g. objective=Supervised() with a target "
                         "is Noise2Noise or Noise2Truth")
    return objective


def _check_data(noisy, target, config: TrainConfig, objective: Objective, *, names, crop: bool = True):
    """Check shapes and the objective's target; returns ``(noisy, target)``, target = noisy if none."""
    for name, value in zip(names, (noisy, target), strict=True):
        if value is not None and (not isinstance(value, torch.Tensor) or not value.is_floating_point()
                                  or value.ndim != 4):
            raise TypeError(f"{name} must be a float tensor (N, C, H, W), got "
                            f"{getattr(value, 'shape', type(value).__name__)}; e.g. torch.as_tensor(image)[None, None]")
    if objective.needs_target != (target is not None):
        raise ValueError(_target_fix(config, objective, target, names[1]))
    target = noisy if target is None else target
    if target.shape != noisy.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {tuple(noisy.shape)} and "
                         f"{tuple(target.shape)}")
    if crop and config.crop is not None and config.crop > min(noisy.shape[-2:]):
        raise ValueError(f"crop={config.crop} exceeds the images' {tuple(noisy.shape[-2:])}; use a smaller crop")
    return noisy, target


def _target_fix(config: TrainConfig, objective: Objective, target, name: str) -> str:
    """Why the target is wrong, in the words of the way the loss was given (mode or objective)."""
    if objective != config.objective:
        what = "needs" if objective.needs_target else "takes no"
        return f"{type(objective).__name__} {what} {name}, got {'None' if target is None else 'one'}"
    if config.mode == "n2s":
        return (f"mode='n2s' trains against the noisy images themselves, so {name} must be None; use mode='n2n' "
                "(second noisy copy) or mode='n2t' (clean images) to train against it")
    what = "the second noisy copy" if config.mode == "n2n" else "the clean images"
    return f"mode={config.mode!r} needs {name} ({what}), got None; pass it, or use mode='n2s' to train on the noisy " \
           "images alone"
