"""YAML specs: read (with file:line:col errors), write, save and load with safetensors arrays, and the
JSON Schema of spec files."""

from netgraph.spec.api import from_yaml, layer_locations, load, problem_location, save, to_yaml

__all__ = ["from_yaml", "to_yaml", "save", "load", "layer_locations", "problem_location"]
