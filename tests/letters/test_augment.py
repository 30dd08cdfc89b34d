"""The training augmentation, one change at a time (what notebook 02 shows)."""

from handwriting.letters.augment import Augmentation, augmentation_effects


def test_augmentation_effects_isolate_one_change_each():
    base = Augmentation(shift=3.0, rotation=10.0)
    effects = augmentation_effects(base)
    assert effects["all (as in training)"] is base
    knobs = ("shift", "rotation", "zoom", "shear", "thickness", "elastic")
    for name, cfg in effects.items():
        if cfg is base:
            continue
        active = [k for k in knobs if getattr(cfg, k)]
        assert len(active) == 1, (name, active)
        assert name.split()[0] == active[0]
    assert effects["shift ±3 px"].shift == 3.0
