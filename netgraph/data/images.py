"""Images for ImageEncoder: files, PIL images or arrays → (channels, height, width) float tensors, read by pillow.

pillow is an optional dependency (``pip install torch-netgraph[images]``), imported on first use.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
import torch

from netgraph.core.coders import ImageEncoder
from netgraph.core.errors import DataError
from netgraph.core.tensors import native_array
from netgraph.core.torch_state import working_dtype
from netgraph.core.user_frame import user_stacklevel
from netgraph.data.errors import ExampleError
from netgraph.data.image_files import image_file, opened_image, too_many_pixels, unreadable_image

__all__ = ["encode_image", "is_single_image", "is_encoded_image", "check_image", "pillow", "pixels_hint"]

_CHANNELS = (1, 3, 4)  # channel counts of an image array pillow reads: grey, RGB, RGBA
_PIXELS = (np.uint8, np.uint16)  # the integer dtypes an image array is read in; others are cast to uint8 (_eight_bit)


def pixels_hint(coder: ImageEncoder, x: torch.Tensor) -> str:
    """How to pass ``x``, an integer tensor of raw pixels, as the numpy image arrays it holds, read as such at
    ``coder``'s port: ``'one (h, w, c) image: x.permute(1, 2, 0).numpy()'``, cast to uint8 unless it is uint8 or
    uint16 (the integer arrays an image array may be). A 3-dim tensor is one channels-first image where its first dim
    is a channel count the port could mean (1, or 3 or 4 at a colour port), else (b, h, w) grey images (MNIST's), or
    one channels-last image."""
    cast = "" if x.dtype in (torch.uint8, torch.uint16) else ".astype('uint8')"
    return _pixel_arrays(coder.port_type().shape, tuple(x.shape)) + cast


def _pixel_arrays(port: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """``pixels_hint``'s words and code for a tensor of ``shape`` at a port of shape ``port`` (c, h, w)."""
    colour = port[0] > 1
    if len(shape) == 2:
        return "one grey (h, w) image: x.numpy()"
    if len(shape) in (3, 4) and shape[-3:] == port and port[0] == port[1] == port[2]:  # (h, w, c) would be too
        return "(c, h, w) images of the port's shape, which are read channels first: x.numpy()"
    if len(shape) == 3 and (shape[0] == 1 or colour and shape[0] in _CHANNELS):
        return "one (h, w, c) image: x.permute(1, 2, 0).numpy()"
    if len(shape) == 3:
        return "one (h, w, c) image: x.numpy()" if shape[-1] in _CHANNELS else \
            f"{shape[0]} grey (h, w) images: {'list(x.numpy())' if shape[-1] == 2 else 'x.numpy()'}"
    if len(shape) == 4:
        last = shape[1] not in _CHANNELS and shape[-1] in _CHANNELS  # (b, h, w, c) already
        return f"{shape[0]} (h, w, c) images: {'x.numpy()' if last else 'x.permute(0, 2, 3, 1).numpy()'}"
    return "(h, w) or (h, w, c) images, or a batch of them: x.numpy()"


def pillow() -> Any:
    """The ``PIL.Image`` module, or a DataError saying how to install it."""
    try:
        from PIL import Image  # optional: only image encoders need pillow
    except ImportError:
        raise DataError("ImageEncoder needs pillow: pip install 'torch-netgraph[images]'", kind="missing-package",
                        expected="pillow", hint="pip install 'torch-netgraph[images]'") from None
    return Image


def is_single_image(value: Any) -> bool:
    """One image: a path, a PIL image, or a 2-d (grey) or 3-d (height, width, channels) array."""
    if isinstance(value, (str, os.PathLike)) or type(value).__module__.startswith("PIL."):
        return True
    return isinstance(value, np.ndarray) and value.ndim in (2, 3)


def is_encoded_image(coder: ImageEncoder, value: Any) -> bool:
    """Whether ``value`` is one example in the port's encoded form: a float array of the port's own (channels,
    height, width) shape, also where it could be an (h, w, c) image (``(3, 4, 4)``)."""
    return isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == tuple(coder.port_type().shape)


def encode_image(coder: ImageEncoder, value: Any) -> torch.Tensor:
    """One image as a (channels, height, width) tensor in [0, 1], upright (EXIF orientation), resized, converted,
    normalised. Float arrays and 16-bit or float images keep their precision (converted and resized in floats);
    other files, PIL images and uint8 arrays go through pillow. A float array of the port's own (channels, height,
    width) shape is the encoded form, passed through (``is_encoded_image``); an integer one is pixels read channels
    first (``(3, 4, 4)`` at a (3, 4, 4) port is no 3x4 RGBA image)."""
    value = _eight_bit(native_array(value))  # native: big-endian (a FITS file's) or reversed, torch refuses them
    if is_encoded_image(coder, value):
        return torch.as_tensor(value)
    if isinstance(value, np.ndarray) and value.shape == tuple(coder.port_type().shape):
        value = value.transpose(1, 2, 0)
    if isinstance(value, np.ndarray) and value.ndim in (2, 3) and value.dtype != np.uint8:
        x = _float_image(coder, _checked_array(value))
    else:
        x = _pillow_image(coder, value)
    if coder.mean is not None:
        x = x - torch.tensor(coder.mean, dtype=x.dtype).view(-1, 1, 1)
    if coder.std is not None:
        x = x / torch.tensor(coder.std, dtype=x.dtype).view(-1, 1, 1)
    return x.contiguous()


def _pillow_image(coder: ImageEncoder, value: Any) -> torch.Tensor:
    Image = pillow()
    if isinstance(value, (str, os.PathLike)):
        image = _file_upright(Image, coder, value)
    elif type(value).__module__.startswith("PIL."):
        image = _upright(_loaded(value))
    elif isinstance(value, np.ndarray) and value.ndim in (2, 3):
        image = Image.fromarray(_checked_array(value))
    else:
        raise ExampleError(f"expected an image file path, a PIL image or a (height, width[, channels]) array, "
                           f"found {type(value).__name__} {value!r:.40}")
    if image.mode in _DEEP_MODES:  # pillow's convert clips 16-bit and 32-bit values to 0..255: scale them instead
        source = f"image {os.fspath(value)!r}" if isinstance(value, (str, os.PathLike)) else "a PIL image"
        return _float_image(coder, _deep_array(image, source))
    image = _over_white(Image, _convertible(image)).convert("RGB" if coder.color_space == "RGB" else "L")
    if image.size != coder.size:
        image = image.resize(coder.size, Image.BILINEAR)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0)
    return (x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)).to(working_dtype())


