"""Answer aggregation: pure Python and NumPy, no Django. `batch.py` reads a batch's answers
from the database and feeds them here; nothing else in this package imports Django."""

from microwork.quality.aggregation.boxes import AggregatedBox, aggregate_boxes, cluster_boxes, iou
from microwork.quality.aggregation.categorical import (
    DEFAULT_METHOD,
    METHODS,
    CategoricalResult,
    Encoded,
    MultiLabelResult,
    UnknownMethod,
    aggregate,
    aggregate_multilabel,
    encode,
    encode_columns,
)
from microwork.quality.aggregation.numeric import (
    NUMERIC_METHODS,
    NumericResult,
    aggregate_numeric,
    trimmed_mean,
)
from microwork.quality.aggregation.text import (
    TextResult,
    aggregate_text,
    levenshtein,
    normalise_text,
    normalised_distance,
)

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "NUMERIC_METHODS",
    "AggregatedBox",
    "CategoricalResult",
    "Encoded",
    "MultiLabelResult",
    "NumericResult",
    "TextResult",
    "UnknownMethod",
    "aggregate",
    "aggregate_boxes",
    "aggregate_multilabel",
    "aggregate_numeric",
    "aggregate_text",
    "cluster_boxes",
    "encode",
    "encode_columns",
    "iou",
    "levenshtein",
    "normalise_text",
    "normalised_distance",
    "trimmed_mean",
]
