"""Bounding-box aggregation: cluster the workers' boxes of a task by IoU, average each cluster.

A box is `(x1, y1, x2, y2)` with x1 <= x2 and y1 <= y2. Each worker gives a task zero or more
boxes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes; 0.0 for two empty boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class AggregatedBox:
    box: Box  # the mean of the cluster's boxes
    support: int  # how many workers drew a box in the cluster
    confidence: float  # support over the number of workers who answered the task


def cluster_boxes(
    answers: Sequence[tuple[Hashable, Sequence[Sequence[float]]]],
    *,
    threshold: float = 0.5,
    min_share: float = 0.5,
) -> list[AggregatedBox]:
    """Greedy clustering of one task's boxes, `answers` being `(worker, boxes)` pairs.

    Boxes are taken largest first (then in answer order); each joins the cluster whose current
    mean box overlaps it most, if that IoU is at least `threshold` and the cluster has no box
    from the same worker yet; otherwise it starts a cluster. Clusters drawn by at least
    `min_share` of the workers are kept, most supported first.
    """
    workers = [worker for worker, _ in answers]
    n_workers = len(set(workers))
    items = [
        (worker, tuple(float(c) for c in box)) for worker, boxes in answers for box in boxes or ()
    ]
    order = sorted(
        range(len(items)),
        key=lambda i: (-(items[i][1][2] - items[i][1][0]) * (items[i][1][3] - items[i][1][1]), i),
    )
    clusters: list[dict] = []  # {"boxes": [...], "workers": set, "mean": np.ndarray}
    for i in order:
        worker, box = items[i]
        best, best_iou = None, threshold
        for cluster in clusters:
            if worker in cluster["workers"]:
                continue
            overlap = iou(cluster["mean"], box)
            if overlap >= best_iou and (best is None or overlap > best_iou):
                best, best_iou = cluster, overlap
        if best is None:
            clusters.append({"boxes": [box], "workers": {worker}, "mean": np.array(box)})
        else:
            best["boxes"].append(box)
            best["workers"].add(worker)
            best["mean"] = np.mean(best["boxes"], axis=0)
    kept = [
        AggregatedBox(
            box=tuple(float(c) for c in cluster["mean"]),
            support=len(cluster["workers"]),
            confidence=len(cluster["workers"]) / n_workers,
        )
        for cluster in clusters
        if n_workers and len(cluster["workers"]) / n_workers >= min_share
    ]
    return sorted(kept, key=lambda b: -b.support)


def aggregate_boxes(
    answers: Iterable[tuple[Hashable, Hashable, Sequence[Sequence[float]]]],
    *,
    threshold: float = 0.5,
    min_share: float = 0.5,
) -> dict:
    """`(worker, task, boxes)` answers -> {task: [AggregatedBox, ...]} (see cluster_boxes)."""
    by_task: dict = {}
    for worker, task, boxes in answers:
        by_task.setdefault(task, []).append((worker, boxes))
    return {
        task: cluster_boxes(pairs, threshold=threshold, min_share=min_share)
        for task, pairs in by_task.items()
    }
