"""Stored aggregations: a large batch's labels and agreement report, computed by a background
job (quality/jobs.py) instead of inside a request, and read back by the downloads, the batch
quality page and the project's workers page (docs/quality-aggregation.md).

A batch with fewer answers than settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS is aggregated
in the request, as before. From that size, a page reads `batch_aggregation_status()`: the
batch's fingerprint (what the aggregation is computed from) is read, and a stored result with
the same fingerprint is served; otherwise the page says where the computation stands, offering
the last result with its date meanwhile. A page never writes: the computation is queued by the
requester's POST (`batch_aggregation_request()`, the page's button).

The stored result holds exactly what the synchronous path computes (exports.aggregate_fields
and the report built from the same labels), and the tasks' inputs are read live in both, so a
download is byte-identical whichever path produced it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Project, Task
from microwork.quality import agreement
from microwork.quality.aggregation.batch import AGGREGATED_STATES, _answers, _hashable
from microwork.quality.agreement import (
    Confusion,
    FieldReport,
    Rate,
    WorkerStats,
    batch_worker_stats,
    field_report,
)
from microwork.quality.exports import CATEGORICAL, ExportField, aggregate_fields, export_fields
from microwork.quality.gold import batch_gold
from microwork.quality.models import IN_PROGRESS, BatchAggregation, BatchAggregationState
from microwork.quality.rules import answer_weights
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

logger = logging.getLogger(__name__)

# Part of every fingerprint: bump it when a change to the methods or to the stored format
# makes earlier results differ from what a computation now would give.
# 2: a task gets only a label some worker gave it, a lone answer its worker's record (#20).
# 3: the default is `auto`, the model chosen per batch (#20).
FORMAT_VERSION = 3
# A computation still "running" this long after it started is taken as lost (its job worker
# stopped mid-way): a page shows it as failed, and the next write that queues one marks it
# failed (_mark_lost) so that a new one can start.
LOST_AFTER = timedelta(hours=2)
LOST_ERROR = "The computation stopped without finishing (was the job worker stopped?)."
# A computation queued this long without starting: the page suggests starting a job worker.
WAITING_HINT_AFTER = timedelta(minutes=1)
ERROR_SHOWN = 2000
STORAGE_FOLDER = "aggregations"


# --- the inputs of an aggregation ----------------------------------------------------------


def batch_fingerprint(batch: Batch, method: str) -> tuple[str, int]:
    """(fingerprint, number of answers aggregated) of `batch` by `method`.

    The fingerprint changes whenever a computation could give another result: an answer
    submitted, approved or rejected (counts and latest times), a task or gold task added, the
    task template's configuration, a live rule weight (LOWER_WEIGHT actions), the method, or
    FORMAT_VERSION. Two indexed aggregate queries, however large the batch.
    """
    answers = Assignment.objects.filter(task__batch=batch).aggregate(
        answered=Count("pk", filter=Q(state__in=AGGREGATED_STATES)),
        rejected=Count("pk", filter=Q(state=AssignmentState.REJECTED)),
        last_submitted=Max("submitted_at"),
        last_reviewed=Max("reviewed_at"),
    )
    tasks = Task.objects.filter(batch=batch).aggregate(
        n=Count("pk"), gold=Count("pk", filter=Q(gold__isnull=False))
    )
    project = batch.project
    parts = [
        FORMAT_VERSION,
        method,
        answers["answered"],
        answers["rejected"],
        answers["last_submitted"] and answers["last_submitted"].isoformat(),
        answers["last_reviewed"] and answers["last_reviewed"].isoformat(),
        tasks["n"],
        tasks["gold"],
        project.template_kind,
        project.template_config,
        sorted(answer_weights(project=project).items()),
    ]
    encoded = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest(), answers["answered"]


# --- asking for one ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredStatus:
    """Where a batch's aggregation by one method stands, for a page to show.

    `is_synchronous`: the batch is small, aggregate it in the request; nothing else is set.
    Otherwise `n_answers` is the number of answers it aggregates now, `current` the
    computation of the batch's present inputs (done, queued, running or failed; None when
    none was asked for since the answers last changed), `in_progress` the computation queued
    or running, if any, `latest` the newest finished result, fresh or not, and `lost` a
    computation still marked running LOST_AFTER after it started: read as failed, not in
    progress, though only a write marks it so (_mark_lost).
    """

    is_synchronous: bool
    n_answers: int = 0
    current: BatchAggregation | None = None
    in_progress: BatchAggregation | None = None
    latest: BatchAggregation | None = None
    lost: BatchAggregation | None = None

    @property
    def is_fresh(self) -> bool:
        return self.current is not None and self.current.is_done

    @property
    def failure(self) -> BatchAggregation | None:
        """The computation of the present inputs, when it failed or was lost."""
        current = self.current
        if current is not None and (current.is_failed or current == self.lost):
            return current
        return None

    @property
    def failed_at(self) -> datetime | None:
        """When the failure happened; for a lost computation, when it was taken as lost."""
        failure = self.failure
        if failure is None:
            return None
        return failure.started_at + LOST_AFTER if failure == self.lost else failure.computed_at

    @property
    def error(self) -> str:
        failure = self.failure
        if failure is None:
            return ""
        return LOST_ERROR if failure == self.lost else failure.error

    @property
    def is_stale(self) -> bool:
        """A result exists, but the batch's inputs changed since it was computed."""
        return self.latest is not None and not self.is_fresh

    @property
    def is_waiting_for_worker(self) -> bool:
        row = self.in_progress
        return (
            row is not None
            and row.state == BatchAggregationState.QUEUED
            and timezone.now() - row.queued_at > WAITING_HINT_AFTER
        )


