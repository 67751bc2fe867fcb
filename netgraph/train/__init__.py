"""Training (Wolfram's NetTrain): data, losses, options, the loop, checkpoints, results, distributed."""

from netgraph.train.api import NetTrainResults, TrainingError, load_data, net_train
from netgraph.train.distributed import DistributedTimeoutError

__all__ = ["NetTrainResults", "TrainingError", "DistributedTimeoutError", "load_data", "net_train"]
