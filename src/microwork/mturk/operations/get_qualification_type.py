from microwork.mturk import errors, shapes
from microwork.mturk.operations import _qualification
from microwork.quality.models import QualificationType


def run(requester, params) -> dict:
    type_id = params.entity_id("QualificationTypeId")
    system = _qualification.system_type_shape(type_id)
    if system is not None:
        return {"QualificationType": system}
    qualification_type = QualificationType.objects.filter(
        public_id=type_id, deleted_at__isnull=True
    ).first()
    if qualification_type is None or (
        qualification_type.owner_id != requester.pk and not qualification_type.is_requestable
    ):
        raise errors.qualification_type_does_not_exist(type_id)
    return {
        "QualificationType": shapes.qualification_type_shape(
            qualification_type, is_owner=qualification_type.owner_id == requester.pk
        )
    }
