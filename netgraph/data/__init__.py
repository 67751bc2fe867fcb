"""Data through encoders and decoders: values to tensors and back (``netgraph.core.coders`` describes them).

``encode`` turns what a user passes to an encoded port (labels, image files, PIL images, text, booleans)
into the port's tensor; ``decode`` turns an output tensor into labels; ``image_folder`` and
``text_table`` read training sets from disk. pillow is needed only for images (``pip install
torch-netgraph[images]``).
"""

from netgraph.data.decoding import decode, decode_where_fits, parse_property
from netgraph.data.encoding import encode, encode_targets
from netgraph.data.sources import Examples, image_folder, text_table

__all__ = ["encode", "encode_targets", "decode", "decode_where_fits", "parse_property", "Examples", "image_folder", "text_table"]
