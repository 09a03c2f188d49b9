"""/api/v1/: auth, the client's own data, a PT's clients, public programs, schema and docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api_contract import api_not_found
from programs import api as programs_api
from users.api import InvitationList, TokenDetail, TokenList, TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("auth/tokens/", TokenList.as_view(), name="api_tokens"),
    path("auth/tokens/<int:token_id>/", TokenDetail.as_view(), name="api_token_detail"),
    path("invitations/", InvitationList.as_view(), name="api_invitations"),
    path("programs/", programs_api.ProgramList.as_view(), name="api_programs"),
    path("programs/<slug:slug>/", programs_api.ProgramDetail.as_view(), name="api_program"),
    path("exercises/", programs_api.ExerciseList.as_view(), name="api_exercises"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("tracker.api.urls")),
    # Anything else under /api/v1/ (an id that is not a number, a path that does not exist)
    # answers the API's JSON 404, in development too, never the site's HTML page.
    re_path(r"^.*$", api_not_found, name="api_not_found"),
]
