from microwork.mturk import lookups, shapes
from microwork.mturk.models import ReviewPolicy

LEVELS = ("Assignment", "HIT")


def _report(policy: ReviewPolicy, *, results: bool, actions: bool) -> dict:
    report = {}
    if results:
        report["ReviewResults"] = [
            {
                "ActionId": "",
                "SubjectId": row.subject_id,
                "SubjectType": row.subject_type,
                "QuestionId": row.question_id,
                "Key": row.key,
                "Value": row.value,
            }
            for row in policy.results.all()
        ]
    if actions:
        report["ReviewActions"] = [
            {
                "ActionId": str(row.pk),
                "ActionName": row.name,
                "TargetId": row.target_id.split(":")[0],
                "TargetType": row.target_type,
                "Status": row.status,
                **({"CompleteTime": shapes.epoch(row.completed_at)} if row.completed_at else {}),
                "Result": row.result,
                **({"ErrorCode": row.error_code} if row.error_code else {}),
            }
            for row in policy.actions.all()
        ]
    return report


def run(requester, params) -> dict:
    """Every result and action of the HIT's policies in one page: a HIT's review holds a few
    rows per assignment, so NextToken is never needed (MaxResults is checked, not used)."""
    task = lookups.hit(requester, params.entity_id("HITId"), disposed=True)
    levels = params.string_list("PolicyLevels", required=False, choices=LEVELS) or list(LEVELS)
    results = params.boolean("RetrieveResults", default=False)
    actions = params.boolean("RetrieveActions", default=False)
    params.integer("MaxResults", required=False, minimum=1, maximum=100)
    params.string("NextToken", required=False, max_length=255)
    answer = {"HITId": task.public_id}
    for policy in ReviewPolicy.objects.filter(task=task, level__in=levels):
        answer[f"{policy.level}ReviewPolicy"] = {
            "PolicyName": policy.name,
            "Parameters": policy.parameters,
        }
        answer[f"{policy.level}ReviewReport"] = _report(policy, results=results, actions=actions)
    return answer