def _file_upright(Image: Any, coder: ImageEncoder, path: Any) -> Any:
    """The image file ``path`` read and upright; pillow's "Corrupt EXIF data" warnings caught: such an image is read
    as stored, its EXIF ignored, said once a file (``_exif_ignored``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with image_file(path) as f:
            try:
                with opened_image(Image, f, path) as image:
                    if refusal := too_many_pixels(Image, image, coder, path):
                        raise ExampleError(refusal)
                    image.load()
            except (OSError, ValueError) as exc:
                raise ExampleError(unreadable_image(f, path, str(exc))) from None
        upright = _upright(image)
    corrupt = [w for w in caught if "EXIF" in str(w.message)]
    for other in caught:
        if other not in corrupt and (place := (str(other.message), other.category, other.filename, other.lineno)) \
                not in _REPLAYED:
            _REPLAYED.add(place)
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    if corrupt:
        _exif_ignored(path)
        return image
    return upright


_EXIF_SAID: set[str] = set()  # the files whose corrupt EXIF was said: one warning a file, not one an epoch
#: pillow's other warnings replayed, by text and place: each said once, as Python's default filter says one (the
#: ``catch_warnings`` around each read resets warnings' own registries, so it was said again every image, every epoch)
_REPLAYED: set[tuple] = set()


def _exif_ignored(path: Any) -> None:
    """Say once a file that its corrupt EXIF metadata was ignored (pillow's own warnings name a line of pillow)."""
    name = os.fspath(path)
    if name not in _EXIF_SAID:
        _EXIF_SAID.add(name)
        warnings.warn(f"image {name!r}: its EXIF metadata is corrupt, so it was ignored (the image is read as "
                      f"stored, not turned by an EXIF orientation)", UserWarning, stacklevel=user_stacklevel())


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
#: modes pillow cannot convert to "L" or "RGBA" (a LAB TIFF, premultiplied grey-alpha), and the one each goes through
_VIA = {"LAB": "RGB", "La": "LA"}


def _convertible(image: Any) -> Any:
    """``image`` in a mode pillow converts to "RGB", "RGBA" and "L" (pillow refuses LAB to L with a ValueError)."""
    return image.convert(_VIA[image.mode]) if image.mode in _VIA else image


def _over_white(Image: Any, image: Any) -> Any:
    """``image`` composited onto white where it holds transparency (an alpha channel, or a palette or colour marked
    transparent, as a GIF's): pillow's convert to RGB or L would drop alpha, keeping whatever colour a transparent
    pixel stores (often black), which no viewer shows."""
    if image.mode not in _ALPHA_MODES and "transparency" not in image.info:
        return image
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)


