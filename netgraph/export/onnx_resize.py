"""ONNX ``Resize`` of the spatial dims to known sizes, or by whole scales over dynamic ones -> ResizeLayer: "linear",
or torch's "cubic" (of 2 spatial dims), with half-pixel centres (torch's ``align_corners=False``) or
``align_corners`` (scheme "Point"), or "nearest" as torch's (``asymmetric``, ``floor``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netgraph.export.onnx_ops import Context, Converted, Unsupported, refuse, text
from netgraph.export.onnx_reshape import fresh_value
from netgraph.layers import ResizeLayer

__all__ = ["resize"]


def resize(node: Any, ctx: Context) -> Converted:
    a, x = ctx.attributes(node), node.input[0]
    shape = ctx.shapes.get(x)
    if shape is None or not 3 <= len(shape) <= 5:
        raise Unsupported(f"an input of shape {shape}: ResizeLayer takes (batch, channels, 1 to 3 spatial dims)",
                          expected="(batch, channels, 1 to 3 spatial dims)", found=shape)
    target = _resize_target(node, ctx, shape, _spatial_axes(a, shape))
    problems, resampling = _resampling(a, shape, target)
    policy = text(a.get("keep_aspect_ratio_policy", "stretch"))
    if policy != "stretch":  # the sizes are then bounds, the output keeps the input's aspect ratio
        problems.append(f"keep_aspect_ratio_policy={policy!r}")
    refuse(problems, "ResizeLayer")
    return Converted(ResizeLayer(**target, **resampling), (x,))


def _resampling(a: dict, shape: tuple, target: dict) -> tuple[list, dict[str, str]]:
    """The options of a Resize that ResizeLayer cannot follow (each named with its value), and its ``resampling``
    and ``scheme``: "linear" or torch's "cubic" (a = -0.75, nothing excluded; of 2 spatial dims) with half-pixel
    centres or ``align_corners``, "nearest" as torch's."""
    mode, problems = text(a.get("mode", "nearest")), []
    transform = text(a.get("coordinate_transformation_mode", "half_pixel"))
    if mode == "nearest":
        nearest = text(a.get("nearest_mode", "round_prefer_floor"))
        if transform != "asymmetric" or nearest != "floor":
            named, found, expected = (("coordinate_transformation_mode", transform, "asymmetric")
                                      if transform != "asymmetric" else ("nearest_mode", nearest, "floor"))
            problems.append(Unsupported(f"coordinate_transformation_mode={transform!r} with nearest_mode={nearest!r} "
                                        f"(ResizeLayer's 'Nearest' is torch's: 'asymmetric' with 'floor')",
                                        attribute=named, expected=expected, found=found))
        return problems, {"resampling": "Nearest"}
    if mode not in ("linear", "cubic"):
        return [Unsupported(f"mode={mode!r} (ResizeLayer resamples 'linear', 'nearest' or 'cubic')", attribute="mode",
                            expected=("linear", "nearest", "cubic"), found=mode)], {}
    out = target.get("dims") or [math.floor(n * s) if isinstance(n, int) else 2 for n, s in
                                 zip(shape[2:], target["scale"])]  # a scaled variable length: 2 or more
    if transform not in ("half_pixel", "pytorch_half_pixel", "align_corners") or (
            transform == "pytorch_half_pixel" and 1 in out):
        problems.append(Unsupported(f"coordinate_transformation_mode={transform!r} ({mode} needs half-pixel "
                                    f"centres, or 'align_corners')", attribute="coordinate_transformation_mode",
                                    expected=("half_pixel", "pytorch_half_pixel", "align_corners"), found=transform))
    if int(a.get("antialias", 0)) and any(o < n for o, n in zip(out, shape[2:]) if isinstance(n, int)):
        problems.append(Unsupported("antialias=1 when shrinking", attribute="antialias", expected=0, found=1))
    if mode == "cubic":
        problems += _cubic_problems(a, shape)
    scheme = {"scheme": "Point"} if transform == "align_corners" else {}
    return problems, {"resampling": "Linear" if mode == "linear" else "Cubic", **scheme}


