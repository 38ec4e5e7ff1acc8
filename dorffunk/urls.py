from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.posts.urls")),
    path("", include("apps.chat.urls")),
    path("", include("apps.townhall.urls")),
    path("", include("apps.events.urls")),
    path("", include("apps.concerns.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.places.urls")),
    path("", include("apps.accounts.urls")),
    path("api/v1/", include("dorffunk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("verwaltung/", admin.site.urls),
    # Uploaded media. Behind a proxy in production, the proxy serves /media/ itself.
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