def batch_aggregation_status(*, batch: Batch, method: str) -> StoredStatus:
    """The batch's StoredStatus: reads only, so a page can show it on a GET."""
    fingerprint, n_answers = batch_fingerprint(batch, method)
    if n_answers < settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS:
        return StoredStatus(is_synchronous=True)
    return _status(batch, method, fingerprint, n_answers)


def _status(batch: Batch, method: str, fingerprint: str, n_answers: int) -> StoredStatus:
    rows = BatchAggregation.objects.filter(batch=batch, method=method)
    in_progress = rows.filter(state__in=IN_PROGRESS).first()
    lost = None
    if (
        in_progress is not None
        and in_progress.state == BatchAggregationState.RUNNING
        and in_progress.started_at < timezone.now() - LOST_AFTER
    ):
        in_progress, lost = None, in_progress
    return StoredStatus(
        is_synchronous=False,
        n_answers=n_answers,
        current=rows.filter(fingerprint=fingerprint).first(),
        in_progress=in_progress,
        latest=rows.filter(state=BatchAggregationState.DONE)
        .order_by("-computed_at", "-pk")
        .first(),
        lost=lost,
    )


def batch_aggregation_request(*, batch: Batch, method: str) -> StoredStatus:
    """The write behind a page's button ("Compute the aggregation", "Try again"): queue a
    computation of the batch's present inputs when it has none (batch_aggregation_obtain), or
    queue its failed or lost one again (batch_aggregation_retry). Nothing when the batch is
    small, its result fresh, or a computation in progress. The StoredStatus after."""
    status = batch_aggregation_obtain(batch=batch, method=method)
    if status.failure is None:
        return status
    batch_aggregation_retry(batch=batch, method=method)
    return batch_aggregation_status(batch=batch, method=method)


def batch_aggregation_obtain(*, batch: Batch, method: str) -> StoredStatus:
    """The batch's StoredStatus, after queueing a computation of its present inputs when it is
    large, has none and no other computation of it is in progress. A write: a page reads
    batch_aggregation_status() instead.

    Two requests never queue two computations of the same batch and method: the row is
    inserted under two unique constraints (same inputs; one in progress per batch and method),
    and only the request whose insert succeeded queues the job, after its commit.
    """
    fingerprint, n_answers = batch_fingerprint(batch, method)
    if n_answers < settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS:
        return StoredStatus(is_synchronous=True)
    rows = BatchAggregation.objects.filter(batch=batch, method=method)
    if not rows.filter(fingerprint=fingerprint).exists():
        with transaction.atomic():
            _mark_lost(batch, method)
            try:
                with transaction.atomic():
                    row = BatchAggregation.objects.create(
                        batch=batch, method=method, fingerprint=fingerprint, n_answers=n_answers
                    )
            except IntegrityError:
                pass  # the same inputs, or another computation in progress: it is theirs
            else:
                transaction.on_commit(partial(_queue_job, row.pk))
    return _status(batch, method, fingerprint, n_answers)


