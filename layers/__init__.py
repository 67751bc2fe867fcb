"""Layer specs, one module per family, and the registry from Wolfram type name to class.

>>> from layers import REGISTRY
>>> "LinearLayer" in REGISTRY
True
"""

from layers.arrays import NetArrayLayer as NetArrayLayer
from layers.base import REGISTRY as REGISTRY
from layers.base import Layer as Layer
from layers.base import layer_class as layer_class
from layers.base import register as register
from layers.distributions import DISTRIBUTIONS as DISTRIBUTIONS
from layers.distributions import Distribution as Distribution
from layers.distributions import NormalDistribution as NormalDistribution
from layers.distributions import UniformDistribution as UniformDistribution
from layers.function import ElementwiseLayer as ElementwiseLayer
from layers.function import FunctionLayer as FunctionLayer
from layers.linear import LinearLayer as LinearLayer
from layers.random import RandomArrayLayer as RandomArrayLayer

__all__ = ["Layer", "REGISTRY", "layer_class", "register", "DISTRIBUTIONS", "Distribution",
           "NetArrayLayer", "FunctionLayer", "ElementwiseLayer", "LinearLayer", "RandomArrayLayer",
           "NormalDistribution", "UniformDistribution"]