def _loaded(image: Any) -> Any:
    """A PIL image given as a value, its pixels read: Image.open reads them lazily, so an image whose file was closed
    first (its ``with Image.open(...)`` block ended) is an ExampleError saying so, not pillow's AssertionError; so
    is one of no pixels (``Image.new("L", (0, 0))``)."""
    try:
        image.load()
    except (AssertionError, ValueError, AttributeError):
        raise ExampleError("the PIL image was closed before its pixels were read (Image.open reads them lazily): use "
                           "it inside its with block, call image.load() there, or pass the file's path") from None
    except OSError as exc:  # a file cut short
        raise ExampleError(f"cannot read the PIL image's pixels: {exc}") from None
    if not image.width or not image.height:  # pillow resizes it to black (8-bit) or torch raises (16-bit, float)
        raise ExampleError(f"the PIL image has no pixels (size {image.width}x{image.height})")
    return image


_DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # 16-bit and 32-bit grey: pillow clips them in convert
_ORIENTATION = 0x0112  # the EXIF tag saying how the stored pixels are rotated or mirrored


def _upright(image: Any) -> Any:
    """``image`` as viewers show it: its EXIF orientation applied (a phone's portrait photo is stored sideways)."""
    if image.getexif().get(_ORIENTATION, 1) in (1, None):
        return image
    from PIL import ImageOps  # pillow is there: the image came from it
    return ImageOps.exif_transpose(image)


def _deep_array(image: Any, source: str) -> np.ndarray:
    """A 16-bit or 32-bit grey image as floats in [0, 1]: integers over 16 bits' range (0..65535, as a 16-bit PNG
    or TIFF holds them), floats ("F") as they are, checked to lie in [0, 1] as a float array's are; an
    ExampleError naming ``source`` (the file) otherwise. Pixels of the grey marked transparent (a 16-bit PNG's
    tRNS, pillow's ``info["transparency"]``) are white, as ``_over_white`` composites the other modes."""
    array = _deep_values(image, source)
    marked = image.info.get("transparency")
    if isinstance(marked, (int, float)) and not isinstance(marked, bool):
        array[np.asarray(image) == marked] = 1.0
    return array


def _deep_values(image: Any, source: str) -> np.ndarray:
    """``_deep_array``'s values before transparency: a writable float array in [0, 1]."""
    if image.mode == "F":
        array = np.array(image)  # a writable copy: torch warns on pillow's read-only buffer
        low, high = (float(np.min(array)), float(np.max(array))) if array.size else (0.0, 0.0)  # NaN: any NaN
        if not 0 <= low <= high <= 1:
            found = "NaN" if math.isnan(low + high) else f"values from {low:g} to {high:g}"
            raise ExampleError(f"{source} of mode 'F' (float pixels, read as they are) holds values in [0, 1], "
                               f"found {found}")
        return array
    array = np.asarray(image)
    if array.size and (int(array.min()) < 0 or int(array.max()) > 65535):
        raise ExampleError(f"{source} of mode {image.mode!r} (integer pixels) is read as 16-bit, values 0..65535, "
                           f"found values from {int(array.min())} to {int(array.max())}")
    scaled = array.astype(np.float32)  # exact for 16-bit values, and half float64's memory on a large image
    scaled /= 65535.0
    return scaled


