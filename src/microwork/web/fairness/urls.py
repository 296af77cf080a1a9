from django.urls import path

from microwork.web.fairness import views

app_name = "fairness"
urlpatterns = [
    path("dashboard/", views.worker_dashboard, name="worker-dashboard"),
    path("appeals/", views.worker_appeals, name="worker-appeals"),
    path(
        "appeals/rejection/<str:public_id>/",
        views.appeal_rejection,
        name="appeal-rejection",
    ),
    path("appeals/block/<int:requester_pk>/", views.appeal_block, name="appeal-block"),
    path(
        "appeals/rule-action/<int:action_pk>/",
        views.appeal_rule_action,
        name="appeal-rule-action",
    ),
    path("requester/appeals/", views.requester_appeals, name="requester-appeals"),
    path("requester/appeals/<str:public_id>/answer/", views.appeal_answer, name="appeal-answer"),
    path("staff/appeals/", views.staff_appeals, name="staff-appeals"),
    path("staff/appeals/<str:public_id>/decide/", views.appeal_arbitrate, name="appeal-arbitrate"),
    path("requesters/<int:pk>/", views.requester_profile, name="requester-profile"),
    path("requesters/<int:pk>/rate/", views.requester_rate, name="requester-rate"),
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/download.zip", views.my_data_download, name="my-data-download"),
    path("my-data/delete/", views.account_delete, name="account-delete"),
]
