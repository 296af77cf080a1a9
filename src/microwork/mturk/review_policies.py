"""MTurk's review policies, given with CreateHIT or CreateHITWithHITType and reported by
ListReviewPolicyResultsForHIT, run on the platform's own tools:

- `ScoreMyKnownAnswers/2011-09-01` (AssignmentReviewPolicy): the HIT's known answers are gold
  answers, scored as the platform scores gold (quality.gold.is_right: lists as sets, text
  ignoring case and surrounding spaces). At each submission: a KnownAnswerCorrect result per
  known question and a KnownAnswerScore (percent right); then the approval, rejection or extra
  assignment its thresholds ask for.
- `SimplePlurality/2011-09-01` (HITReviewPolicy): once every assignment of the HIT is in, each
  question's answers are counted as the platform's majority vote counts them (the same
  normalisation), giving a PluralityAnswer and an AgreementScore per question, the HIT's
  AgreementScore (percent of questions agreed at QuestionAgreementThreshold), and a
  WorkerAgreementScore per assignment; then the approvals, rejections or extension its
  thresholds ask for.

Results are written in the submission's transaction; actions run after its commit, each in a
transaction of its own, through the same services as ApproveAssignment, RejectAssignment and
CreateAdditionalAssignmentsForHIT, and are recorded Succeeded or Failed with the reason.
"""

from collections import Counter
from functools import partial

from django.db import transaction
from django.utils import timezone

from microwork.mturk import notifying
from microwork.mturk.errors import RequestError, out_of_range
from microwork.mturk.models import ReviewAction, ReviewPolicy, ReviewResult
from microwork.quality.gold import is_right
from microwork.work.enums import AssignmentState

SCORE_MY_KNOWN_ANSWERS = "ScoreMyKnownAnswers/2011-09-01"
SIMPLE_PLURALITY = "SimplePlurality/2011-09-01"
POLICIES = {"Assignment": SCORE_MY_KNOWN_ANSWERS, "HIT": SIMPLE_PLURALITY}
PARAMETERS = {
    SCORE_MY_KNOWN_ANSWERS: {
        "AnswerKey",
        "ApproveIfKnownAnswerScoreIsAtLeast",
        "ApproveReason",
        "RejectIfKnownAnswerScoreIsLessThan",
        "RejectReason",
        "ExtendIfKnownAnswerScoreIsLessThan",
        "ExtendMaximumAssignments",
        "ExtendMinimumTimeInSeconds",
    },
    SIMPLE_PLURALITY: {
        "QuestionIds",
        "QuestionAgreementThreshold",
        "DisregardAssignmentIfRejected",
        "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
        "ExtendIfHITAgreementScoreIsLessThan",
        "ExtendMaximumAssignments",
        "ExtendMinimumTimeInSeconds",
        "ApproveIfWorkerAgreementScoreIsAtLeast",
        "ApproveReason",
        "RejectIfWorkerAgreementScoreIsLessThan",
        "RejectReason",
    },
}
INTEGER_PARAMETERS = {
    "ApproveIfKnownAnswerScoreIsAtLeast",
    "RejectIfKnownAnswerScoreIsLessThan",
    "ExtendIfKnownAnswerScoreIsLessThan",
    "ExtendMaximumAssignments",
    "ExtendMinimumTimeInSeconds",
    "QuestionAgreementThreshold",
    "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
    "ExtendIfHITAgreementScoreIsLessThan",
    "ApproveIfWorkerAgreementScoreIsAtLeast",
    "RejectIfWorkerAgreementScoreIsLessThan",
}


def read(raw, level: str) -> list[dict] | None:
    """The parameters of an AssignmentReviewPolicy (level "Assignment") or HITReviewPolicy
    ("HIT"), checked; None when not given. RequestError names what is wrong."""
    name = f"{level}ReviewPolicy"
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("PolicyName"), str):
        raise out_of_range(name, "must be a structure with a PolicyName")
    if raw["PolicyName"] != POLICIES[level]:
        raise RequestError(
            f"{name} {raw['PolicyName']!r} is not supported by this server: it runs "
            f"{POLICIES[level]}.",
            "AWS.MechanicalTurk.UnsupportedOperation",
        )
    parameters = raw.get("Parameters") or []
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise out_of_range(f"{name}.Parameters", "must be a list of structures")
    allowed = PARAMETERS[raw["PolicyName"]]
    for parameter in parameters:
        key = parameter.get("Key")
        if key not in allowed:
            raise out_of_range(f"{name}.Parameters", f"has an unknown Key {key!r}")
        if key in INTEGER_PARAMETERS:
            values = parameter.get("Values") or []
            if len(values) != 1 or not str(values[0]).lstrip("-").isdigit():
                raise out_of_range(f"{name}.Parameters.{key}", "must be one whole number")
    if raw["PolicyName"] == SCORE_MY_KNOWN_ANSWERS and not _answer_key(parameters):
        raise out_of_range(f"{name}.Parameters.AnswerKey", "must hold at least one answer")
    return parameters