def _float_image(coder: ImageEncoder, array: np.ndarray) -> torch.Tensor:
    """A float (height, width[, channels]) array in [0, 1] as pillow would convert and resize it, in floats:
    grey to RGB repeats the channel, RGB to grey weighs it as pillow's "L" (ITU-R 601-2), alpha is composited onto
    white (as ``_over_white``), resizing is bilinear with antialiasing (pillow's BILINEAR)."""
    x = torch.from_numpy(np.ascontiguousarray(array)).to(working_dtype())
    x = x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)
    if x.shape[0] == 4:
        x = x[:3] * x[3:] + (1 - x[3:])
    if coder.color_space == "RGB" and x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    elif coder.color_space != "RGB" and x.shape[0] == 3:
        x = (x * torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype).view(3, 1, 1)).sum(0, keepdim=True)
    width, height = coder.size
    if tuple(x.shape[1:]) != (height, width):
        x = torch.nn.functional.interpolate(x.unsqueeze(0), size=(height, width), mode="bilinear",
                                            align_corners=False, antialias=True)[0].clamp(0, 1)
    return x


def _eight_bit(value: Any) -> Any:
    """An integer array neither uint8 nor uint16 (``np.stack(...).astype(np.int64)``) as the uint8 pixels it holds
    (values outside 0..255: an ExampleError saying which cast to give); anything else as it is."""
    if not (isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.size) or value.dtype in _PIXELS:
        return value
    low, high = int(value.min()), int(value.max())
    if 0 <= low <= high <= 255:
        return value.astype(np.uint8)
    sixteen = "x.astype('uint16') if these are 16-bit pixels (0..65535), else " if 0 <= low <= high <= 65535 else ""
    raise ExampleError(f"an image array of {value.dtype} holds 8-bit pixels, 0..255, as uint8 (uint16: 0..65535), "
                       f"found values from {low} to {high}; give {sixteen}x scaled to 0..255, as uint8")


def _checked_array(value: np.ndarray) -> np.ndarray:
    """The array as (h, w) or (h, w, 3 or 4): uint8, or floats in [0, 1] (uint16 scaled to them); else ExampleError."""
    if value.ndim == 3 and value.shape[-1] not in (1, 3, 4):
        raise ExampleError(f"an image array is (height, width) or (height, width, channels) with 1, 3 or 4 "
                           f"channels, found shape {value.shape}")
    array = value[..., 0] if value.ndim == 3 and value.shape[-1] == 1 else value
    if value.ndim not in (2, 3) or not array.size:
        raise ExampleError(f"an image array is (height, width) or (height, width, channels) with pixels, found "
                           f"shape {value.shape}")
    if array.dtype == np.uint16:  # 16-bit pixels (cv2's reading of a 16-bit PNG): over 0..65535, as such files are
        return array.astype(np.float32) / np.float32(65535.0)
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
            mask = " (a mask? give x.astype(np.uint8) * 255)" if array.dtype == bool else ""
            raise ExampleError(f"an image array holds uint8 or uint16 values or floats in [0, 1], found dtype "
                               f"{array.dtype}{mask}")
        low, high = float(np.min(array)), float(np.max(array))  # NaN when any value is NaN
        if not 0 <= low <= high <= 1:  # NaN too
            found = "NaN (it holds floats in [0, 1], or is uint8 or uint16)" if math.isnan(low + high) else \
                f"floats in [0, 1] (or is uint8 or uint16), found values from {low:g} to {high:g}"
            raise ExampleError(f"an image array of {array.dtype} holds {found}")
    return array


def check_image(coder: ImageEncoder, value: Any) -> str | None:
    """Why ``value`` is not an image (a missing file, a file pillow does not recognise, a wrong type), or
    None; reads only the file's header, so checking a training set before training stays fast."""
    if not isinstance(value, (str, os.PathLike)):
        if type(value).__module__.startswith("PIL."):
            try:
                _loaded(value)  # one closed before its pixels were read: said before training, not during it
            except ExampleError as exc:
                return str(exc)
            return None
        if isinstance(value, np.ndarray):
            return None
        return (f"expected an image file path, a PIL image or a (height, width[, channels]) array, found "
                f"{type(value).__name__} {value!r:.40}")
    Image = pillow()
    try:
        with image_file(value) as f:
            try:
                with opened_image(Image, f, value) as image:
                    return too_many_pixels(Image, image, coder, value)
            except (OSError, ValueError) as exc:
                return unreadable_image(f, value, str(exc))
    except ExampleError as exc:
        return str(exc)
