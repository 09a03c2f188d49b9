from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from tracker.urls import root_urlpatterns
from users import views as user_views

from . import pwa, views

# The admin logs in through allauth, so throttling and two-factor sign-in apply there too.
handler404 = views.page_not_found

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Prenafit administration")
admin.site.site_title = _("Prenafit admin")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The installable app: its service worker must sit at the root to control every page.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    # Browsers ask for /favicon.ico whatever the page says (templates/base.html links the
    # rest); the static file's name is looked up per request (hashed in production).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("icons/favicon.ico")),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    # allauth's log-out, wiping what the site keeps on the device (users.views.logout).
    path("accounts/logout/", user_views.logout, name="account_logout"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    path("", include("users.urls")),
    path("", include("programs.urls")),
    path("", include("tracker.urls")),
    *root_urlpatterns,
]
