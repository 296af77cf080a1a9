"""Quality's answers to the events and hooks of the apps below it, wired in apps.py.

- The accept gate (work/events.py): blocks, requirements and the gold mixing rate, read in the
  claim's one statement of facts, and the refusal with its reason in words.
- After a submit, in its transaction: the project's rules, then dynamic overlap.
- The upload's gold tasks get the requester's `workers_per_gold_task`.
"""

from microwork.quality import overlap, rules, selectors, services
from microwork.work.events import AcceptGate, AssignmentSubmitted


def _check_accept(*, worker, project, facts) -> None:
    gate = (
        None if facts is None else {name: bool(facts[name]) for name in selectors.ACCEPT_GATE_NAMES}
    )
    services.ensure_can_accept(worker=worker, project=project, gate=gate)


ACCEPT_GATE = AcceptGate(
    columns=selectors.ACCEPT_GATE_COLUMNS,
    params=selectors.accept_gate_params,
    check=_check_accept,
)


def accept_gate() -> AcceptGate:
    return ACCEPT_GATE


def submit_annotations() -> dict:
    # Read with the locked row, so a project with no active rule costs the submit no query.
    return {"project_has_active_rules": rules.active_rules_exist()}


def rules_after_submit(event: AssignmentSubmitted) -> None:
    locked = event.assignment
    services.rules_after_submit(
        assignment=locked,
        has_active_rules=getattr(locked, "project_has_active_rules", True),
    )


def overlap_after_submit(event: AssignmentSubmitted) -> None:
    # Stop the task or give it one more slot (locks the task row).
    locked = event.assignment
    overlap.task_overlap_after_submit(
        task_id=locked.task_id, project=locked.task.batch.project, now=event.now
    )
