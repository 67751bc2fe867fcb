"""ONNX interop: ``export_onnx(net, path)`` writes a net as an ONNX model (torch's exporter) and
``import_onnx(path)`` reads an ONNX model back as a NetGraph of catalogue layers.

Both need the optional packages ``onnx`` and ``onnxruntime``: ``pip install torch-netgraph[onnx]``.
"""

from netgraph.export.exporter import export_onnx
from netgraph.export.importer import import_onnx
from netgraph.export.onnx_ports import onnx_port_names
from netgraph.export.onnx_tied import onnx_array_names

__all__ = ["export_onnx", "import_onnx", "onnx_array_names", "onnx_port_names"]
