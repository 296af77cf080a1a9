from django.urls import path

from microwork.web.quality import qualification_tests as tests
from microwork.web.quality import views

app_name = "quality"
urlpatterns = [
    path("types/", views.type_list, name="type-list"),
    path("types/new/", views.type_create, name="type-create"),
    path("types/<str:public_id>/", views.type_detail, name="type-detail"),
    path("types/<str:public_id>/edit/", views.type_edit, name="type-edit"),
    path("types/<str:public_id>/delete/", views.type_delete, name="type-delete"),
    path("types/<str:public_id>/grant/", views.type_grant, name="type-grant"),
    path("types/<str:public_id>/revoke/", views.type_revoke, name="type-revoke"),
    path("types/<str:public_id>/requests/", tests.type_requests, name="type-requests"),
    path("types/<str:public_id>/test/", tests.type_test, name="type-test"),
    path("requests/<str:public_id>/accept/", tests.request_accept, name="request-accept"),
    path("requests/<str:public_id>/reject/", tests.request_reject, name="request-reject"),
    path("earn/", tests.earn_list, name="earn-list"),
    path("earn/<str:public_id>/", tests.earn_detail, name="earn-detail"),
    path("earn/<str:public_id>/request/", tests.earn_request, name="earn-request"),
    path("attempts/<str:public_id>/", tests.attempt_detail, name="attempt-detail"),
    path("attempts/<str:public_id>/submit/", tests.attempt_submit, name="attempt-submit"),
    path("workers/<str:worker_id>/", views.requester_worker_detail, name="requester-worker-detail"),
    path("workers/<str:worker_id>/block/", views.worker_block, name="worker-block"),
    path("workers/<str:worker_id>/unblock/", views.worker_unblock, name="worker-unblock"),
    path(
        "projects/<int:pk>/requirements/",
        views.project_requirements,
        name="project-requirements",
    ),
    path("projects/<int:pk>/quality/", views.project_quality, name="project-quality"),
    path("projects/<int:pk>/gold/", views.project_gold, name="project-gold"),
    path(
        "projects/<int:pk>/confidence-target/",
        views.project_confidence_target,
        name="project-confidence-target",
    ),
    path("projects/<int:pk>/rules/", views.rule_create, name="rule-create"),
    path(
        "projects/<int:pk>/rules/<int:rule_pk>/disable/",
        views.rule_disable,
        name="rule-disable",
    ),
    path(
        "projects/<int:pk>/rule-actions/<int:action_pk>/lift/",
        views.rule_action_lift,
        name="rule-action-lift",
    ),
    path("projects/<int:pk>/workers/", views.project_workers, name="project-workers"),
    path("standing/", views.worker_standing, name="worker-standing"),
    path("batches/<int:pk>/", views.batch_quality, name="batch-quality"),
    path(
        "batches/<int:pk>/doubtful/more/",
        views.batch_doubtful_more,
        name="batch-doubtful-more",
    ),
    path(
        "batches/<int:pk>/aggregation/",
        views.batch_aggregation_request,
        name="batch-aggregation-request",
    ),
    path(
        "batches/<int:pk>/aggregated.<str:file_format>",
        views.batch_export,
        name="batch-export",
    ),
]