def batch_aggregation_retry(*, batch: Batch, method: str) -> BatchAggregation | None:
    """Queue again the failed computation of the batch's present inputs; None when there is
    none, or another computation is in progress."""
    fingerprint, _n = batch_fingerprint(batch, method)
    with transaction.atomic():
        _mark_lost(batch, method)
        row = (
            BatchAggregation.objects.select_for_update()
            .filter(
                batch=batch,
                method=method,
                fingerprint=fingerprint,
                state=BatchAggregationState.FAILED,
            )
            .first()
        )
        if row is None:
            return None
        row.state = BatchAggregationState.QUEUED
        row.queued_at, row.started_at, row.computed_at, row.error = timezone.now(), None, None, ""
        try:
            with transaction.atomic():
                row.save(update_fields=["state", "queued_at", "started_at", "computed_at", "error"])
        except IntegrityError:
            return None
        transaction.on_commit(partial(_queue_job, row.pk))
    return row


def _mark_lost(batch: Batch, method: str) -> None:
    BatchAggregation.objects.filter(
        batch=batch,
        method=method,
        state=BatchAggregationState.RUNNING,
        started_at__lt=timezone.now() - LOST_AFTER,
    ).update(state=BatchAggregationState.FAILED, computed_at=timezone.now(), error=LOST_ERROR)


@db_task()
def batch_aggregation_job(aggregation_id: int) -> str | None:
    """The job (the queue runs it; quality/jobs.py names it for `microwork worker`): compute a
    large batch's stored aggregation. Queued after the commit of the row that asks for it, it
    does nothing unless that row is still queued, so a job delivered twice computes once."""
    aggregation = batch_aggregation_compute(aggregation_id=aggregation_id)
    return None if aggregation is None else aggregation.state


def _queue_job(aggregation_id: int) -> None:
    try:
        batch_aggregation_job(aggregation_id)
    except Exception as error:
        # The queue unreachable (PostgreSQL's huey tables not created yet, Redis down): say so
        # on the page rather than leave the computation queued for ever.
        logger.exception("could not queue aggregation %s", aggregation_id)
        BatchAggregation.objects.filter(
            pk=aggregation_id, state=BatchAggregationState.QUEUED
        ).update(
            state=BatchAggregationState.FAILED,
            computed_at=timezone.now(),
            error=f"The job queue could not be reached: {error}"[:ERROR_SHOWN],
        )


# --- computing one (the job) ---------------------------------------------------------------


def batch_aggregation_compute(*, aggregation_id: int) -> BatchAggregation | None:
    """Compute and store the queued aggregation `aggregation_id`; None when it is not queued
    (already taken by another worker, done, or gone), so running the job twice is harmless.

    A failure is recorded on the row (state failed, the error) for the requester to see. The
    computation itself runs outside any transaction: on SQLite a transaction would hold the
    write lock, and answers keep arriving during a long computation.
    """
    with transaction.atomic():
        row = (
            BatchAggregation.objects.select_for_update()
            .filter(pk=aggregation_id, state=BatchAggregationState.QUEUED)
            .first()
        )
        if row is None:
            return None
        batch = Batch.objects.select_related("project").get(pk=row.batch_id)
        # Answers may have come in since it was queued: label the result with the inputs it
        # is computed from, unless another row already holds those (then it stays as asked,
        # and is only ever shown as a dated earlier result).
        fingerprint, n_answers = batch_fingerprint(batch, row.method)
        if fingerprint != row.fingerprint and not (
            BatchAggregation.objects.filter(
                batch=batch, method=row.method, fingerprint=fingerprint
            ).exists()
        ):
            row.fingerprint, row.n_answers = fingerprint, n_answers
        row.state, row.started_at = BatchAggregationState.RUNNING, timezone.now()
        row.save(update_fields=["fingerprint", "n_answers", "state", "started_at"])
    try:
        name = _write_result(batch, row)
    except Exception as error:
        logger.exception("aggregation %s of batch %s failed", row.pk, batch.pk)
        BatchAggregation.objects.filter(pk=row.pk, state=BatchAggregationState.RUNNING).update(
            state=BatchAggregationState.FAILED,
            computed_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:ERROR_SHOWN],
        )
        row.refresh_from_db()
        return row
    private = storages["private"]
    with transaction.atomic():
        finished = BatchAggregation.objects.filter(
            pk=row.pk, state=BatchAggregationState.RUNNING
        ).update(state=BatchAggregationState.DONE, result_name=name, computed_at=timezone.now())
        if not finished:  # taken as lost meanwhile
            transaction.on_commit(partial(private.delete, name))
        else:
            # Only the newest result is kept; earlier ones (stale by now) and their files go.
            older = (
                BatchAggregation.objects.filter(batch=batch, method=row.method)
                .exclude(pk=row.pk)
                .exclude(state__in=IN_PROGRESS)
            )
            names = [n for n in older.values_list("result_name", flat=True) if n]
            older.delete()
            transaction.on_commit(partial(_delete_files, names))
    row.refresh_from_db()
    return row


