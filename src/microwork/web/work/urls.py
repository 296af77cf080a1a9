from django.urls import path

from microwork.web.work import views

app_name = "work"
urlpatterns = [
    path("", views.marketplace, name="marketplace"),
    path("projects/<str:public_id>/", views.project_preview, name="project-preview"),
    path(
        "projects/<str:public_id>/frame/",
        views.project_preview_frame,
        name="project-preview-frame",
    ),
    path("projects/<str:public_id>/accept/", views.project_accept, name="project-accept"),
    path("assignments/<str:public_id>/", views.assignment_detail, name="assignment-detail"),
    path("assignments/<str:public_id>/frame/", views.assignment_frame, name="assignment-frame"),
    path("assignments/<str:public_id>/return/", views.assignment_return, name="assignment-return"),
    path(
        "assignments/<str:public_id>/active-time/",
        views.assignment_active_time,
        name="assignment-active-time",
    ),
    path("assignments/<str:public_id>/state/", views.assignment_state, name="assignment-state"),
    path("submit/", views.submit, name="submit"),
    path("history/", views.history, name="history"),
]