def attach(*, task, assignment_policy, hit_policy) -> None:
    """Keep the HIT's policies (read() already checked them)."""
    for level, parameters in (("Assignment", assignment_policy), ("HIT", hit_policy)):
        if parameters is not None:
            ReviewPolicy.objects.create(
                task=task, level=level, name=POLICIES[level], parameters=parameters
            )
            notifying.mark_hooked(project_id=task.batch.project_id)


def _values(parameters: list[dict], key: str) -> list[str]:
    for parameter in parameters:
        if parameter.get("Key") == key:
            return [str(value) for value in parameter.get("Values") or []]
    return []


def _integer(parameters: list[dict], key: str) -> int | None:
    values = _values(parameters, key)
    return int(values[0]) if values else None


def _answer_key(parameters: list[dict]) -> dict[str, list[str]]:
    for parameter in parameters:
        if parameter.get("Key") == "AnswerKey":
            return {
                str(entry.get("Key")): [str(value) for value in entry.get("Values") or []]
                for entry in parameter.get("MapEntries") or []
                if isinstance(entry, dict) and entry.get("Key")
            }
    return {}


def _given(answers: dict, question: str):
    value = (answers or {}).get(question)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _normal(value) -> str:
    """One answer as the plurality counts it: lists as sets, text ignoring case and spaces."""
    if isinstance(value, list | tuple):
        return "|".join(sorted(str(item).strip().casefold() for item in value))
    return str(value).strip().casefold()


def _result(policy, subject_id, subject_type, key, value, question_id="") -> None:
    ReviewResult.objects.create(
        policy=policy,
        subject_id=subject_id,
        subject_type=subject_type,
        question_id=question_id,
        key=key,
        value=str(value),
    )


def _action(policy, name: str, target_id: str, target_type: str, run) -> None:
    """Record the action Intended now; run it after the commit, in its own transaction."""
    action, created = ReviewAction.objects.get_or_create(
        policy=policy,
        name=name,
        target_id=target_id,
        defaults={"target_type": target_type, "status": "Intended"},
    )
    if created:
        transaction.on_commit(partial(_run_action, action.pk, run))


def _run_action(action_id: int, run) -> None:
    try:
        with transaction.atomic():
            result = run()
            ReviewAction.objects.filter(pk=action_id).update(
                status="Succeeded", result=result, completed_at=timezone.now()
            )
    except Exception as error:  # noqa: BLE001 - recorded for the requester, as MTurk does
        ReviewAction.objects.filter(pk=action_id).update(
            status="Failed",
            result=getattr(error, "message", str(error))[:1000],
            error_code=type(error).__name__[:64],
            completed_at=timezone.now(),
        )


def _approve(assignment_id: int, reason: str):
    from microwork.work import services as work
    from microwork.work.models import Assignment

    def run():
        assignment = Assignment.objects.select_related("task__batch__project").get(pk=assignment_id)
        work.assignment_approve(
            assignment=assignment,
            requester=assignment.task.batch.project.requester,
            feedback=reason,
        )
        return "Approved"

    return run


def _reject(assignment_id: int, reason: str):
    from microwork.work import services as work
    from microwork.work.models import Assignment

    def run():
        assignment = Assignment.objects.select_related("task__batch__project").get(pk=assignment_id)
        work.assignment_reject(
            assignment=assignment,
            requester=assignment.task.batch.project.requester,
            reason=reason or "Rejected by the HIT's review policy.",
        )
        return "Rejected"

    return run


def _extend(task_id: int, maximum: int | None):
    from microwork.mturk import services
    from microwork.projects.models import Task

    def run():
        task = Task.objects.get(pk=task_id)
        if maximum is not None and task.max_assignments >= maximum:
            return f"Not extended: the HIT has {task.max_assignments} assignments already."
        services.hit_add_assignments(task=task, count=1)
        return "Extended by 1 assignment"

    return run


