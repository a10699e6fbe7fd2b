"""Tests of n2s_core.nets.training: a short Noise2Self run denoises; runs are seeded and resumable; validation fixed."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import n2s_core as n2s
from n2s_core.nets.inference import predict_single_pass
from n2s_core.nets.models import DnCNN, UNet
from n2s_core.nets.objectives import Supervised
from n2s_core.nets.training import _READ_EVERY, TrainConfig, pick_device, resolve_precision, train


def _camera(sigma: float = 0.15):
    """(clean, noisy) 64x64 NumPy crops of the camera and the noisy one as a (1, 1, 64, 64) tensor."""
    clean, noisy = n2s.noisy_camera(size=64, sigma=sigma)
    return clean, noisy, torch.as_tensor(noisy, dtype=torch.float32)[None, None]


def _config(**kwargs) -> TrainConfig:
    return TrainConfig(**{"steps": 20, "batch_size": 4, "crop": 16, "device": "cpu", **kwargs})


def _model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return DnCNN(depth=5, features=16)


def _images(seed: int, count: int = 4) -> torch.Tensor:
    return torch.rand(count, 1, 32, 32, generator=torch.Generator().manual_seed(seed))


def test_noise2self_raises_psnr():
    clean, noisy, x = _camera()
    model = _model()
    train(model, x, config=_config(steps=150, batch_size=8, crop=32, lr=3e-3), progress=False)
    denoised = predict_single_pass(model, x)[0, 0].numpy()
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 3  # about +5 dB in practice


@pytest.mark.parametrize("mode", ["n2n", "n2t"])
def test_supervised_modes_lower_the_loss(mode):
    clean, noisy = n2s.noisy_camera(size=64, sigma=0.15)
    second = n2s.add_noise(clean, sigma=0.15, rng=7)
    target = torch.as_tensor(second if mode == "n2n" else clean, dtype=torch.float32)[None, None]
    x = torch.as_tensor(noisy, dtype=torch.float32)[None, None]
    result = train(_model(), x, target=target, config=_config(mode=mode, steps=60, lr=3e-3), progress=False)
    assert len(result.train_loss) == 60
    assert sum(result.train_loss[-10:]) < 0.5 * sum(result.train_loss[:10])


def test_resume_gives_the_same_weights(tmp_path):
    x, val = _images(0), _images(1, count=2)
    straight = _model()
    full = train(straight, x, val_noisy=val, config=_config(val_every=5), progress=False)
    path = str(tmp_path / "run.pt")
    train(_model(), x, val_noisy=val, config=_config(val_every=5, steps=10, checkpoint=path), progress=False)
    state = torch.load(path, weights_only=True)
    assert state["step"] == 10 and len(state["train_loss"]) == 10
    assert isinstance(state["generator"], torch.Tensor) and state["generator"].dtype == torch.uint8
    resumed = _model(seed=5)  # other initial weights: all of them come from the checkpoint
    result = train(resumed, x, val_noisy=val, config=_config(val_every=5, checkpoint=path), progress=False,
                   resume=True)
    assert result.train_loss == full.train_loss and result.val_loss == full.val_loss
    assert result.val_steps == [5, 10, 15, 20] and result.best_step == full.best_step
    for key, value in straight.state_dict().items():  # BatchNorm running statistics included
        assert torch.equal(value, resumed.state_dict()[key]), key


def test_interrupted_run_resumes_exactly(tmp_path):
    x = _images(0)
    straight = _model()
    train(straight, x, config=_config(), progress=False)
    path = str(tmp_path / "run.pt")

    def interrupt(step, train_loss, val_loss):
        if step == 13:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(_model(), x, config=_config(checkpoint=path, checkpoint_every=5), callback=interrupt, progress=False)
    assert torch.load(path, weights_only=True)["step"] == 10
    model = _model(seed=3)
    train(model, x, config=_config(checkpoint=path, checkpoint_every=5), progress=False, resume=True)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]  # no temporary file left behind


def test_resume_refuses_changed_settings_and_missing_files(tmp_path):
    path = str(tmp_path / "run.pt")
    with pytest.raises(FileNotFoundError, match="resume=True needs an existing checkpoint"):
        train(_model(), _images(0), config=_config(checkpoint=path), progress=False, resume=True)
    train(_model(), _images(0), config=_config(steps=2, checkpoint=path), progress=False)
    with pytest.raises(ValueError, match="other settings.*'lr'"):
        train(_model(), _images(0), config=_config(lr=0.1, checkpoint=path), progress=False, resume=True)


def test_validation_masks_are_fixed():
    torch.manual_seed(0)
    model = torch.nn.Conv2d(1, 1, 3, padding=1)
    for parameter in model.parameters():  # zero gradients: Adam then never moves the weights
        parameter.register_hook(torch.zeros_like)
    result = train(model, _images(0), val_noisy=_images(1), config=_config(steps=6, val_every=2), progress=False)
    assert len(result.val_loss) == 3 and len(set(result.val_loss)) == 1
    assert result.train_loss[0] != result.train_loss[1]  # training masks, by contrast, change every step


def test_validation_runs_in_eval_mode_and_training_in_train_mode():
    modes = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = DnCNN(depth=3, features=4)

        def forward(self, x):
            modes.append((torch.is_grad_enabled(), self.training, self.net.body[3].training))
            return self.net(x)

    model = Recorder()
    seen = []
    train(model, _images(0), val_noisy=_images(1), config=_config(steps=4, val_every=2), progress=False,
          callback=lambda step, loss, val: seen.append((step, model.training, val is None)))
    assert set(modes) == {(True, True, True), (False, False, False)}
    assert seen == [(1, True, True), (2, True, False), (3, True, True), (4, True, False)]


@pytest.mark.parametrize("replacement", ["random", "axis", "neighbor"])
def test_same_seed_same_weights_other_seed_other_weights(replacement):
    def weights(seed):
        model = _model()
        train(model, _images(0), config=_config(steps=5, seed=seed, replacement=replacement), progress=False)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(weights(1), weights(1))
    assert not torch.equal(weights(1), weights(2))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"mode": "n2v"}, "unknown mode 'n2v'"),
    ({"steps": 0}, "steps must be an int >= 1, got 0"),
    ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
    ({"lr": -1.0}, "lr must be a positive"),
    ({"crop": 1}, "crop must be an int >= 2"),
    ({"seed": -1}, "seed must be an int >= 0"),
    ({"schedule": "linear"}, "unknown schedule 'linear'"),
    ({"replacement": "axis", "stride": 1}, "stride"),
])
def test_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("name", ["steps", "batch_size", "crop", "seed", "val_every"])
def test_a_fraction_or_a_bool_is_a_type_error_for_every_integer_setting(name):
    for bad in (1.5, True):
        with pytest.raises(TypeError, match=f"{name} must be an int, got {bad!r}"):
            TrainConfig(**{name: bad})


def test_the_old_mask_names_still_work_and_say_the_new_ones():
    with pytest.warns(DeprecationWarning, match=r"TrainConfig\(mask_span=\) is now TrainConfig\(span=\)"):
        config = TrainConfig(mask_span=2, mask_direction="vertical")
    assert (config.span, config.direction) == (2, "vertical")
    assert (config.masker.span, config.masker.direction) == (2, "vertical")
    with pytest.warns(DeprecationWarning, match="TrainConfig.mask_span is now TrainConfig.span"):
        assert config.mask_span == 2
    with pytest.raises(TypeError, match="both span= and its old name"), pytest.warns(DeprecationWarning):
        TrainConfig(span=1, mask_span=2)
    assert replace(config, span=3).span == 3


def test_the_loss_is_given_one_way():
    x = _images(0)
    with pytest.raises(ValueError, match="give the loss one way"):
        train(_model(), x, target=x, config=_config(mode="n2n"), objective=Supervised(), progress=False)
    with pytest.raises(TypeError, match="objective must be an n2s_core.nets.objectives.Objective"):
        train(_model(), x, config=_config(), objective="n2s", progress=False)
    with pytest.raises(ValueError, match="Supervised needs target, got None"):
        train(_model(), x, config=_config(), objective=Supervised(), progress=False)
    named = train(_model(), x, target=x, config=_config(mode="n2n", steps=2), progress=False)
    given = train(_model(), x, target=x, config=_config(steps=2), objective=Supervised(), progress=False)
    assert named.train_loss == given.train_loss  # mode="n2n" is a name for Supervised() with a second copy


def test_data_errors():
    x = _images(0)
    with pytest.raises(ValueError, match="mode='n2n' needs target"):
        train(_model(), x, config=_config(mode="n2n"), progress=False)
    with pytest.raises(ValueError, match="noisy and target must have the same shape"):
        train(_model(), x, target=_images(1, count=3), config=_config(mode="n2t"), progress=False)
    with pytest.raises(ValueError, match="target must be None"):
        train(_model(), x, target=x, config=_config(), progress=False)
    with pytest.raises(ValueError, match="crop=64 exceeds"):
        train(_model(), x, config=_config(crop=64), progress=False)
    with pytest.raises(TypeError, match=r"noisy must be a float tensor \(N, C, H, W\)"):
        train(_model(), x[0], config=_config(), progress=False)
    with pytest.raises(ValueError, match="val_target was given without val_noisy"):
        train(_model(), x, val_target=x, config=_config(), progress=False)


def test_inputs_not_mutated_and_device_picked():
    x = _images(0)
    before = x.clone()
    result = train(_model(), x, config=_config(steps=3), progress=True)  # the tqdm bar too
    assert torch.equal(x, before) and result.device == "cpu" and result.wall_time > 0
    assert pick_device("auto").type in ("cuda", "mps", "cpu")
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        pick_device("gpu0")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), crop=st.integers(2, 12), batch=st.integers(1, 5))
def test_drawn_crops_are_the_slices_of_the_drawn_images(seed, crop, batch):
    """The one-gather crops equal the plain slices t[i, :, top:top + s, left:left + s] of the same draws."""
    from n2s_core.nets.training import _draw_batch

    noisy = torch.rand(3, 2, 12, 13, generator=torch.Generator().manual_seed(seed))
    target = noisy + 1
    config = _config(batch_size=batch, crop=crop)
    x, y = _draw_batch(noisy, target, config=config, generator=torch.Generator().manual_seed(seed))
    again = torch.Generator().manual_seed(seed)
    index = torch.randint(3, (batch,), generator=again).tolist()
    tops = torch.randint(12 - crop + 1, (batch,), generator=again).tolist()
    lefts = torch.randint(13 - crop + 1, (batch,), generator=again).tolist()
    expected = torch.stack([noisy[i, :, r:r + crop, c:c + crop] for i, r, c in zip(index, tops, lefts, strict=True)])
    assert x.shape == (batch, 2, crop, crop) and x.is_contiguous()
    assert torch.equal(x, expected) and torch.equal(y, expected + 1)


def test_precisions_resolve_and_bfloat16_training_learns():
    cpu = torch.device("cpu")
    assert resolve_precision("bfloat16", cpu) == torch.bfloat16
    assert resolve_precision("auto", cpu) in (torch.bfloat16, torch.float32)
    with pytest.raises(ValueError, match="precision='float16' needs a CUDA device"):
        resolve_precision("float16", cpu)
    with pytest.raises(ValueError, match="unknown precision 'half'"):
        TrainConfig(precision="half")
    clean, noisy, x = _camera()
    model = _model()
    result = train(model, x, config=_config(steps=150, batch_size=8, crop=32, lr=3e-3, precision="bfloat16"),
                   progress=False)
    assert all(isinstance(value, float) for value in result.train_loss) and len(result.train_loss) == 150
    assert next(model.parameters()).dtype == torch.float32  # autocast: the weights stay float32
    denoised = predict_single_pass(model, x)[0, 0].numpy()
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 2  # +3.0 dB measured (float32: +3.6 dB)


def test_losses_are_read_back_in_full_without_a_callback():
    """Losses are read from the device in groups of _READ_EVERY steps; the history still has every step, in order,
    and equals what a per-step callback sees."""
    seen = []
    config = _config(steps=2 * _READ_EVERY + 3)
    quiet = train(_model(), _images(0), config=config, progress=False)
    watched = train(_model(), _images(0), config=config, progress=False,
                    callback=lambda step, loss, val: seen.append((step, loss)))
    assert quiet.train_loss == watched.train_loss == [loss for _, loss in seen]
    assert [step for step, _ in seen] == list(range(1, config.steps + 1))


def test_cosine_schedule_decays_the_learning_rate_to_zero(monkeypatch):
    """schedule="cosine": step k of n (k = 1..n) runs at lr * (1 + cos(pi (k - 1) / n)) / 2; "constant" at lr."""
    seen = []

    class Recording(torch.optim.Adam):
        def step(self, closure=None):
            seen.append(self.param_groups[0]["lr"])
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "Adam", Recording)
    steps = 8
    train(_model(), _images(0), config=_config(steps=steps, lr=0.01, schedule="cosine"), progress=False)
    expected = [0.01 * (1 + math.cos(math.pi * k / steps)) / 2 for k in range(steps)]
    assert seen == pytest.approx(expected)
    assert seen[0] == 0.01 and seen[-1] < 0.0004
    seen.clear()
    train(_model(), _images(0), config=_config(steps=3, lr=0.01), progress=False)
    assert seen == [0.01] * 3


@pytest.mark.slow
def test_compiled_training_matches_eager_training():
    """compile=True trains the same model (weights shared with the eager module) to nearly the same losses."""
    if not any(shutil.which(name) for name in ("c++", "g++", "clang++")):
        pytest.skip("torch.compile on a CPU needs a C++ compiler")
    config = _config(steps=5)
    eager = train(_model(), _images(0), config=config, progress=False)
    model = _model()
    compiled = train(model, _images(0), config=replace(config, compile=True), progress=False)
    assert compiled.train_loss == pytest.approx(eager.train_loss, rel=1e-3)
    assert type(model) is DnCNN  # the caller's model, trained in place, not the compiled wrapper


@pytest.mark.slow
def test_compiled_training_of_a_second_image_size_compiles_afresh():
    """torch 2.13's automatic dynamic shapes crashed inductor (no ``python_mod`` in TensorReferenceAnalysis) when a
    UNet of the same class met a second tile size; compile=True therefore compiles with static shapes."""
    if not any(shutil.which(name) for name in ("c++", "g++", "clang++")):
        pytest.skip("torch.compile on a CPU needs a C++ compiler")
    for side in (16, 32):
        x = torch.rand(4, 1, side, side, generator=torch.Generator().manual_seed(side))
        config = TrainConfig(steps=2, batch_size=2, compile=True, device="cpu")
        result = train(UNet(features=(4, 8)), x, config=config, progress=False)
        assert len(result.train_loss) == 2 and all(math.isfinite(v) for v in result.train_loss)
