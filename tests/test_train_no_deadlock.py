"""A training run's user code (a progress function, a Dataset's __getitem__) may wait on another thread doing a seeded
netgraph call or a first compile: the run holds no lock that call needs (it deadlocked: the whole run held
TORCH_STATE_LOCK). Each case runs in a daemon thread joined with a timeout, so a regression fails, never hangs."""

import threading

import torch

from netgraph import LinearLayer, NetChain, net_initialize, net_train

X = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
Y = X.sum(1, keepdim=True)


def _finishes(run, seconds: float = 60) -> bool:
    done = threading.Event()
    thread = threading.Thread(target=lambda: (run(), done.set()), daemon=True)
    thread.start()
    thread.join(seconds)
    return done.is_set()


def _in_other_thread(call):
    """``call()`` run in a daemon thread (a pool's thread would hold the process at exit on a regression)."""
    out = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    thread.join()
    return out[0]


def test_progress_function_waiting_on_a_seeded_first_call_in_another_thread_finishes():
    other = NetChain([LinearLayer(4), LinearLayer(1)], input=3)  # never compiled: its first call compiles
    outputs = []

    def progress(info):
        outputs.append(_in_other_thread(lambda: net_initialize(other, seed=1)(X[:2])))

    def run():
        net_train(NetChain([LinearLayer(1)], input=3), {"Input": X, "Target": Y}, max_training_rounds=2,
                  batch_size=16, random_seed=0, progress=progress)

    assert _finishes(run)
    assert outputs and all(torch.equal(o, outputs[0]) for o in outputs)  # the seeded call repeats itself


def test_dataset_computing_features_with_a_net_in_a_worker_thread_finishes():
    features = NetChain([LinearLayer(3)], input=3)
    read = []

    class Features(torch.utils.data.Dataset):
        def __len__(self):
            return 64

        def __getitem__(self, i):
            value = _in_other_thread(lambda: net_initialize(features, seed=1)(X[i]))
            read.append(i)
            return {"Input": value.detach(), "Target": Y[i]}

    def run():
        net_train(NetChain([LinearLayer(1)], input=3), Features(), max_training_rounds=1, batch_size=16,
                  random_seed=0, progress=None)

    assert _finishes(run)
    assert len(read) >= 64
