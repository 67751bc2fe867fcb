"""The core: types, ports, the layer base and registry, wiring, inference, the graph IR, NetGraph,
NetChain and surgery. It imports nothing from the backend, spec, render, train or cli packages
(checked by the import contract in pyproject.toml); the stages it calls are named in ``plugins``."""
