"""The neural half on a CUDA device: masks, training with mixed precision, inference, checkpoints across devices.

`make gpu-check` runs this file, then the throughput benchmark and one paper-scale Hanzi net.

Every test here is marked ``gpu``; conftest.py skips them where torch sees no CUDA device (CI has none). They
check what the CPU tests cannot: that nothing silently falls back to the CPU, that float16 autocast keeps the
masked loss finite and still denoises, and that a checkpoint written on a GPU resumes on a CPU.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

import n2s_core as n2s
from n2s_core.nets.inference import predict_invariant, predict_single_pass
from n2s_core.nets.masking import Masker, masked_mse
from n2s_core.nets.models import DnCNN, UNet
from n2s_core.nets.training import TrainConfig, train

pytestmark = pytest.mark.gpu
CUDA = torch.device("cuda")


def _camera_batch(sigma: float = 0.15):
    clean, noisy = n2s.noisy_camera(size=64, sigma=sigma)
    return clean, noisy, torch.as_tensor(noisy, dtype=torch.float32)[None, None]


@pytest.mark.parametrize("replacement", ["axis", "diagonal", "zero", "random", "neighbor"])
def test_masks_are_made_on_the_device_and_stay_J_invariant(replacement):
    x = torch.rand(2, 3, 33, 31, device=CUDA, requires_grad=True)
    generator = torch.Generator(device=CUDA).manual_seed(0)
    masked, mask = Masker(replacement).mask(x, generator=generator)
    assert masked.device.type == mask.device.type == "cuda"
    model = UNet(in_channels=3, features=(8, 16)).to(CUDA)
    output = model(masked)
    (gradient,) = torch.autograd.grad((output * mask).sum(), x)
    assert torch.count_nonzero(gradient * mask) == 0  # output on J never sees input on J


def test_mixed_precision_noise2self_training_denoises_on_the_gpu():
    clean, noisy, x = _camera_batch()
    torch.manual_seed(0)
    model = DnCNN(depth=5, features=16)
    config = TrainConfig(steps=150, batch_size=8, crop=32, lr=3e-3, device="cuda", precision="float16")
    result = train(model, x, config=config, progress=False)
    assert result.device.startswith("cuda") and next(model.parameters()).device.type == "cuda"
    assert all(torch.isfinite(torch.tensor(result.train_loss)))
    denoised = predict_single_pass(model, x.to(CUDA))[0, 0].float().cpu().numpy()
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 3


def test_gpu_inference_matches_the_cpu():
    torch.manual_seed(0)
    model = UNet(features=(8, 16))
    x = torch.rand(3, 1, 40, 48)
    on_cpu = predict_invariant(model, x, masker=Masker("axis"))
    on_gpu = predict_invariant(model.to(CUDA), x.to(CUDA), masker=Masker("axis"))
    assert on_gpu.device.type == "cuda" and model.training  # evaluated in eval mode, then the mode restored
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, atol=1e-4, rtol=1e-4)


def test_a_gpu_checkpoint_resumes_on_the_cpu(tmp_path):
    x = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    path = str(tmp_path / "run.pt")
    torch.manual_seed(0)
    model = DnCNN(depth=3, features=8)
    common = {"batch_size": 4, "crop": 16, "checkpoint": path}
    train(model, x, config=TrainConfig(steps=5, device="cuda", precision="float16", **common), progress=False)
    state = torch.load(path, map_location="cpu", weights_only=True)  # plain tensors only: safe to load
    assert state["step"] == 5
    resumed = train(model.cpu(), x, config=TrainConfig(steps=8, device="cpu", **common), progress=False, resume=True)
    assert len(resumed.train_loss) == 8 and next(model.parameters()).device.type == "cpu"


def test_masked_mse_under_autocast_is_computed_in_float32():
    x = torch.rand(2, 1, 16, 16, device=CUDA)
    masked, mask = Masker("random").mask(x, generator=torch.Generator(device=CUDA).manual_seed(1))
    model = DnCNN(depth=3, features=8).to(CUDA)
    with torch.autocast("cuda", dtype=torch.float16):
        prediction = model(masked)
        loss = masked_mse(prediction.float(), x, mask)
    assert prediction.dtype == torch.float16 and loss.dtype == torch.float32 and torch.isfinite(loss)


def test_bfloat16_compiled_training_keeps_everything_on_the_device_and_never_waits_per_step():
    """precision="auto" (bfloat16 on Ampere and later), channels-last, compile: the step runs on the device, and the
    host waits for it only when losses are read back (every _READ_EVERY steps), not at every step."""
    import warnings

    from n2s_core.nets.training import _READ_EVERY, resolve_precision

    clean, noisy, x = _camera_batch()
    torch.manual_seed(0)
    model = UNet(features=(16, 32, 64))
    steps = 4 * _READ_EVERY
    config = TrainConfig(steps=steps, batch_size=8, crop=32, lr=3e-3, device="cuda", precision="auto", compile=True)
    train(model, x, config=replace(config, steps=2), progress=False)  # compile first, outside the counted run
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = train(model, x, config=config, progress=False)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) <= steps // _READ_EVERY + 4, [str(w.message) for w in syncs[:5]]
    assert resolve_precision("auto", CUDA) in (torch.bfloat16, torch.float16)
    assert model.encoders[1][0].weight.is_contiguous(memory_format=torch.channels_last)  # a 3x3 conv, 16 -> 32
    assert len(result.train_loss) == steps and all(torch.isfinite(torch.tensor(result.train_loss)))
    denoised = predict_single_pass(model, x.to(CUDA))[0, 0].float().cpu().numpy()
    assert n2s.psnr(clean, denoised) > n2s.psnr(clean, noisy) + 2
