"""The output structures of the MTurk API (reference §2.3): numbers as JSON numbers, times as
epoch seconds, money as "0.50", every field clients index present."""

from datetime import timedelta

from microwork.common.money import format_amount
from microwork.mturk import selectors
from microwork.mturk.models import HitState
from microwork.projects import questions
from microwork.quality.enums import MTURK_ID_FOR
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.selectors import assignment_state_due


def epoch(moment) -> float | None:
    return None if moment is None else round(moment.timestamp(), 3)


def requirement_shape(requirement) -> dict:
    shape = {
        "QualificationTypeId": (
            requirement.qualification_type.public_id
            if requirement.qualification_type_id is not None
            else MTURK_ID_FOR[requirement.system_key]
        ),
        "Comparator": requirement.comparator,
        "ActionsGuarded": requirement.actions_guarded,
    }
    if requirement.integer_values:
        shape["IntegerValues"] = list(requirement.integer_values)
    if requirement.locale_values:
        shape["LocaleValues"] = list(requirement.locale_values)
    if requirement.required_to_preview is not None:
        shape["RequiredToPreview"] = requirement.required_to_preview
    return shape


def hit_shape(task) -> dict:
    """A HIT from a task annotated by selectors.hits()."""
    project = task.batch.project
    try:
        state = task.mturk_state
    except HitState.DoesNotExist:
        state = None
    question = task.input.get(questions.QUESTION_INPUT, "") if isinstance(task.input, dict) else ""
    shape = {
        "HITId": task.public_id,
        "HITTypeId": project.public_id,
        "HITGroupId": project.public_id,
        "CreationTime": epoch(task.batch.published_at or task.created_at),
        "Title": project.title,
        "Description": project.description,
        "Question": question,
        "HITStatus": selectors.hit_status(task, state=state),
        "MaxAssignments": task.max_assignments,
        "Reward": format_amount(project.reward_cents),
        "AutoApprovalDelayInSeconds": project.auto_approval_delay_seconds,
        "Expiration": epoch(task.batch.expires_at),
        "AssignmentDurationInSeconds": project.time_allotted_seconds,
        "QualificationRequirements": [
            requirement_shape(requirement)
            for requirement in project.requirements.select_related("qualification_type")
        ],
        "HITReviewStatus": "NotReviewed",
        "NumberOfAssignmentsPending": task.pending,
        "NumberOfAssignmentsAvailable": selectors.available(task),
        "NumberOfAssignmentsCompleted": task.completed,
    }
    if project.keywords:
        shape["Keywords"] = project.keywords
    if state is not None and state.requester_annotation:
        shape["RequesterAnnotation"] = state.requester_annotation
    return shape


def assignment_shape(assignment) -> dict:
    """An assignment as MTurk reports it: one past its AutoApprovalTime is Approved, at that
    time, as MTurk approves it, whether or not the sweep has written the approval down yet."""
    project = assignment.task.batch.project
    state = getattr(assignment, "api_state", None) or assignment_state_due(assignment)
    is_approval_due = state != assignment.state
    shape = {
        "AssignmentId": assignment.public_id,
        "WorkerId": assignment.worker.worker_id,
        "HITId": assignment.task.public_id,
        "AssignmentStatus": ANSWERED_STATES[AssignmentState(state)],
        "AcceptTime": epoch(assignment.accepted_at),
        "SubmitTime": epoch(assignment.submitted_at),
        "Deadline": epoch(
            assignment.accepted_at + timedelta(seconds=project.time_allotted_seconds)
        ),
        "Answer": questions.answers_xml(
            assignment.answers, assignment.task.input.get(questions.QUESTION_INPUT, "")
        ),
    }
    if assignment.auto_approval_due_at is not None:
        shape["AutoApprovalTime"] = epoch(assignment.auto_approval_due_at)
    if state == AssignmentState.APPROVED:
        # An automatic approval is dated at its due time (work.services), before or after the
        # sweep: the time does not move when it is written down.
        reviewed_at = assignment.auto_approval_due_at if is_approval_due else assignment.reviewed_at
        shape["ApprovalTime"] = epoch(reviewed_at)
    if state == AssignmentState.REJECTED:
        shape["RejectionTime"] = epoch(assignment.reviewed_at)
    if assignment.feedback:
        shape["RequesterFeedback"] = assignment.feedback
    return shape


def qualification_type_shape(qualification_type, *, is_owner: bool) -> dict:
    shape = {
        "QualificationTypeId": qualification_type.public_id,
        "CreationTime": epoch(qualification_type.created_at),
        "Name": qualification_type.name,
        "Description": qualification_type.description,
        "QualificationTypeStatus": qualification_type.status,
        "IsRequestable": qualification_type.is_requestable,
        "AutoGranted": qualification_type.auto_granted,
    }
    if qualification_type.keywords:
        shape["Keywords"] = qualification_type.keywords
    if qualification_type.auto_granted:
        shape["AutoGrantedValue"] = qualification_type.auto_granted_value
    if qualification_type.retry_delay_seconds is not None:
        shape["RetryDelayInSeconds"] = qualification_type.retry_delay_seconds
    if qualification_type.test:
        shape["Test"] = qualification_type.test
        shape["TestDurationInSeconds"] = qualification_type.test_duration_seconds
    if is_owner and qualification_type.answer_key:
        shape["AnswerKey"] = qualification_type.answer_key
    return shape


def qualification_shape(grant) -> dict:
    shape = {
        "QualificationTypeId": grant.qualification_type.public_id,
        "WorkerId": grant.worker.worker_id,
        "GrantTime": epoch(grant.granted_at),
        "Status": grant.status,
    }
    if grant.locale_country:
        locale = {"Country": grant.locale_country}
        if grant.locale_subdivision:
            locale["Subdivision"] = grant.locale_subdivision
        shape["LocaleValue"] = locale
    elif grant.integer_value is not None:
        shape["IntegerValue"] = grant.integer_value
    return shape


def bonus_shape(bonus) -> dict:
    return {
        "WorkerId": bonus.assignment.worker.worker_id,
        "BonusAmount": format_amount(bonus.amount_cents),
        "AssignmentId": bonus.assignment.public_id,
        "Reason": bonus.reason,
        "GrantTime": epoch(bonus.created_at),
    }


def block_shape(block) -> dict:
    return {"WorkerId": block.worker.worker_id, "Reason": block.reason}
