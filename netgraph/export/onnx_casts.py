"""What import_onnx's walkers over an integer tensor's uses (``onnx_names.port_dtype``, ``onnx_lookups``,
``onnx_integer_inputs``) and its Cast converter count as moving values without computing on them."""

from __future__ import annotations

from typing import Any

__all__ = ["VALUE_MOVES", "INTEGER_CASTS", "moves_values", "element_type_name"]

#: ops that move or replicate values without computing on them, followed from a graph input to its float Casts
#: (``port_dtype``)
VALUE_MOVES = ("Unsqueeze", "Squeeze", "Reshape", "Flatten", "Transpose", "Expand")
#: the Casts of an integer tensor that leave its values as they are for an index: to INT32 (6), INT64 (7)
INTEGER_CASTS = {6: "int32", 7: "int64"}


def moves_values(node: Any, slot: int, integer: bool = True) -> bool:
    """Whether ``node`` passes its input ``slot`` on without computing on it: an op of ``VALUE_MOVES`` (as its data)
    or, that input an ``integer`` tensor, a Cast to one of ``INTEGER_CASTS`` (``idx.int()``, ``idx.long()``)."""
    return slot == 0 and (node.op_type in VALUE_MOVES or integer and node.op_type == "Cast"
                          and next((a.i for a in node.attribute if a.name == "to"), 0) in INTEGER_CASTS)


def element_type_name(elem_type: int) -> str:
    """ONNX's name of an element type, as numpy spells it: 7 -> 'int64'; an unknown one as its number."""
    import onnx  # import_onnx's requirement, loaded by then

    return onnx.TensorProto.DataType.Name(elem_type).lower() if elem_type in onnx.TensorProto.DataType.values() \
        else str(elem_type)
