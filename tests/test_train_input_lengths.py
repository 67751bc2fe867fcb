"""Input lengths too short for the net, or no multiple their declared name says, refused before any training step.

An input declared ``(1, "h_times_4", "w_times_4")`` fed 18 x 18 images, or a sequence of 3 into a kernel of 3 and a
pooling of 2, trained on until the first step's forward raised: "training stopped at round 1, batch 1: input port
'Input': a length of 18 along h_times_4 ...", a TrainingError after the data check had passed."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from netgraph import (AggregationLayer, CatenateLayer, ConvolutionLayer, DataError, DeconvolutionLayer, EmbeddingLayer,
                      MeanSquaredLossLayer, NetChain, NetGraph, NetPort, PoolingLayer, SequenceLastLayer,
                      SequenceMostLayer, SequenceRestLayer, TransposeLayer, net_initialize, net_measurements, net_train)

OPTIONS = dict(max_training_rounds=1, random_seed=0, loss_function=MeanSquaredLossLayer())


def _unet():
    """Two halvings and a 4-fold deconvolution joined with the input: lengths must be multiples of 4."""
    layers = {"p1": PoolingLayer(2, 2), "p2": PoolingLayer(2, 2), "u": DeconvolutionLayer(1, 4, stride=4),
              "cat": CatenateLayer()}
    return NetGraph(layers, [("p1", "p2", "u"), (["u", NetPort("Input")], "cat")], Input=(1, "h_times_4", "w_times_4"))


def _kernel_net():
    """A kernel of 3 then a pooling of 2 over a sequence: lengths of 4 or more."""
    return NetChain({"emb": EmbeddingLayer(4, 10), "tr": TransposeLayer(), "conv": ConvolutionLayer(2, 3),
                     "pool": PoolingLayer(2, stride=2), "max": AggregationLayer("Max", levels=2)}, input=("n",))


def _refusal(net, data, **options) -> DataError:
    steps = []
    with pytest.raises(DataError) as caught:
        net_train(net, data, progress=lambda info: steps.append(info), **{**OPTIONS, **options})
    assert steps == []  # before any step
    return caught.value


def _images(n: int, size: int) -> dict[str, torch.Tensor]:
    return {"Input": torch.randn(n, 1, size, size), "Target": torch.randn(n, 2, size, size)}


def test_images_of_no_declared_multiple_are_refused_before_any_step_as_net_x_refuses_them():
    net = _unet()
    with pytest.raises(DataError) as direct:
        net(torch.randn(4, 1, 18, 18))
    error = _refusal(net, _images(4, 18))
    assert str(error) == f"bad training data: {direct.value}"
    assert "a length of 18 along h_times_4" in str(error) and "give 16 or 20" in str(error)
    assert error.diagnostics[0].port == "Input" and error.diagnostics[0].data.name == "training"


def test_validation_images_of_no_declared_multiple_are_refused_before_any_step():
    error = _refusal(_unet(), _images(4, 16), validation_set=_images(2, 18))
    assert str(error).startswith("bad validation_set: input port 'Input': a length of 18 along h_times_4")
    assert error.diagnostics[0].data.name == "validation"


def _sequences(lengths: list[int]) -> dict:
    g = torch.Generator().manual_seed(0)
    return {"Input": [torch.randint(0, 10, (n,), generator=g) for n in lengths], "Target": torch.zeros(len(lengths), 2)}


@pytest.mark.parametrize("options", [{}, {"validation_set": 0.5}])
def test_a_sequence_too_short_for_a_kernel_is_named_by_its_index_in_the_data_given(options):
    error = _refusal(_kernel_net(), _sequences([6, 5, 7, 3, 8, 9]), **options)
    assert "input port 'Input': a length of 3 along n (example 3) is too short for layer 'pool'" in str(error)
    assert "give lengths of 4 or more" in str(error)
    assert (error.diagnostics[0].port, error.diagnostics[0].example) == ("Input", 3)


def test_a_loaders_first_batch_too_short_for_a_kernel_is_refused_before_any_step():
    batches = DataLoader([{"Input": torch.randint(0, 10, (3,)), "Target": torch.zeros(2)}] * 4, batch_size=2)
    error = _refusal(_kernel_net(), batches)
    assert str(error).startswith("bad training data (batch 1): input port 'Input': a length of 3 along n is too "
                                 "short for layer 'pool'")


def test_lengths_the_net_takes_train():
    assert net_train(_unet(), _images(4, 16), progress=False, **OPTIONS) is not None
    assert net_train(_kernel_net(), _sequences([6, 4, 7]), progress=False, **OPTIONS) is not None


@pytest.mark.parametrize("options", [{}, {"validation_set": 0.5}])
def test_an_image_of_no_declared_multiple_among_others_is_named_by_its_index_in_the_data_given(options):
    """The example was named in the text alone, by its index within whichever part of a split held it."""
    sizes = [16, 20, 16, 18, 12, 16]
    data = {"Input": [torch.randn(1, n, n) for n in sizes], "Target": [torch.randn(2, n, n) for n in sizes]}
    error = _refusal(_unet(), data, **options)
    assert "input port 'Input': a length of 18 along h_times_4 (example 3) is not one that name declares" in str(error)
    assert (error.diagnostics[0].port, error.diagnostics[0].example) == ("Input", 3)


def test_test_data_of_no_declared_multiple_is_refused_by_net_measurements_as_by_net_train():
    """net_measurements' forward raised it, without the words saying it was the test data."""
    net = net_initialize(_unet())
    with pytest.raises(DataError) as direct:
        net(torch.randn(4, 1, 18, 18))
    with pytest.raises(DataError) as caught:
        net_measurements(net, _images(4, 18), "Loss", loss_function=MeanSquaredLossLayer())
    assert str(caught.value) == f"bad test data: {direct.value}"
    assert caught.value.diagnostics[0].port == "Input" and caught.value.diagnostics[0].data.name == "test"