def _cubic_problems(a: dict, shape: tuple) -> list:
    """What makes a cubic Resize other than torch's bicubic (ResizeLayer's "Cubic")."""
    problems = [] if len(shape) == 4 else [Unsupported(f"mode='cubic' of {len(shape) - 2} spatial dims (ResizeLayer's "
                                                       f"'Cubic', torch's bicubic, takes 2)", attribute="mode",
                                                       expected=("linear", "nearest"), found="cubic")]
    coefficient = float(a.get("cubic_coeff_a", -0.75))
    if coefficient != -0.75:
        problems.append(Unsupported(f"cubic_coeff_a={coefficient} (torch's bicubic: -0.75)", attribute="cubic_coeff_a",
                                    expected=-0.75, found=coefficient))
    if int(a.get("exclude_outside", 0)):
        problems.append(Unsupported("exclude_outside=1 (torch's bicubic takes the edge's values outside)",
                                    attribute="exclude_outside", expected=0, found=1))
    return problems


def _spatial_axes(a: dict, shape: tuple) -> bool:
    """Whether a Resize names its ``axes`` (opset 18 on), its sizes or scales then those of the axes alone; Unsupported
    unless they are the spatial dims in order (negative ones counted from the end), as ResizeLayer resizes them."""
    if "axes" not in a:
        return False
    spatial, given = list(range(2, len(shape))), [int(k) for k in a["axes"]]
    if [k + len(shape) if k < 0 else k for k in given] != spatial:
        raise Unsupported(f"axes={given} for an input of shape {shape}: ResizeLayer resizes every spatial dim "
                          f"(axes {spatial})", attribute="axes", expected=spatial, found=given)
    return True


def _resize_target(node: Any, ctx: Context, shape: tuple, of_axes: bool = False) -> dict[str, list]:
    """ResizeLayer's ``dims`` (the output's spatial sizes, from the sizes input, constant or computed from Shape, or
    from constant scales that give whole sizes: else ONNX maps coordinates by the scale, ResizeLayer by the sizes'
    ratio), or over a dynamic spatial dim its ``scale`` (whole numbers there, and whole sizes of the known dims).
    ``of_axes``: the sizes or scales are of the spatial dims alone (``_spatial_axes``)."""
    inputs = (*node.input, "", "", "")
    sizes_name, scales_name = (inputs[3], inputs[2]) if len(node.input) > 2 else ("", inputs[1])
    known = all(isinstance(d, int) for d in shape[2:])
    if sizes_name:
        sizes = fresh_value(sizes_name, ctx) or tuple(int(s) for s in np.ravel(ctx.const(sizes_name, "sizes")))
        sizes = (*shape[:2], *sizes) if of_axes else sizes
        if len(sizes) != len(shape) or sizes[1] != shape[1] or not all(isinstance(s, int) for s in sizes[2:]):
            raise Unsupported(f"sizes {sizes} for an input of shape {shape}: only the spatial dims may be resized, "
                              f"to known sizes", expected="known sizes of the spatial dims", found=sizes)
        return {"dims": list(sizes[2:])}
    scales = [*([1.0, 1.0] if of_axes else []), *(float(s) for s in np.ravel(ctx.const(scales_name, "scales")))]
    spatial = list(zip(shape[2:], scales[2:]))
    whole = all(n * s == math.floor(n * s) if isinstance(n, int) else s == int(s) >= 1 for n, s in spatial)
    if len(scales) != len(shape) or scales[:2] != [1.0, 1.0] or not whole:
        raise Unsupported(f"scales {scales} for an input of shape {shape}: only whole output sizes of the spatial "
                          f"dims map to ResizeLayer (whole-number scales over dynamic dims)",
                          expected="whole output sizes of the spatial dims", found=scales)
    return {"dims": [math.floor(n * s) for n, s in spatial]} if known else {"scale": scales[2:]}
