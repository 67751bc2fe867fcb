"""Training (Wolfram's NetTrain): data, losses, options, the loop, checkpoints, results, distributed; measuring a
trained net on data (NetMeasurements)."""

from netgraph.train.api import NetTrainResults, TrainingError, load_data, net_train
from netgraph.train.distributed import DistributedTimeoutError
from netgraph.train.measurements import net_measurements

__all__ = ["NetTrainResults", "TrainingError", "DistributedTimeoutError", "load_data", "net_train", "net_measurements"]
