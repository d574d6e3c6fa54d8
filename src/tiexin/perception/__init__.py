"""Customer perception: the distribution of customer satisfaction over -2..2 from a dialogue."""

from tiexin.perception.data import Dialogue, LabelledDialogue, Role, Turn
from tiexin.perception.metrics import LABELS, nmd, rsnod
from tiexin.perception.model import PerceptionModel, PerceptionModelError, train_model

__all__ = [
    "LABELS",
    "Dialogue",
    "LabelledDialogue",
    "PerceptionModel",
    "PerceptionModelError",
    "Role",
    "Turn",
    "nmd",
    "rsnod",
    "train_model",
]
