"""Train CAREamics' Noise2Void on one noisy 2-D grey image for a wall-clock budget.

Run with the peers venv made by ``benchmarks/peers/setup_peers.sh``::

    .venv-peers/bin/python benchmarks/peers/careamics_n2v.py \
        --noisy IN.npy --out OUT.npy --seconds 10 --seed 0 [--patch 64] [--batch 128] \
        [--threads 1]

Writes OUT.npy (float32, same shape as IN.npy) and OUT.json (versions, timings,
epochs/steps run, and the N2V configuration used).  Everything Lightning/CAREamics
writes (CSV logs, checkpoints) goes to a temporary directory that is deleted.  Works
offline.

Configuration: CAREamics' own N2V defaults (``create_advanced_n2v_config``, which is
what ``create_n2v_config`` calls) for 'YX' array data: UNet depth 2 / 32 base
channels, N2V 'uniform' pixel manipulation with roi_size 11 and
masked_pixel_percentage 0.2, x/y flips + 90-degree rotations, Adam (torch default lr 1e-3) + ReduceLROnPlateau (torch's
defaults, stepped on val_loss once per epoch), "mean_std" normalisation, stratified
patching (one random patch per patch-sized grid cell per epoch).  Only these are
set here: patch size, batch size, seed, ``num_workers=0`` (data loading in the main
process, so ``--threads`` really bounds the CPU use), no model summary, no progress
bar, a huge ``num_epochs`` so that the time budget is what stops training, and
``val_data=`` the training image itself instead of the default split of 8
patch-sized grid cells withheld from training (which a 128x128 image at patch 64,
only 4 cells, cannot even supply).

Caveat of those defaults on one small image: an epoch is one patch per grid cell,
so a 128x128 image at patch 64 gives ONE step per epoch with a batch of 4 patches,
whatever ``--batch`` says, and ReduceLROnPlateau (patience 10 epochs, factor 0.1)
then cuts the learning rate from 1e-3 to 1e-8 within ~90 steps (measured).

Time budget: a Lightning callback (``WallClockBudget``) started just before
``CAREamist.train`` is called sets ``trainer.should_stop`` after the first training
batch (or validation run) that ends past ``--seconds``; Lightning then leaves the
fit loop and CAREamics' ModelCheckpoint writes its "last" checkpoint, which
``CAREamist.predict`` reloads (N2V's default).  So ``train_seconds`` can overshoot
``--seconds`` by one optimisation step, one validation pass and that checkpoint
write.

Normalisation: yes, CAREamics normalises internally.  With the default "mean_std"
normalisation it computes the training image's mean and std (stored in the data
config, recorded in OUT.json), standardises patches with them, and de-normalises
the predictions back to the input's intensity scale, so the [0, 1] input needs no
preprocessing here and the output comes back on the same scale.

torchvision: careamics 0.3.5 lists ``torchvision<=0.26`` as a dependency, but the
only torchvision wheels for torch 2.13 that can be installed here (PyPI's
torchvision 0.28.0) are CUDA builds; their ``_C.so`` links ``libtorch_cuda.so``,
which the CPU torch lacks, and ``import torchvision`` then fails outright.  So the
peers venv has no torchvision.  careamics imports exactly two names from it, both
at import time and neither on the N2V train/predict path:

* ``torchvision.__version__`` (careamics/model_io/bioimage/bioimage_utils.py, only
  written into the conda env file of a BioImage Model Zoo export), and
* ``torchvision.transforms.functional.center_crop`` (careamics/models/lvae/*.py and
  careamics/lvae_training/lightning_module.py, the LVAE/HDN/MicroSplit models).

If torchvision cannot be imported, ``_stub_torchvision`` below puts three tiny
modules in ``sys.modules``: ``torchvision`` with ``__version__ =
"0+careamics-n2v-stub"``, ``torchvision.transforms`` and
``torchvision.transforms.functional`` whose only attribute ``center_crop`` raises
NotImplementedError.  Nothing else is defined (any other torchvision import fails
as it would without torchvision), so an N2V run that finishes proves that stubbed
code never ran.  Lightning's and torchmetrics' "is torchvision available" flags are
evaluated *before* the stub goes in, so they stay False.  OUT.json records which
torchvision was used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--noisy", required=True, help="input .npy, 2-D float image in [0, 1]")
    p.add_argument("--out", required=True, help="output .npy (a .json goes beside it)")
    p.add_argument("--seconds", type=float, required=True, help="training wall-clock budget")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--patch", type=int, default=64, help="square patch side (multiple of 8)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    return p.parse_args(argv)


def _stub_torchvision() -> str:
    """Make ``import careamics`` work without torchvision; return what was used."""
    import importlib.machinery
    import types

    # Evaluate the cached availability flags while torchvision is really absent.
    import lightning.pytorch.utilities.imports as pl_imports
    import torchmetrics.utilities.imports as tm_imports

    bool(pl_imports._TORCHVISION_AVAILABLE)
    bool(tm_imports._TORCHVISION_AVAILABLE)

    try:
        import torchvision  # noqa: F401  (a real, working torchvision wins)

        return f"torchvision {torchvision.__version__}"
    except Exception:  # absent, or a CUDA build that cannot load on CPU torch
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]

    def center_crop(*_args, **_kwargs):
        raise NotImplementedError(
            "torchvision is stubbed in the peers venv; center_crop is only used by "
            "CAREamics' LVAE models, not by Noise2Void"
        )

    mods = {}
    for name in ("torchvision", "torchvision.transforms", "torchvision.transforms.functional"):
        mod = types.ModuleType(name)
        mod.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
        mods[name] = mod
    mods["torchvision"].__version__ = "0+careamics-n2v-stub"
    mods["torchvision"].transforms = mods["torchvision.transforms"]
    mods["torchvision.transforms"].functional = mods["torchvision.transforms.functional"]
    mods["torchvision.transforms.functional"].center_crop = center_crop
    sys.modules.update(mods)
    return "stub (torchvision not installed; __version__ and transforms.functional.center_crop only)"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    threads = str(max(1, args.threads))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = threads
    # no network, no tips, no telemetry
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["TQDM_DISABLE"] = "1"  # careamics' "Computing mean/std statistics" bar

    import logging

    import numpy as np
    import torch

    torch.set_num_threads(int(threads))
    torch.set_num_interop_threads(1)

    tv_used = _stub_torchvision()

    import careamics
    from careamics import CAREamist
    from careamics.config import create_advanced_n2v_config
    from lightning.pytorch.callbacks import Callback

    # Lightning's info lines ("GPU available: False ...", "`Trainer.fit` stopped ...")
    # and careamics' own info logging are not wanted; warnings still show.
    logging.disable(logging.INFO)
    # Known-harmless warnings: num_workers=0 is deliberate; there is no logger to
    # show per-step logs; lightning 2.6.6 calls a torch.utils._pytree API that torch
    # 2.13 deprecated.
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\).*")

    noisy = np.load(args.noisy)
    if noisy.ndim != 2:
        raise SystemExit(f"--noisy must hold a 2-D array, got shape {noisy.shape}")
    image = np.ascontiguousarray(noisy, dtype=np.float32)

    class WallClockBudget(Callback):
        """Stop fitting once ``budget`` seconds have passed since ``t0``."""

        def __init__(self, t0: float, budget: float) -> None:
            self.t0, self.budget = t0, budget

        def _check(self, trainer) -> None:
            if time.perf_counter() - self.t0 >= self.budget:
                trainer.should_stop = True

        def on_train_batch_end(self, trainer, *_a, **_k) -> None:
            self._check(trainer)

        def on_validation_end(self, trainer, *_a, **_k) -> None:
            self._check(trainer)

    # careamics' configs require seed > 0, so --seed N is passed on as N + 1
    careamics_seed = args.seed + 1
    config = create_advanced_n2v_config(
        experiment_name="careamics_n2v_peer",
        data_type="array",
        axes="YX",
        patch_size=[args.patch, args.patch],
        batch_size=args.batch,
        num_epochs=10**7,  # never the binding limit: the wall-clock callback is
        num_workers=0,
        trainer_params={"enable_model_summary": False, "accelerator": "cpu", "devices": 1},
        seed=careamics_seed,
    )

    with tempfile.TemporaryDirectory(prefix="careamics_n2v_") as work_dir:
        t0 = time.perf_counter()
        budget = WallClockBudget(t0, args.seconds)
        careamist = CAREamist(config, work_dir=work_dir, callbacks=[budget], enable_progress_bar=False)
        # val_data=image: N2V's validation loss is self-supervised (masked pixels of
        # the same noisy image), so validating on the training image uses no clean
        # data; the default split (n_val_patches=8 grid cells withheld from training)
        # does not even fit a 128x128 image at patch 64 (only 4 cells).
        careamist.train(train_data=image, val_data=image)
        train_seconds = time.perf_counter() - t0
        epochs = int(careamist.trainer.current_epoch)
        steps = int(careamist.trainer.global_step)

        # Whole image in one pass when it is at most 512 px and each side is a
        # multiple of 2**depth (a UNet constraint careamics enforces); otherwise
        # careamics' own tiled prediction (square power-of-2 tiles of at most
        # 256 px, zero-padded at need).
        multiple = 2 ** int(careamist.config.algorithm_config.model.depth)
        tile_kwargs = {}
        if max(image.shape) > 512 or any(n % multiple for n in image.shape):
            # careamics wants square, power-of-2 tiles and even overlaps
            t = min(256, max(16, 1 << (max(image.shape) - 1).bit_length()))
            tile_kwargs = {"tile_size": (t, t), "tile_overlap": (min(48, t // 4),) * 2}
        t1 = time.perf_counter()
        preds, _sources = careamist.predict(image, **tile_kwargs)
        predict_seconds = time.perf_counter() - t1
        used_config = careamist.config.model_dump(mode="json")

    denoised = np.asarray(preds[0], dtype=np.float32).reshape(image.shape)
    out_npy = args.out if args.out.endswith(".npy") else args.out + ".npy"
    np.save(out_npy, denoised)

    data_cfg = used_config.get("data_config", {})
    algo_cfg = used_config.get("algorithm_config", {})
    report = {
        "careamics_version": careamics.__version__,
        "torch_version": torch.__version__,
        "torchvision": tv_used,
        "train_seconds": round(train_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "budget_seconds": args.seconds,
        "epochs": epochs,
        "steps": steps,
        "threads": int(threads),
        "seed": args.seed,
        "careamics_seed": careamics_seed,
        "shape": list(image.shape),
        "tiled_prediction": {k: list(v) for k, v in tile_kwargs.items()} or False,
        "config": {
            "algorithm": algo_cfg.get("algorithm"),
            "model": algo_cfg.get("model"),
            "loss": algo_cfg.get("loss"),
            "n2v_config": algo_cfg.get("n2v_config"),
            "optimizer": algo_cfg.get("optimizer"),
            "lr_scheduler": algo_cfg.get("lr_scheduler"),
            "data_config": data_cfg,
            "training_config": used_config.get("training_config"),
        },
    }
    out_json = out_npy[: -len(".npy")] + ".json"
    with open(out_json, "w") as fh:
        json.dump(report, fh, indent=2, default=str)
    print(
        f"careamics {report['careamics_version']} N2V: {steps} steps / {epochs} epochs in "
        f"{train_seconds:.1f} s, predict {predict_seconds:.2f} s -> {out_npy}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
