"""The HIT type members shared by CreateHITType and CreateHIT, validated (reference §2.4)."""

from django.core.exceptions import ValidationError

from microwork.mturk import services
from microwork.mturk.errors import RequestError, out_of_range
from microwork.projects.models import (
    MAX_AUTO_APPROVAL_SECONDS,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
)
from microwork.quality.enums import MAX_REQUIREMENTS_PER_PROJECT

REQUIREMENT_MEMBERS = {
    "QualificationTypeId",
    "Comparator",
    "IntegerValues",
    "LocaleValues",
    "RequiredToPreview",
    "ActionsGuarded",
}
# A refusal names the parameter the client sent, not the project's field it landed in.
PARAMETERS = {
    "title": "Title",
    "description": "Description",
    "keywords": "Keywords",
    "reward_cents": "Reward",
    "time_allotted_seconds": "AssignmentDurationInSeconds",
    "estimated_seconds": "AssignmentDurationInSeconds",
    "auto_approval_delay_seconds": "AutoApprovalDelayInSeconds",
}


def register(requester, params):
    """The project for the HIT type members of `params`, found or created."""
    reward = params.money("Reward")
    if reward < 1:
        # Any reward meets the pay floor for short enough work, and the floor tops it up on
        # measured time (adr 0011); a reward of 0 never does: refused before anything exists.
        raise out_of_range(
            "Reward", "must be at least 0.01: a reward of 0 never meets the pay floor"
        )
    raw_requirements = params.items("QualificationRequirements")
    if len(raw_requirements) > MAX_REQUIREMENTS_PER_PROJECT:
        raise out_of_range(
            "QualificationRequirements", f"must hold at most {MAX_REQUIREMENTS_PER_PROJECT} items"
        )
    for raw in raw_requirements:
        if set(raw) - REQUIREMENT_MEMBERS or "QualificationTypeId" not in raw:
            raise out_of_range("QualificationRequirements", "has an unknown or missing member")
    fields = {
        "title": params.string("Title", max_length=128, min_length=1),
        "description": params.string("Description", max_length=2000, min_length=1),
        "keywords": params.string("Keywords", required=False, max_length=1000) or "",
        "reward_cents": reward,
        "assignment_duration_seconds": params.integer(
            "AssignmentDurationInSeconds",
            minimum=MIN_DURATION_SECONDS,
            maximum=MAX_DURATION_SECONDS,
        ),
        "auto_approval_delay_seconds": params.integer(
            "AutoApprovalDelayInSeconds",
            required=False,
            minimum=0,
            maximum=MAX_AUTO_APPROVAL_SECONDS,
        ),
    }
    if fields["auto_approval_delay_seconds"] is None:
        fields["auto_approval_delay_seconds"] = services.DEFAULT_AUTO_APPROVAL_SECONDS
    try:
        requirements = [
            services.requirement_for_quality(raw, index, requester)
            for index, raw in enumerate(raw_requirements)
        ]
        return services.hit_type_register(
            requester=requester,
            requirements=requirements,
            raw_requirements=raw_requirements,
            **fields,
        )
    except ValidationError as error:
        raise RequestError(
            "; ".join(
                f"{PARAMETERS.get(key, key)}: {' '.join(value)}"
                for key, value in error.message_dict.items()
            )
            if hasattr(error, "error_dict")
            else "; ".join(error.messages),
            "AWS.ParameterOutOfRange",
        ) from None
