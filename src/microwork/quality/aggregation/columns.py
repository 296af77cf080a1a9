"""Answers taken one at a time into integer columns, for files too large to hold as tuples.

`AnswerColumns.add(worker, task, label)` keeps each distinct worker, task and label once (a
dict from value to index) and appends three 4-byte indices per answer, so memory grows with
the numbers of workers, tasks and labels, plus 12 bytes an answer, instead of a tuple of three
strings an answer (about 270 bytes). `encoded()` hands the columns to the categorical methods
without another pass over Python objects.

A worker who answered a task more than once counts once: the last answer wins, as a
resubmission replaces the one before (`dropped_duplicates` says how many were left out).
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterator

import numpy as np

from microwork.quality.aggregation.categorical import Encoded, encode_indices


class AnswerColumns:
    """Interned ids and integer columns of (worker, task, label) answers, in arrival order."""

    def __init__(self) -> None:
        self.workers: dict[Hashable, int] = {}
        self.tasks: dict[Hashable, int] = {}
        self.labels: dict[Hashable, int] = {}
        # Worker, task and label indices into the dicts above, one entry per answer. A reader
        # in a hurry may append to them directly, with indices it put in the dicts.
        self.index_columns = (array("i"), array("i"), array("i"))
        self._kept: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.dropped_duplicates = 0

    def __len__(self) -> int:
        """The number of answers kept (after `deduplicate()`, without the duplicates)."""
        return len(self._kept[0]) if self._kept is not None else len(self.index_columns[0])

    def add(self, worker: Hashable, task: Hashable, label: Hashable) -> None:
        w = self.workers.setdefault(worker, len(self.workers))
        t = self.tasks.setdefault(task, len(self.tasks))
        label_index = self.labels.setdefault(label, len(self.labels))
        self._kept = None
        workers, tasks, labels = self.index_columns
        workers.append(w)
        tasks.append(t)
        labels.append(label_index)

    def deduplicate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (worker, task, label) index columns with one answer per worker and task, the last
        one given, in arrival order; sets `dropped_duplicates`."""
        if self._kept is None:
            workers, tasks, labels = (np.frombuffer(c, dtype=np.int32) for c in self.index_columns)
            key = tasks.astype(np.int64) * max(len(self.workers), 1) + workers
            # np.unique returns each key's first position; on the reversed keys, the last one.
            _, last = np.unique(key[::-1], return_index=True)
            del key
            if len(last) == len(workers):
                self._kept = (workers, tasks, labels)
            else:
                keep = np.sort(len(workers) - 1 - last)
                self._kept = (workers[keep], tasks[keep], labels[keep])
            self.dropped_duplicates = len(workers) - len(last)
        return self._kept

    def labels_on_one_task(self) -> tuple[int, int]:
        """(distinct labels given, how many of them are given on a single task only). A
        class label recurs across tasks; free text (a transcription, a translation) is mostly
        a string no other task receives."""
        _workers, tasks, labels = self.deduplicate()
        pairs = np.unique(labels.astype(np.int64) * max(len(self.tasks), 1) + tasks)
        tasks_per_label = np.bincount(pairs // max(len(self.tasks), 1))
        given = tasks_per_label[tasks_per_label > 0]
        return len(given), int((given == 1).sum())

    def triples(self) -> Iterator[tuple[Hashable, Hashable, Hashable]]:
        """The kept answers as (worker, task, label) values, in arrival order."""
        workers, tasks, labels = self.deduplicate()
        worker_of, task_of, label_of = (list(d) for d in (self.workers, self.tasks, self.labels))
        for w, t, label in zip(workers.tolist(), tasks.tolist(), labels.tolist(), strict=True):
            yield worker_of[w], task_of[t], label_of[label]

    def encoded(self, gold: dict | None = None) -> Encoded:
        """The kept answers encoded for the categorical methods (`aggregate(encoded, ...)`).

        Tasks and workers keep their order of first appearance; a label that survives only in
        a dropped duplicate is not a class.
        """
        workers, tasks, labels = self.deduplicate()
        return encode_indices(
            workers,
            tasks,
            labels,
            workers_list=list(self.workers),
            tasks_list=list(self.tasks),
            labels_list=list(self.labels),
            gold=gold,
        )
