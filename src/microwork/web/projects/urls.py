from django.urls import path

from microwork.web.projects import tasktype_views, views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/preview/", views.template_preview, name="template-preview"),
    path("projects/preview/frame/", views.template_preview_frame, name="template-preview-frame"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/sample.csv", views.project_sample_csv, name="project-sample-csv"),
    path("projects/<int:pk>/batches/", views.batch_upload, name="batch-upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/publish/", views.batch_publish, name="batch-publish"),
    path("batches/<int:pk>/pause/", views.batch_pause, name="batch-pause"),
    path("batches/<int:pk>/resume/", views.batch_resume, name="batch-resume"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch-cancel"),
    path("batches/<int:pk>/preview/", views.batch_preview, name="batch-preview"),
    path("batches/<int:pk>/preview/frame/", views.batch_preview_frame, name="batch-preview-frame"),
    path("batches/<int:pk>/review/", views.batch_review, name="batch-review"),
    path("batches/<int:pk>/results.csv", views.batch_results_csv, name="batch-results-csv"),
    path("batches/<int:pk>/results.jsonl", views.batch_results_jsonl, name="batch-results-jsonl"),
    path("batches/<int:pk>/results.coco.json", views.batch_results_coco, name="batch-results-coco"),
    path(
        "answers/<str:public_id>/files/<str:field>/",
        tasktype_views.answer_file,
        name="answer-file",
    ),
]
