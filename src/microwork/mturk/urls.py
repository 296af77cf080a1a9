from django.urls import path

from microwork.mturk import dispatch, files, views

app_name = "mturk"
urlpatterns = [
    path("", dispatch.endpoint, name="endpoint"),
    path("externalSubmit", views.external_submit, name="external-submit"),
    # turkSubmitTo for a HIT's page: the frame token in the path authorises its submission.
    path("t/<str:token>", views.submit_root, name="submit-root"),
    path("t/<str:token>/mturk/externalSubmit", views.external_submit, name="external-submit-token"),
    # GetFileUploadURL's short-lived signed address of a worker's uploaded file.
    path("files/<str:token>/", files.file_upload, name="file-upload"),
    path("keys/", views.key_list, name="key-list"),
    path("keys/<str:access_key_id>/revoke/", views.key_revoke, name="key-revoke"),
]