def _score_known_answers(policy: ReviewPolicy, assignment) -> int:
    key = _answer_key(policy.parameters)
    right = 0
    for question, answers in key.items():
        given = _given(assignment.answers, question)
        correct = given is not None and any(is_right(given, answer) for answer in answers)
        right += correct
        _result(
            policy,
            assignment.public_id,
            "Assignment",
            "KnownAnswerCorrect",
            "true" if correct else "false",
            question,
        )
    score = right * 100 // len(key)
    _result(policy, assignment.public_id, "Assignment", "KnownAnswerScore", score)
    parameters = policy.parameters
    approve_at = _integer(parameters, "ApproveIfKnownAnswerScoreIsAtLeast")
    reject_under = _integer(parameters, "RejectIfKnownAnswerScoreIsLessThan")
    extend_under = _integer(parameters, "ExtendIfKnownAnswerScoreIsLessThan")
    if reject_under is not None and score < reject_under:
        reason = (_values(parameters, "RejectReason") or [""])[0]
        _action(
            policy, "reject", assignment.public_id, "Assignment", _reject(assignment.pk, reason)
        )
    elif approve_at is not None and score >= approve_at:
        reason = (_values(parameters, "ApproveReason") or [""])[0]
        _action(
            policy, "approve", assignment.public_id, "Assignment", _approve(assignment.pk, reason)
        )
    if extend_under is not None and score < extend_under:
        maximum = _integer(parameters, "ExtendMaximumAssignments")
        _action(
            policy,
            "extend",
            f"{assignment.task.public_id}:{assignment.public_id}",
            "HIT",
            _extend(assignment.task_id, maximum),
        )
    return score


def _plurality(policy: ReviewPolicy, task) -> None:
    parameters = policy.parameters
    assignments = list(
        task.assignments.filter(
            state__in=[
                AssignmentState.SUBMITTED,
                AssignmentState.APPROVED,
                AssignmentState.REJECTED,
            ]
        ).order_by("pk")
    )
    if _values(parameters, "DisregardAssignmentIfRejected") == ["true"]:
        assignments = [a for a in assignments if a.state != AssignmentState.REJECTED]
    if not assignments:
        return
    questions = _values(parameters, "QuestionIds") or sorted(
        {name for a in assignments for name in (a.answers or {})}
    )
    threshold = _integer(parameters, "QuestionAgreementThreshold") or 51
    plurality: dict[str, str] = {}
    agreed = 0
    for question in questions:
        counts = Counter(
            _normal(_given(a.answers, question))
            for a in assignments
            if _given(a.answers, question) is not None
        )
        if not counts:
            continue
        answer, count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        plurality[question] = answer
        score = count * 100 // len(assignments)
        _result(policy, task.public_id, "HIT", "PluralityAnswer", answer, question)
        _result(policy, task.public_id, "HIT", "AgreementScore", score, question)
        agreed += score >= threshold
    hit_score = agreed * 100 // len(questions) if questions else 0
    _result(policy, task.public_id, "HIT", "AgreementScore", hit_score)
    approve_at = _integer(parameters, "ApproveIfWorkerAgreementScoreIsAtLeast")
    reject_under = _integer(parameters, "RejectIfWorkerAgreementScoreIsLessThan")
    for assignment in assignments:
        matched = sum(
            _normal(_given(assignment.answers, question)) == answer
            for question, answer in plurality.items()
        )
        worker_score = matched * 100 // len(plurality) if plurality else 0
        _result(policy, assignment.public_id, "Assignment", "WorkerAgreementScore", worker_score)
        if assignment.state != AssignmentState.SUBMITTED:
            continue
        if reject_under is not None and worker_score < reject_under:
            reason = (_values(parameters, "RejectReason") or [""])[0]
            _action(
                policy, "reject", assignment.public_id, "Assignment", _reject(assignment.pk, reason)
            )
        elif approve_at is not None and worker_score >= approve_at:
            reason = (_values(parameters, "ApproveReason") or [""])[0]
            _action(
                policy,
                "approve",
                assignment.public_id,
                "Assignment",
                _approve(assignment.pk, reason),
            )
    extend_under = _integer(parameters, "ExtendIfHITAgreementScoreIsLessThan")
    if extend_under is not None and hit_score < extend_under:
        maximum = _integer(parameters, "ExtendMaximumAssignments")
        _action(
            policy,
            "extend",
            f"{task.public_id}:{len(assignments)}",
            "HIT",
            _extend(task.pk, maximum),
        )


def after_submit(event) -> None:
    """work's assignment_submitted: run the HIT's policies, if it has any (no query when its
    HIT type has none, one when the HIT has none)."""
    assignment = event.assignment
    if not assignment.task.batch.project.mturk_hooks:
        return  # no policy anywhere in this HIT type: no query
    policies = {p.level: p for p in ReviewPolicy.objects.filter(task_id=assignment.task_id)}
    if not policies:
        return
    if "Assignment" in policies:
        _score_known_answers(policies["Assignment"], assignment)
    if "HIT" in policies:
        from microwork.projects.models import Task

        task = Task.objects.get(pk=assignment.task_id)
        waiting = (
            task.open_slots > 0
            or task.assignments.filter(state=AssignmentState.ACCEPTED)
            .exclude(pk=assignment.pk)
            .exists()
        )
        if not waiting:
            _plurality(policies["HIT"], task)