def test_a_test_sequence_too_short_for_a_kernel_is_named_by_its_index():
    net = net_initialize(_kernel_net())
    with pytest.raises(DataError) as caught:
        net_measurements(net, _sequences([6, 5, 7, 3, 8]), "Loss", loss_function=MeanSquaredLossLayer())
    assert str(caught.value).startswith("bad test data: input port 'Input': a length of 3 along n (example 3) is too "
                                        "short for layer 'pool'")
    assert (caught.value.diagnostics[0].port, caught.value.diagnostics[0].example) == ("Input", 3)


def _loader_of(lengths: list[int]) -> DataLoader:
    """Batches of 2 sequences of the same length, one length a batch."""
    g = torch.Generator().manual_seed(0)
    return DataLoader([{"Input": torch.randint(0, 10, (n,), generator=g), "Target": torch.zeros(2)}
                       for n in lengths for _ in range(2)], batch_size=2)


@pytest.mark.parametrize("given", ["data", "validation_set"])
def test_a_later_batch_of_a_loader_too_short_for_a_kernel_is_refused_as_the_first_one_is(given):
    """Only a loader's first batch was checked: batch 3's forward raised it, as a TrainingError ('training stopped at
    round 1, batch 3') without the words or the DataRef saying which data and which batch."""
    good, bad = _loader_of([6, 5, 7]), _loader_of([6, 5, 3, 7])
    data, validation = (bad, good) if given == "data" else (good, bad)
    with pytest.raises(DataError) as caught:
        net_train(_kernel_net(), data, validation_set=validation, progress=False, **OPTIONS)
    words = "training data" if given == "data" else "validation_set"
    assert str(caught.value).startswith(f"bad {words} (batch 3): input port 'Input': a length of 3 along n is too "
                                        f"short for layer 'pool'")
    assert "give lengths of 4 or more" in str(caught.value)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.port, diagnostic.data.part) == ("Input", "batch 3")