def _delete_files(names: list[str]) -> None:
    private = storages["private"]
    for name in names:
        private.delete(name)


def _write_result(batch: Batch, row: BatchAggregation) -> str:
    """Aggregate `batch` as the synchronous path does and save it to the private storage.

    The file, gzipped JSON Lines: a header {"version", "fields", "report"}, then one line per
    task with a label in any field: [task public id, [[label, confidence, n_answers,
    agreement] or null, one per field]].
    """
    fields = export_fields(batch, method=row.method)
    aggregated = aggregate_fields(batch, fields)
    report = _report(batch, aggregated)
    task_ids = dict.fromkeys(task_id for _field, results in aggregated for task_id in results)
    with tempfile.TemporaryFile() as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=5) as out:
            header = {
                "version": FORMAT_VERSION,
                "batch": batch.pk,
                "method": row.method,
                "fingerprint": row.fingerprint,
                "fields": [[f.name, f.kind, f.method] for f in fields],
                "report": _report_to_json(report),
            }
            out.write(_json_line(header))
            for task_id in task_ids:
                values = [results.get(task_id) for _field, results in aggregated]
                out.write(_json_line([task_id, values]))
        spool.seek(0)
        name = f"{STORAGE_FOLDER}/batch-{batch.pk}/{row.method}-{row.fingerprint[:16]}.jsonl.gz"
        return storages["private"].save(name, File(spool, name=name))


def _json_line(value) -> bytes:
    # NumPy scalars (a count, a confidence) are written as the Python numbers they equal.
    return (json.dumps(value, ensure_ascii=False, default=_plain) + "\n").encode()


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


def _report(batch: Batch, aggregated: list[tuple[ExportField, dict]]) -> dict:
    """agreement.batch_report's figures, from labels already aggregated (not twice)."""
    reports, labels = [], {}
    for field, results in aggregated:
        if field.kind != CATEGORICAL:
            continue
        triples, _rows = _answers(batch, field.name)
        triples = [(w, t, _hashable(v)) for w, t, v in triples]
        gold = batch_gold(batch, field.name)
        for task_id, values in results.items():
            labels[(task_id, field.name)] = values[0]
        reports.append(field_report(field.name, triples, gold))
    return {"fields": reports, "workers": batch_worker_stats(batch, labels)}


def _report_to_json(report: dict) -> dict:
    return {
        "fields": [
            {
                "name": f.name,
                "alpha": f.alpha,
                "n_tasks": f.n_tasks,
                "n_answers": f.n_answers,
                "classes": f.confusion.classes,
                "counts": [
                    [right, list(given.items())] for right, given in f.confusion.counts.items()
                ],
            }
            for f in report["fields"]
        ],
        "workers": [
            [
                w.worker_id,
                [w.gold_accuracy.hits, w.gold_accuracy.n],
                [w.agreement.hits, w.agreement.n],
                w.median_seconds,
                w.timed,
                [w.rejection_rate.hits, w.rejection_rate.n],
            ]
            for w in report["workers"]
        ],
    }


