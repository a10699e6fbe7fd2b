"""Tests of n2s_core.nets.checkpoints: a round trip restores everything, bad resumptions are refused by name, and a
failed write leaves the old checkpoint and no temporary file."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from n2s_core.nets.checkpoints import RESUME_KEYS, load_checkpoint, save_checkpoint
from n2s_core.nets.training import TrainConfig, TrainResult


def _state(seed: int):
    torch.manual_seed(seed)
    model = torch.nn.Conv2d(1, 1, 3, padding=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.rand(1, 1, 8, 8)).sum().backward()
    optimizer.step()
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    generator = torch.Generator().manual_seed(seed)
    return model, optimizer, scaler, generator


def test_a_round_trip_restores_weights_optimizer_generator_and_history(tmp_path):
    config = TrainConfig(steps=10, checkpoint=str(tmp_path / "run.pt"))
    model, optimizer, scaler, generator = _state(0)
    result = TrainResult(train_loss=[0.5, 0.4], val_loss=[0.45], val_steps=[2])
    save_checkpoint(config, model, optimizer, scaler, generator, result, step=2)
    expected_draw = torch.rand(3, generator=generator)

    model2, optimizer2, scaler2, generator2 = _state(1)
    restored = TrainResult()
    assert load_checkpoint(config, model2, optimizer2, scaler2, generator2, restored, torch.device("cpu")) == 2
    assert torch.equal(model2.weight, model.weight) and torch.equal(model2.bias, model.bias)
    assert optimizer2.state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]
    assert torch.equal(torch.rand(3, generator=generator2), expected_draw)
    assert (restored.train_loss, restored.val_loss, restored.val_steps) == ([0.5, 0.4], [0.45], [2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]


def test_resumption_refuses_other_settings_a_step_past_the_end_and_a_missing_file(tmp_path):
    config = TrainConfig(steps=10, checkpoint=str(tmp_path / "run.pt"))
    save_checkpoint(config, *_state(0), TrainResult(), step=8)
    assert "lr" in RESUME_KEYS and "steps" not in RESUME_KEYS  # steps may grow between a run and its resumption
    cpu = torch.device("cpu")
    with pytest.raises(ValueError, match=r"other settings \(saved, now\): \{'lr': \(0.001, 0.1\)\}"):
        load_checkpoint(replace(config, lr=0.1), *_state(1), TrainResult(), cpu)
    with pytest.raises(ValueError, match=r"the checkpoint is at step 8, past steps=5; raise steps"):
        load_checkpoint(replace(config, steps=5), *_state(1), TrainResult(), cpu)
    with pytest.raises(FileNotFoundError, match=r"resume=True needs an existing checkpoint file"):
        load_checkpoint(replace(config, checkpoint=str(tmp_path / "none.pt")), *_state(1), TrainResult(), cpu)


def test_a_failed_write_keeps_the_old_checkpoint_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    config = TrainConfig(steps=10, checkpoint=str(tmp_path / "run.pt"))
    save_checkpoint(config, *_state(0), TrainResult(), step=2)
    before = (tmp_path / "run.pt").read_bytes()

    def full_disk(obj, file):
        file.write(b"half a checkpoint")
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(config, *_state(1), TrainResult(), step=4)
    assert (tmp_path / "run.pt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]
