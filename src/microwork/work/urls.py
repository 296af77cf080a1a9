app_name = "work"
urlpatterns = []
