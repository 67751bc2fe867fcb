"""Encoding: what a user passes to an encoded port becomes the port's tensor, one example or a batch.

A tensor passes through untouched (data already encoded), as does a float array of an ImageEncoder port's
shape (``already_encoded``). Every bad example is reported at once in
one DataError naming the port and each example's index.

>>> from netgraph.core.coders import ClassEncoder, TokensEncoder
>>> encode(ClassEncoder(["cat", "dog"]), "Input", ["dog", "cat", "dog"])
tensor([1, 0, 1])
>>> encode(TokensEncoder(["a", "b"]), "Input", ["a b b", "b"])
tensor([[2, 3, 3],
        [3, 0, 0]])
"""

from __future__ import annotations

import functools
import io
import numbers
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from netgraph.core.coders import (BooleanDecoder, BooleanEncoder, ClassDecoder, ClassEncoder, Coder, ImageEncoder,
                                  Restricted, ScalarEncoder, TokensEncoder)
from netgraph.core.errors import MAX_GUESSED, DataError, did_you_mean
from netgraph.core.tensors import native_array
from netgraph.core.torch_state import working_dtype
from netgraph.data.errors import ExampleError, Reason
from netgraph.data.images import encode_image, is_encoded_image, is_single_image, pixels_hint
from netgraph.data.index_ranges import first_out_of_range, out_of_range, range_refusal
from netgraph.data.number_texts import number_text_hint

__all__ = ["encode", "encode_targets", "encode_example", "encode_label_sequence", "is_single", "already_encoded",
           "encoded_form_problem", "range_refusal", "as_labels"]


def _class_index(coder: Any, value: Any) -> int:
    value = as_labels(coder, value)  # a bool tensor's value (one example of a column): True is no index 1
    if isinstance(value, np.integer) and _indexed(coder, "UnitVector") or type(value) is int and coder.int_indices:
        if not 0 <= value < len(coder.labels):
            raise ExampleError(_INDEX_OUTSIDE.format(value, len(coder.labels) - 1),
                               expected=(0, len(coder.labels) - 1), found=int(value))
        return int(value)
    if isinstance(value, (list, tuple, dict, set, np.ndarray, torch.Tensor)) or value is None:
        raise ExampleError(f"expected a label, found {type(value).__name__} {value!r:.40}")
    flag = isinstance(value, (bool, np.bool_))  # True is no label 1, nor 1 the label True (Python has True == 1)
    index = coder.label_index(value, flag)
    if index is None:
        labels = list(coder.labels)
        shown = labels if len(labels) <= 10 else [*labels[:10], "..."]
        plain = value.item() if isinstance(value, np.generic) else value  # 'cow', not np.str_('cow') (numpy 2's repr)
        raise ExampleError(f"label {plain!r} is not one of the {len(labels)} labels {shown}"
                           f"{_as_text_hint(plain, labels) or _label_hint(plain, labels)}",
                           expected=tuple(labels), found=plain)
    return index


def _label_hint(value: Any, labels: list) -> str:
    """' (did you mean 'pos'?)' for a text label close to one of ``labels`` (a typo, another case, spaces around it:
    'good, pos' in a .csv reads ' pos'); '' for any other value."""
    texts = tuple(label for label in labels if isinstance(label, str))
    if not isinstance(value, str) or not texts:
        return ""
    if value.strip() != value and value.strip() in texts:
        return (f" (did you mean {value.strip()!r}? spaces around a label are part of it, as after a .csv's comma: "
                f"'good, {value.strip()}')")
    if same := _nfc_forms(texts).get(_nfc(value)):
        return (f" (it is {same!r} written in another Unicode form: its accents are separate characters in one of "
                f"the two, as in macOS file and folder names; write both in one form, e.g. "
                f"unicodedata.normalize('NFC', label))")
    if len(texts) > _GUESSED_LABELS or len(value) > MAX_GUESSED:  # no guess (nor a long text cached)
        return ""
    return _close_label(value, texts)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=16)  # one coder's labels for every bad label of the data: normalised once
def _nfc_forms(texts: tuple[str, ...]) -> dict[str, str]:
    """Each label's NFC form -> the first label of that form."""
    forms: dict[str, str] = {}
    for text in texts:
        forms.setdefault(_nfc(text), text)
    return forms


