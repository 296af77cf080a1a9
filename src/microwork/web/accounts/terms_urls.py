from django.urls import path

from microwork.web.accounts import terms_views

app_name = "terms"
urlpatterns = [
    path("", terms_views.terms_index, name="index"),
    path("accept/", terms_views.terms_accept, name="accept"),
    path("<int:number>/", terms_views.terms_detail, name="detail"),
]
