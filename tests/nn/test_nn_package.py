"""The nn package's face: every public name exists, and each registry is among them."""

import nn


def test_every_public_name_exists():
    assert all(hasattr(nn, name) for name in nn.__all__)
    assert {"LOSSES", "OPTIMIZERS", "DATASETS", "ACTIVATIONS", "Loss"} <= set(nn.__all__)
    assert {"TrainingRecorder", "LiveView", "write_replay", "evaluate"} <= set(nn.__all__)