def test_a_later_batch_of_no_declared_multiple_is_refused_with_its_batch_index():
    images = [{"Input": torch.randn(1, n, n), "Target": torch.randn(2, n, n)} for n in (16, 16, 18, 18)]
    with pytest.raises(DataError) as caught:
        net_train(_unet(), DataLoader(images, batch_size=2), progress=False, **OPTIONS)
    assert str(caught.value).startswith("bad training data (batch 2): input port 'Input': a length of 18 along "
                                        "h_times_4 is not one that name declares")
    assert "give 16 or 20" in str(caught.value) and caught.value.diagnostics[0].data.part == "batch 2"


def test_a_later_test_batch_too_short_is_refused_by_net_measurements_with_its_batch_index():
    with pytest.raises(DataError) as caught:
        net_measurements(net_initialize(_kernel_net()), _loader_of([6, 3]), "Loss",
                         loss_function=MeanSquaredLossLayer())
    assert str(caught.value).startswith("bad test data (batch 2): input port 'Input': a length of 3 along n is too "
                                        "short for layer 'pool'")


class _Sequences(torch.utils.data.Dataset):
    """16 sequences of 6 indices; item 13 holds 3, too short for ``_kernel_net``."""

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict:
        return {"Input": torch.randint(0, 10, (3 if i == 13 else 6,)), "Target": torch.zeros(2)}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("held_out", [None, 0.25])
def test_a_dataset_item_too_short_for_a_kernel_is_named_by_its_index_in_the_dataset(seed, held_out):
    """The batch was named without the Dataset's words, and the item not at all, as other data errors name it."""
    error = _refusal(_kernel_net(), _Sequences(), batch_size=1, random_seed=seed, validation_set=held_out)
    assert "; examples by their index in the Dataset): input port 'Input': a length of 3 along n (example 13) is too " \
           "short for layer 'pool'" in str(error)
    assert (error.diagnostics[0].port, error.diagnostics[0].example) == ("Input", 13)


def _trimming_net(cls):
    """A sequence trimmed by one element, then its last: sequences of 2 or more."""
    return NetChain({"emb": EmbeddingLayer(3, 10), "trim": cls(), "last": SequenceLastLayer()}, input=("n",))


@pytest.mark.parametrize("cls", [SequenceMostLayer, SequenceRestLayer])
def test_a_sequence_too_short_for_a_layer_dropping_an_element_is_refused_before_any_step(cls):
    """A sequence of 1 passed the up-front check (the layer said so itself, from its forward): net_train stopped
    with a TrainingError ('training stopped at round 1, batch 1: ...'), for lists and loaders alike."""
    error = _refusal(_trimming_net(cls), {**_sequences([4, 2, 1, 3]), "Target": torch.zeros(4, 3)})
    assert str(error).startswith(f"bad training data: input port 'Input': a length of 1 along n (example 2) is too "
                                 f"short for layer 'trim' ({cls.__name__}) port 'Input'")
    assert "give lengths of 2 or more" in str(error)
    assert (error.diagnostics[0].port, error.diagnostics[0].example) == ("Input", 2)
    batches = DataLoader([{"Input": torch.randint(0, 10, (1,)), "Target": torch.zeros(3)}] * 4, batch_size=2)
    error = _refusal(_trimming_net(cls), batches)
    assert str(error).startswith("bad training data (batch 1): input port 'Input': a length of 1 along n is too short "
                                 f"for layer 'trim' ({cls.__name__})")
    assert "give lengths of 2 or more" in str(error)


@pytest.mark.parametrize("cls", [SequenceMostLayer, SequenceRestLayer])
def test_net_x_and_the_compiled_module_refuse_a_sequence_too_short_for_a_layer_dropping_an_element_alike(cls):
    net = net_initialize(_trimming_net(cls), seed=0)
    for call in (net, net.compile()):
        with pytest.raises(DataError) as caught:
            call(torch.zeros(2, 1, dtype=torch.long))
        assert str(caught.value).startswith(f"input port 'Input': a length of 1 along n is too short for layer 'trim' "
                                            f"({cls.__name__}) port 'Input'")
        assert "give lengths of 2 or more" in str(caught.value)
    assert net(torch.zeros(2, 2, dtype=torch.long)).shape == (2, 3)
