from django.db.models import Q

from microwork.mturk import shapes
from microwork.mturk.operations import _qualification
from microwork.mturk.pagination import paginate
from microwork.quality.models import QualificationType


def run(requester, params) -> dict:
    query = params.string("Query", required=False, max_length=1000)
    must_be_requestable = params.boolean("MustBeRequestable", required=True)
    owned_only = params.boolean("MustBeOwnedByCaller", default=False)
    types = QualificationType.objects.filter(deleted_at__isnull=True)
    if owned_only:
        types = types.filter(owner=requester)
    else:
        # Others' types only when they are public (requestable) and active.
        types = types.filter(Q(owner=requester) | Q(is_requestable=True, status="Active"))
    if must_be_requestable:
        types = types.filter(is_requestable=True)
    if query:
        types = types.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(keywords__icontains=query)
        )
    # MTurk's system types come first, when neither flag excludes them (they are not requestable
    # and nobody owns them).
    system = [] if owned_only or must_be_requestable else _qualification.system_type_shapes(query)
    return paginate(
        types,
        params,
        result_key="QualificationTypes",
        shape=lambda item: shapes.qualification_type_shape(
            item, is_owner=item.owner_id == requester.pk
        ),
        scope=f"ListQualificationTypes:{query}:{must_be_requestable}:{owned_only}",
        leading=system,
    )