_INDEX_OUTSIDE = "class index {} is outside 0..{} (integers are class indices where no label is a number)"
_GUESSED_LABELS = 64  # a guess among more labels takes ~1 ms, for each of possibly 100,000 distinct bad labels


@functools.lru_cache(maxsize=1024)  # a wrong label usually repeats through the data
def _close_label(value: str, texts: tuple[str, ...]) -> str:
    return did_you_mean(value, texts)


def _as_text_hint(value: Any, labels: list) -> str:
    """Why the text '1' is no label 1: a table (.csv) holds text, so number labels are to be written as text; and why
    the number 1 is no label '1'."""
    if isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)) and str(value) in labels:
        return (f" (it is the number {value}, and the labels are texts: give it as the text {str(value)!r}, or make "
                f"the labels numbers)")
    if not isinstance(value, str) or not any(str(label) == value and not isinstance(label, str) for label in labels):
        return ""
    texts = [str(label) for label in labels[:3]] + (["..."] if len(labels) > 3 else [])
    kind = "booleans" if all(isinstance(label, bool) for label in labels) else "numbers"
    return (f" (it is the text {value!r}, and the labels are {kind}: a .csv holds text, so write the labels as text, "
            f"e.g. labels: {texts})")


def _bool(coder: Any, value: Any) -> float:
    """A BooleanEncoder's input or a BooleanDecoder's target: True or False, or the text "True" or "False" (any case),
    as a .csv holds them (a table's columns are text, so a .csv could feed neither)."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return float(value.strip().lower() == "true")
    raise ExampleError(f"expected True or False, found {type(value).__name__} {value!r:.40}")


def _scalar(coder: ScalarEncoder, value: Any) -> float:
    """The number, rescaled by min and max; an ExampleError for no number, a NaN or an infinity (rescaled it is still
    infinite, then NaN downstream), or one the working precision would make infinite (1e300 in float32; an int past
    float64's range)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ExampleError(f"expected a number, found {type(value).__name__} {value!r:.40}{number_text_hint(value)}")
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        raise ExampleError(f"the number {value:g} is not finite: a ScalarEncoder takes finite numbers (min and max do "
                           f"not rescale an infinity or NaN); remove or fix such values")
    dtype = working_dtype()
    try:
        encoded = float(value) if coder.min is None else (float(value) - coder.min) / (coder.max - coder.min)
    except OverflowError:
        encoded = float("inf") if value > 0 else float("-inf")
    else:
        if not abs(encoded) > torch.finfo(dtype).max:  # finite (NaN and infinities are refused above)
            return encoded
    digits = len(str(abs(int(value)))) if isinstance(value, (int, np.integer)) else 0
    written = getattr(value, "written", "")  # a table's text ('1e400'): quoted as written
    number = f"the number {written}" if 0 < len(written) <= 40 else \
        f"an integer of {digits} digits" if digits > 20 else f"the number {value:g}"
    said = "" if coder.min is None or not np.isfinite(encoded) else f", rescaled to {encoded:g},"
    raise ExampleError(f"{number}{said} lies beyond {str(dtype).removeprefix('torch.')}'s range (largest "
                       f"{torch.finfo(dtype).max:.2g}): it would become infinite; scale the data")


def _tokens(coder: TokensEncoder, value: Any) -> list[int]:
    if not isinstance(value, str):
        raise ExampleError(f"expected text (a str), found {type(value).__name__} {value!r:.40}")
    text = coder.normalized(value)
    parts = list(text) if type(coder).__name__ == "CharactersEncoder" else text.split()
    if coder.max_length is not None and len(parts) > coder.max_length:
        raise ExampleError(f"{len(parts)} tokens, more than max_length={coder.max_length}")
    if not parts:
        raise ExampleError("empty text (no tokens)")
    index = coder.token_index
    return [index.get(t, 1) for t in parts]


def already_encoded(coder: Coder, value: Any) -> bool:
    """Whether ``value`` is data in the port's encoded form, passed through: a tensor, numpy integers at a class
    coder's port whose labels are no numbers (class indices, as a numpy ``y`` of 0..k-1), or at an ImageEncoder a float
    numpy array of the port's shape ``(c, h, w)`` (one example, or a batch ``(b, c, h, w)``): the port's declared
    shape says it is channels first, also where it could be an ``(h, w, c)`` image (``(3, 4, 4)``). A bool tensor at
    a class port with boolean labels holds labels (``as_labels``)."""
    if isinstance(coder, Restricted):  # a Restricted port's values: indices
        return True
    if isinstance(value, torch.Tensor):
        return not _holds_bool_labels(coder, value)
    if _numpy_integers(value) and _indexed(coder):
        return True  # numpy class indices where no label is a number: as a tensor of them
    if not (isinstance(coder, ImageEncoder) and isinstance(value, np.ndarray)):
        return False
    rank = len(coder.port_type().shape)
    one = value if value.ndim == rank else value[0] if value.ndim == rank + 1 and len(value) else None
    return one is not None and is_encoded_image(coder, one)


def encoded_form_problem(coder: Coder, value: Any) -> str:
    """Why ``value``, taken as already encoded, is not its port's encoded form ('' when it is): at an ImageEncoder
    port, which gives floats, an integer or boolean tensor holds raw pixels (0..255, as torchvision's read_image
    gives), not values in [0, 1] normalised; at a Restricted port, an index outside its range; at a class port, a
    bool tensor (no class indices: True would be index 1) where no label is a boolean."""
    if isinstance(coder, Restricted):
        return out_of_range(coder, value)
    if _bool_tensor_at_class_port(coder, value) and not _holds_bool_labels(coder, value):
        return ("a bool tensor holds no class indices (True would be index 1, the second label), and no label is a "
                "boolean: give the class indices as an integer tensor, or the labels themselves")
    if not (isinstance(coder, ImageEncoder) and isinstance(value, torch.Tensor)) or value.is_floating_point():
        return ""
    return (f"a tensor of dtype {value.dtype} holds raw pixel values, but the port's encoded form is floats (values "
            f"in [0, 1], then (x - mean) / std); give the pixels as numpy image arrays, which the encoder converts, "
            f"resizes and normalises, here {pixels_hint(coder, value)}")


def _indexed(coder: Coder, output: str = "Index") -> bool:
    """Whether numpy integers at this coder's port can only be class indices (at a ClassEncoder, of this ``output``
    form): labels that are no numbers."""
    if not (isinstance(coder, ClassDecoder) and output == "Index" or isinstance(coder, ClassEncoder) and
            coder.output == output):
        return False
    return not coder.numeric_labels


def _bool_tensor_at_class_port(coder: Coder, value: Any) -> bool:
    return isinstance(coder, (ClassEncoder, ClassDecoder)) and isinstance(value, torch.Tensor) and \
        value.dtype == torch.bool


def _holds_bool_labels(coder: Coder, value: Any) -> bool:
    """Whether ``value`` is a bool tensor at a class port of which a label is a boolean: labels, as a numpy bool
    array's are, never class indices (True is no index 1, the second label)."""
    return _bool_tensor_at_class_port(coder, value) and any(isinstance(label, bool) for label in coder.labels)


def as_labels(coder: Coder, value: Any) -> Any:
    """A bool tensor of labels (``_holds_bool_labels``) as a list of them (a bool for a 0-dim one); any other value
    as it is."""
    return value.tolist() if _holds_bool_labels(coder, value) else value


def _numpy_integers(value: Any) -> bool:
    """Whether ``value`` is a numpy integer array or scalar (class indices where no class label is a number)."""
    return isinstance(value, (np.ndarray, np.integer)) and value.dtype.kind in "iu"


def _one_hot(coder: ClassEncoder, port: str, value: Any, what: str) -> torch.Tensor:
    """The one-hot rows of numpy class indices ``value`` (as the index form takes them); a DataError naming the first
    index outside 0..k-1."""
    indices, count = torch.as_tensor(np.asarray(value, dtype=np.int64)), len(coder.labels)
    if found := first_out_of_range((0, count - 1), indices):
        raise DataError(f"{what} {port!r} ({coder.type_name}): {_INDEX_OUTSIDE.format(found[1], count - 1)}",
                        kind="encoding", layer=(), port=port, expected=f"0..{count - 1}", found=found[1])
    return torch.nn.functional.one_hot(indices, count).to(working_dtype())


def is_single(coder: Coder, value: Any) -> bool:
    """True when ``value`` is one example for ``coder`` (a label, a path, a str), False for a batch (a list)."""
    batch = isinstance(value, (list, tuple, np.ndarray))
    if isinstance(coder, ImageEncoder):  # a number is one (bad) example, refused by name, not iterated
        if _grey_stack(coder, value):
            return False  # (b, h, w): grey images stacked (MNIST's x[:5]), as net_train reads them; no (h, w, c) image
        return is_single_image(value) or not batch
    return not batch


def _grey_stack(coder: ImageEncoder, value: Any) -> bool:
    """Whether ``value`` is (b, h, w) grey images: a 3-dim array, not of the port's shape, whose last dim is no channel
    count a user could mean (1 to 4: a (h, w, 2) grey-alpha image stays one image, refused by name), or whose last two
    dims are the port's (h, w) where its first two are not and its last is no channel count of the port's colour
    space (1 at a Grayscale port, 3 or 4 at an RGB one: such an array is an (h, w, c) image of another size)."""
    if not isinstance(value, np.ndarray) or value.ndim != 3 or value.shape == (port := coder.port_type().shape):
        return False
    own = (1,) if coder.channels == 1 else (3, 4)
    return value.shape[-1] not in (1, 2, 3, 4) or value.shape[1:] == port[1:] != value.shape[:2] and \
        value.shape[-1] not in own


_EXAMPLE: dict[type, Callable[[Any, Any], Any]] = {ClassEncoder: _class_index, ClassDecoder: _class_index,
                                                   BooleanEncoder: _bool, BooleanDecoder: _bool,
                                                   ScalarEncoder: _scalar, ImageEncoder: encode_image,
                                                   TokensEncoder: _tokens}


def _example_function(coder: Coder) -> Callable[[Any, Any], Any]:
    for cls in type(coder).__mro__:
        if cls in _EXAMPLE:
            return _EXAMPLE[cls]
    raise DataError(f"{coder.type_name} cannot encode values", kind="encoded-form", found=coder.type_name)


def encode(coder: Coder, port: str, value: Any, what: str = "input port", ragged: bool = False) -> Any:
    """The tensor for ``value`` (one example, or a list of them) at ``port``; a tensor passes through.

    With ``ragged``, a batch of token sequences of different lengths is the list of their tensors (the ragged
    form, whose lengths the evaluation keeps) instead of one tensor padded with 0.

    >>> encode(TokensEncoder(["a", "b"]), "Input", ["a b b", "b"], ragged=True)
    [tensor([2, 3, 3]), tensor([3])]
    """
    if isinstance(coder, Restricted):  # indices, checked and passed on as given (a ragged list stays one)
        if refusal := range_refusal(coder, port, value, what):
            raise DataError(refusal[0], **refusal[1])
        return value
    value = native_array(as_labels(coder, value))  # big-endian (a FITS file's), reversed: torch.as_tensor refuses
    if _numpy_integers(value) and _indexed(coder, "UnitVector"):
        return _one_hot(coder, port, value, what)  # numpy class indices, as the index form takes
    if already_encoded(coder, value):
        if problem := encoded_form_problem(coder, value):
            raise DataError(f"{what} {port!r} ({coder.type_name}): {problem}", kind="encoding", layer=(), port=port)
        return torch.as_tensor(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array('blue'): one example, its value
        value = value.item()
    _refuse_iterator(coder, port, value, what)
    single = is_single(coder, value)
    examples = [value] if single else list(value)
    function, done, problems, first = _example_function(coder), [], [], None
    for i, example in enumerate(examples):
        try:
            done.append(function(coder, example))
        except ExampleError as exc:
            problems.append(f"{what} {port!r} ({coder.type_name}): {'the value' if single else f'example {i}'}: {exc}")
            first = first or (None if single else i, exc)
    if problems:
        shown = problems if len(problems) <= 10 else [*problems[:10], f"... and {len(problems) - 10} more"]
        raise DataError("; ".join(shown), kind="encoding", layer=(), port=port, example=first[0],
                        expected=first[1].expected, found=first[1].found)
    if not done:
        raise DataError(f"{what} {port!r} ({coder.type_name}): no examples (an empty list)", layer=(), port=port,
                    kind="missing-data", found=0)
    if ragged and not single and isinstance(coder, TokensEncoder) and len({len(seq) for seq in done}) > 1:
        return [torch.tensor(seq, dtype=torch.long) for seq in done]
    out = _stack(coder, done)
    return out[0] if single else out


def _refuse_iterator(coder: Coder, port: str, value: Any, what: str) -> None:
    """A DataError for a generator, iterator or range, which would be taken as one (bad) example, not a batch."""
    if isinstance(value, (Iterator, range)) and not isinstance(value, io.IOBase):  # an open file: not an image path
        found = type(value).__name__
        raise DataError(f"{what} {port!r} ({coder.type_name}): found a {found}, not a list of examples (a generator or "
                        f"iterator is read once, and a range is no list); pass a list: list(...)", kind="encoding",
                        layer=(), port=port, expected="a list", found=found)


def _stack(coder: Coder, done: list) -> torch.Tensor:
    if isinstance(coder, TokensEncoder):
        longest = max(len(seq) for seq in done)
        return torch.tensor([seq + [0] * (longest - len(seq)) for seq in done], dtype=torch.long)
    if isinstance(coder, ImageEncoder):
        return torch.stack(done)
    if isinstance(coder, ClassEncoder) and coder.output == "UnitVector":
        return torch.nn.functional.one_hot(torch.tensor(done), len(coder.labels)).to(working_dtype())
    dtype = torch.long if isinstance(coder, (ClassEncoder, ClassDecoder)) else torch.float64 \
        if isinstance(coder, ScalarEncoder) else working_dtype()  # numbers: cast by the call's precision
    return torch.tensor(done, dtype=dtype)


def encode_targets(coder: Coder, port: str, value: Any) -> torch.Tensor:
    """Training targets for an output with a decoder: labels become class indices, booleans 0/1.

    A list of labels per example (a tagger's targets) is refused: the coder does not say whether the output is
    (k) or ("n", k); ``net_train``, which knows, encodes them."""
    if isinstance(coder, ClassDecoder) and not is_single(coder, value) and any(map(_is_label_list, value)):
        remedy = "pass them to net_train, which knows the output's shape and encodes them"
        raise DataError(f"target {port!r} ({coder.type_name}): a list of labels per example (a tagger's targets, "
                        f"for an output of shape (\"n\", {len(coder.labels)})) cannot be encoded without the "
                        f"output's shape; {remedy}", kind="encoding", layer=(), port=port, hint=remedy)
    return encode(coder, port, value, what="target")


def _is_label_list(example: Any) -> bool:
    return isinstance(example, (list, tuple)) or isinstance(example, np.ndarray) and example.ndim == 1


def encode_example(coder: Coder, value: Any) -> torch.Tensor | Reason:
    """One example's tensor, or the reason it cannot be encoded."""
    try:
        done = _example_function(coder)(coder, value)
    except ExampleError as exc:
        return Reason.of(exc)
    if isinstance(coder, (TokensEncoder, ClassDecoder)):  # indices: its tensor at once, as _stack's row would be
        return torch.tensor(done, dtype=torch.long)
    return _stack(coder, [done])[0]


def encode_label_sequence(coder: ClassDecoder, value: Any) -> torch.Tensor | Reason:
    """One example's labels, one per position (a tagger's target at a ClassDecoder output of shape ("n", k)), as
    its class indices; or why they cannot be, naming the first bad position."""
    value = as_labels(coder, value)
    if not isinstance(value, (list, tuple, np.ndarray)) or isinstance(value, np.ndarray) and value.ndim != 1:
        return Reason(f"expected a list of labels, one per position of the output sequence, found "
                      f"{type(value).__name__} {value!r:.40}{_characters_hint(coder, value)}")
    if not len(value):
        return Reason("an empty list of labels (a sequence has at least one position)")
    indices = []
    for position, label in enumerate(value):
        try:
            indices.append(_class_index(coder, label))
        except ExampleError as exc:
            return Reason(f"position {position}: {exc}", exc.expected, exc.found)
    return torch.tensor(indices, dtype=torch.long)


def _characters_hint(coder: ClassDecoder, value: Any) -> str:
    """'; its characters are labels: give list(text) ...' for a text whose every character is one of ``coder``'s
    labels (a character tagger's target given as the string itself), else ''."""
    if not isinstance(value, str) or not value or not all(character in coder.labels for character in value):
        return ""
    return "; its characters are labels: give list(text), a list of its characters, one label per position"