def _report_from_json(data: dict) -> dict:
    return {
        "fields": [
            FieldReport(
                name=f["name"],
                alpha=f["alpha"],
                n_tasks=f["n_tasks"],
                n_answers=f["n_answers"],
                confusion=Confusion(
                    classes=[_hashable(label) for label in f["classes"]],
                    counts={
                        _hashable(right): {_hashable(label): n for label, n in given}
                        for right, given in f["counts"]
                    },
                ),
            )
            for f in data["fields"]
        ],
        "workers": [
            WorkerStats(
                worker_id=worker_id,
                gold_accuracy=Rate(*gold),
                agreement=Rate(*agreed),
                median_seconds=median,
                timed=timed,
                rejection_rate=Rate(*rejected),
            )
            for worker_id, gold, agreed, median, timed, rejected in data["workers"]
        ],
    }


# --- reading one back ----------------------------------------------------------------------


@dataclass
class StoredResult:
    aggregated: list[tuple[ExportField, dict]]  # as exports.aggregate_fields returns it
    report: dict  # as agreement.batch_report returns it


def stored_result(aggregation: BatchAggregation) -> StoredResult:
    """Read a finished aggregation's file back: the export's per-field results and the report."""
    with storages["private"].open(aggregation.result_name, "rb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="rb") as lines:
            header = json.loads(next(lines))
            fields = [ExportField(*spec) for spec in header["fields"]]
            results: list[dict] = [{} for _field in fields]
            for line in lines:
                task_id, values = json.loads(line)
                for index, value in enumerate(values):
                    if value is not None:
                        results[index][task_id] = tuple(value)
    return StoredResult(
        aggregated=list(zip(fields, results, strict=True)),
        report=_report_from_json(header["report"]),
    )


def stored_report(aggregation: BatchAggregation) -> dict:
    """A finished aggregation's agreement report alone: the file's first line."""
    with storages["private"].open(aggregation.result_name, "rb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="rb") as lines:
            return _report_from_json(json.loads(next(lines))["report"])


def categorical_labels(aggregation: BatchAggregation, *, tasks: set | None = None) -> dict:
    """{(task public id, field): label} of a finished aggregation's categorical fields, the
    labels the workers page compares answers with; of the tasks whose public ids are in
    `tasks` only, when given (those a page of workers answered)."""
    labels = {}
    with storages["private"].open(aggregation.result_name, "rb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="rb") as lines:
            fields = [ExportField(*spec) for spec in json.loads(next(lines))["fields"]]
            wanted = [(i, f.name) for i, f in enumerate(fields) if f.kind == CATEGORICAL]
            for line in lines:
                # A line is ["<task public id>", [values]] (_write_result) and public ids are
                # letters and digits (common.ids): a task not asked for is skipped unparsed,
                # the most of the cost on a page that needs a few thousand of 200,000.
                if tasks is not None and line[2 : line.index(b'"', 2)].decode() not in tasks:
                    continue
                task_id, values = json.loads(line)
                for index, name in wanted:
                    if values[index] is not None:
                        labels[(task_id, name)] = _hashable(values[index][0])
    return labels


def batch_labels(*, batch: Batch, method: str) -> dict | None:
    """{(task public id, field): aggregated label} of the batch's categorical fields, the
    labels its quality page compares answers with: aggregated in the request for a small
    batch; for a large one, its stored labels (the fresh ones, else the last), or None while
    none was ever computed. Reads only: it queues nothing."""
    status = batch_aggregation_status(batch=batch, method=method)
    if status.is_synchronous:
        return agreement.batch_labels(batch, method=method)
    shown = status.current if status.is_fresh else status.latest
    return categorical_labels(shown) if shown is not None else None


@dataclass(frozen=True)
class BatchAgreement:
    """A batch's agreement with its aggregated labels, for the requester's dashboard: `rate`
    (agreement.overall_agreement), or None with `is_pending` (a large batch whose aggregation
    was never computed) or `is_deferred` (a small batch left for its quality page to compute:
    the request had aggregated its share of answers already)."""

    rate: Rate | None = None
    is_pending: bool = False
    is_deferred: bool = False


def batches_agreement(*, batches: list[Batch], method: str, budget: int) -> list[BatchAgreement]:
    """The BatchAgreement of each of `batches`, in order. A large batch's comes from its stored
    report (the fresh one, else the last); small batches are aggregated here, as their quality
    page does, until `budget` answers have been, and the ones after are deferred. Reads only."""
    found = []
    for batch in batches:
        fingerprint, n_answers = batch_fingerprint(batch, method)
        if n_answers >= settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS:
            status = _status(batch, method, fingerprint, n_answers)
            shown = status.current if status.is_fresh else status.latest
            if shown is None:
                found.append(BatchAgreement(is_pending=True))
            else:
                workers = stored_report(shown)["workers"]
                found.append(BatchAgreement(rate=agreement.overall_agreement(workers)))
        elif (rate := cache.get(_agreement_key(batch, method, fingerprint))) is not None:
            found.append(BatchAgreement(rate=rate))
        elif n_answers > budget:
            found.append(BatchAgreement(is_deferred=True))
        else:
            budget -= n_answers
            labels = agreement.batch_labels(batch, method=method)
            rate = agreement.overall_agreement(batch_worker_stats(batch, labels))
            cache.set(_agreement_key(batch, method, fingerprint), rate, AGREEMENT_CACHE_SECONDS)
            found.append(BatchAgreement(rate=rate))
    return found


# A small batch's agreement, worked out in a request, is kept in the cache (not the database: a
# GET writes nothing) under the batch's fingerprint, which changes with any answer or review:
# the dashboard then aggregates a batch once per change, not on each visit.
AGREEMENT_CACHE_SECONDS = 3600


def _agreement_key(batch: Batch, method: str, fingerprint: str) -> str:
    return f"quality:agreement:{batch.pk}:{method}:{fingerprint}"


@dataclass(frozen=True)
class PendingBatch:
    batch: Batch
    status: StoredStatus


def project_stored_labels(
    *, project: Project, method: str, tasks: set | None = None
) -> tuple[dict, list[PendingBatch]]:
    """For the project's workers page: {batch id: labels} of its large batches (the fresh
    stored labels, else the last ones, else None while the first computation runs; small
    batches are left out, to aggregate in the request), and the large batches whose labels
    are not fresh, with their status. Reads only: it queues nothing (each pending batch's
    notice has the button that does). `tasks` (public ids) limits the labels read to those
    tasks' (categorical_labels)."""
    precomputed: dict = {}
    pending = []
    for batch in project.batches.exclude(status=BatchStatus.DRAFT).order_by("pk"):
        status = batch_aggregation_status(batch=batch, method=method)
        if status.is_synchronous:
            continue
        shown = status.current if status.is_fresh else status.latest
        precomputed[batch.pk] = (
            categorical_labels(shown, tasks=tasks) if shown is not None else None
        )
        if not status.is_fresh:
            pending.append(PendingBatch(batch=batch, status=status))
    return precomputed, pending


# --- what a download of the aggregated data set serves --------------------------------------


@dataclass(frozen=True)
class DatasetSource:
    """Where a download of a batch's aggregated data set comes from: `aggregated` (as
    exports.aggregate_fields returns it) read back from a stored result, or None with
    `pending` None for a small batch, aggregated by the writer in the request; or `pending`,
    the StoredStatus of a large batch whose result for its present inputs is not computed yet
    (the page or the API says where it stands, and writes nothing)."""

    aggregated: list[tuple[ExportField, dict]] | None = None
    pending: StoredStatus | None = None


def batch_dataset_source(
    *, batch: Batch, method: str, result_id: int | None = None
) -> DatasetSource:
    """The source of `batch`'s aggregated data set by `method`, for every door that serves it
    (the export page, the API): the finished stored aggregation `result_id` when it is one of
    this batch's by this method, else the fresh stored result of a large batch, else pending;
    a small batch is aggregated in the request. Reads only."""
    if result_id is not None:
        earlier = BatchAggregation.objects.filter(
            pk=result_id, batch=batch, method=method, state=BatchAggregationState.DONE
        ).first()
        if earlier is not None:
            return DatasetSource(aggregated=stored_result(earlier).aggregated)
    status = batch_aggregation_status(batch=batch, method=method)
    if status.is_synchronous:
        return DatasetSource()
    if status.is_fresh:
        return DatasetSource(aggregated=stored_result(status.current).aggregated)
    return DatasetSource(pending=status)
