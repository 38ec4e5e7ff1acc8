from apps.realtime.routing import websocket_urlpatterns as realtime_urlpatterns

websocket_urlpatterns = [*realtime_urlpatterns]
