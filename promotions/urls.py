from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("", views.promo_list, name="list"),
    path("new/", views.promo_create, name="create"),
    path("<int:pk>/", views.promo_edit, name="edit"),
    path("<int:pk>/enable/", views.promo_enable, name="enable"),
    path("<int:pk>/disable/", views.promo_disable, name="disable"),
    path("<int:pk>/delete/", views.promo_delete, name="delete"),
]
