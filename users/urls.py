from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/unlink-pt/", views.unlink_pt, name="unlink_pt"),
    path("privacy/", views.privacy, name="privacy"),
    path("language/", views.language, name="language"),
    path("consent/", views.consent, name="consent"),
    path("pt/invite/", views.invite, name="invite"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
