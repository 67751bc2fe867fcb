"""Image files opened for ImageEncoder: only regular files (a folder, pipe or device refused on the opened file),
refused before decoding when over pillow's pixel limit (a decompression bomb?), and why pillow cannot read one
(an empty file, a PNG or JPEG cut short, another kind of file) in netgraph's words."""

from __future__ import annotations

import os
import warnings
from typing import Any, BinaryIO

from netgraph.core.coders import ImageEncoder
from netgraph.core.files import NotRegularFile, open_regular
from netgraph.data.errors import ExampleError

__all__ = ["image_file", "opened_image", "unreadable_image", "too_many_pixels"]


def image_file(path: Any) -> BinaryIO:
    """``path`` opened for reading (``open_regular``: a folder, pipe or device is refused on the opened file, never
    read, so it cannot block or run forever); ExampleError saying why it cannot be."""
    try:
        return open_regular(path)
    except FileNotFoundError:
        where = "" if os.path.isabs(path) else f" (a relative path: read from the current folder, {os.getcwd()!r})"
        raise ExampleError(f"no image file {os.fspath(path)!r}{where}") from None
    except NotRegularFile as exc:
        raise ExampleError(f"{os.fspath(path)!r} is a folder, not an image file" if exc.is_folder else
                           f"{os.fspath(path)!r} is not a regular file (a pipe or a device?)") from None
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, no permission
        raise ExampleError(f"cannot read image {os.fspath(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None


def opened_image(Image: Any, f: BinaryIO, path: Any) -> Any:
    """``Image.open(f)``, its header read, without pillow's DecompressionBombWarning (``too_many_pixels``
    refuses such images before decoding); pillow's refusal of one over twice its limit in netgraph's words."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(f)
    except Image.DecompressionBombError as exc:  # pillow's words hold the image's pixel count
        raise ExampleError(f"{_bomb_text(path, None, Image.MAX_IMAGE_PIXELS)} ({exc})") from None
    except Image.UnidentifiedImageError:  # pillow names the file object: "cannot identify image file <_io...>"
        raise ExampleError(unreadable_image(f, path, None)) from None


#: the first bytes of the image formats a folder of images usually holds: a file pillow cannot read that starts so
#: is one of them damaged (a download cut short), not another kind of file
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
               (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))


def unreadable_image(f: BinaryIO, path: Any, why: str | None) -> str:
    """Why pillow cannot read the image file ``f`` (``why``, pillow's words, None when it cannot identify it),
    saying which format it was meant to be when its first bytes tell (a PNG cut short)."""
    try:
        f.seek(0)
        head = f.read(12)
    except (OSError, ValueError):
        head = None
    if head == b"":  # a download that failed, a file still being written
        return f"cannot read image {os.fspath(path)!r}: the file is empty (0 bytes)"
    head = head or b""
    meant = next((name for magic, name in _SIGNATURES if head.startswith(magic)), None)
    if meant is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        meant = "WebP"
    if meant is None and head[:2] == b"BM" and head[6:10] == bytes(4):  # BM, the file size, 4 reserved zero bytes
        meant = "BMP"
    if meant:
        said = f"a {meant} file, but cut short or damaged ({why or 'pillow cannot identify it'})"
    else:
        said = why or "not an image file pillow can read (another kind of file, or a format pillow lacks)"
    return f"cannot read image {os.fspath(path)!r}: {said}"


def too_many_pixels(Image: Any, image: Any, coder: ImageEncoder, path: Any) -> str | None:
    """Why a file's image is not decoded: more pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a decompression bomb?),
    after a JPEG is set to decode at the smallest scale (1/2, 1/4, 1/8) still at least the encoder's size."""
    limit = Image.MAX_IMAGE_PIXELS
    if not limit or image.width * image.height <= limit:
        return None
    size = image.size
    if image.format == "JPEG":
        image.draft(None, coder.size)  # the encoder resizes anyway: decoded at a scale still at least its size
        if image.width * image.height <= limit:
            return None
    return _bomb_text(path, size, limit)


def _bomb_text(path: Any, size: tuple[int, int] | None, limit: int) -> str:
    what = (f"is {size[0]}x{size[1]} = {size[0] * size[1]:,} pixels, over" if size else "is over twice")
    return (f"image {os.fspath(path)!r} {what} the limit of {limit:,} pixels (PIL.Image.MAX_IMAGE_PIXELS; a "
            f"decompression bomb?), refused before decoding; raise PIL.Image.MAX_IMAGE_PIXELS to read it")
