"""A Dataset of images read by netgraph's DataLoader in worker processes, whose ``__getitem__`` draws from torch's
generator (a random augmentation): the workers' seeds follow the run's seed and round, so the same ``random_seed``
gives the same run (whatever the global seed), another seed other draws, and a resumed run (new workers) takes the
uninterrupted run's steps. The workers were seeded from a generator of the loader's own, never seeded, and kept their
random state from round to round."""

from __future__ import annotations

import multiprocessing

import numpy as np
import torch

from netgraph import net_train
from tests.test_train_dataset_images import _Photos, _net

_OPTIONS = {"batch_size": 2, "progress": False, "all": True, "num_workers": 2}


class _Noisy(_Photos):
    """Each image with noise drawn from torch's generator; the draws made in worker processes kept in ``drawn``."""

    def __init__(self, folder):
        super().__init__(folder)
        self.drawn, self.count = multiprocessing.Array("d", 64), multiprocessing.Value("i", 0)

    def __getitem__(self, i):
        item = super().__getitem__(i)
        noise = torch.rand(())
        if torch.utils.data.get_worker_info() is not None:
            with self.count.get_lock():
                self.drawn[self.count.value] = float(noise)
                self.count.value += 1
        pixels = np.asarray(item["Input"], dtype=np.float32) / 255
        return {"Input": (pixels + 0.3 * float(noise)).clip(0, 1), "Output": item["Output"]}

    def worker_draws(self) -> list[float]:
        return sorted(self.drawn[:self.count.value])


def _run(folder, seed, rounds=2, **options):
    photos = _Noisy(folder)
    return net_train(_net(), photos, max_training_rounds=rounds, random_seed=seed, **{**_OPTIONS, **options}), photos


def test_workers_draw_as_the_run_s_seed_says_whatever_the_global_seed(tmp_path):
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        runs.append(_run(tmp_path, 3))
    (first, photos), (second, again) = runs
    assert first.batch_losses == second.batch_losses and photos.worker_draws() == again.worker_draws()
    assert len(photos.worker_draws()) >= 2 * 8 - 3  # two rounds of 8 items, all but the first read up front


def test_another_seed_gives_the_workers_other_draws(tmp_path):
    _, photos = _run(tmp_path, 3)
    _, other = _run(tmp_path, 4)
    assert set(photos.worker_draws()).isdisjoint(other.worker_draws())


def test_a_run_resumed_with_workers_takes_the_uninterrupted_run_s_steps(tmp_path):
    (tmp_path / "images").mkdir()
    whole, _ = _run(tmp_path / "images", 3, rounds=3)
    _run(tmp_path / "images", 3, rounds=2, checkpoint=tmp_path / "ckpt")
    resumed, _ = _run(tmp_path / "images", 3, rounds=3, checkpoint=tmp_path / "ckpt", resume=True)
    assert resumed.round_losses == whole.round_losses
    weights = [run.trained_net.layers["2"].arrays["Weights"] for run in (resumed, whole)]
    assert torch.equal(*weights)
