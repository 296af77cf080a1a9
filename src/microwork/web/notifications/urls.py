from django.urls import path

from microwork.web.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read-all"),
    path("preferences/", views.preferences, name="preferences"),
    path("verify/send/", views.verification_send, name="verify-send"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
