from django.urls import path

from packages import views, visibility_views

app_name = "packages"

urlpatterns = [
    path("", views.package_list, name="list"),
    path("new/", views.package_create, name="create"),
    path("<int:pk>/", views.package_edit, name="edit"),
    path("<int:pk>/info/", views.package_info_save, name="save_info"),
    path("<int:pk>/invitee-preferences/", views.package_invitee_save, name="save_invitee_preferences"),
    path("<int:pk>/payment-preferences/", views.package_payment_save, name="save_payment_preferences"),
    path("<int:pk>/meeting-types/<int:meeting_type_pk>/package-only/", visibility_views.make_package_only,
         name="make_package_only"),
    path("<int:pk>/policies/", views.package_policies_save, name="save_policies"),
    path("<int:pk>/purchase-limits/", views.package_limits_save, name="save_limits"),
    path("<int:pk>/membership/", views.package_membership_save, name="save_membership"),
    path("<int:pk>/listing/", views.package_listing_save, name="save_listing"),
    path("<int:pk>/private-link/regenerate/", views.package_private_link_regenerate, name="regenerate_private_link"),
    path("<int:pk>/questions/add/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_pk>/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_pk>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/questions/<int:question_pk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/enable/", views.package_enable, name="enable"),
    path("<int:pk>/disable/", views.package_disable, name="disable"),
    path("<int:pk>/delete/", views.package_delete, name="delete"),
]
