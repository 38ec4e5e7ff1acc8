from django.urls import include, path

from apps.accounts import api as accounts_api
from apps.chat import api as chat_api
from apps.places import api as places_api
from apps.posts import api as posts_api

app_name = "api"

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", accounts_api.TokenRevokeView.as_view(), name="token_revoke"),
    path("auth/signup/", accounts_api.SignUpView.as_view(), name="signup"),
    path("auth/confirm-email/", accounts_api.ConfirmEmailView.as_view(), name="confirm_email"),
    path(
        "auth/resend-confirmation/",
        accounts_api.ResendConfirmationView.as_view(),
        name="resend_confirmation",
    ),
    path("auth/password-reset/", accounts_api.PasswordResetView.as_view(), name="password_reset"),
    path(
        "auth/password-reset/confirm/",
        accounts_api.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("me/photo/", accounts_api.MePhotoView.as_view(), name="me_photo"),
    path("me/password/", accounts_api.MePasswordView.as_view(), name="me_password"),
    path(
        "me/municipalities/",
        accounts_api.ReadableMunicipalitiesView.as_view(),
        name="me_municipalities",
    ),
    path("users/<int:user_id>/", accounts_api.UserDetailView.as_view(), name="user_detail"),
    path("municipalities/", places_api.MunicipalityListView.as_view(), name="municipalities"),
    path(
        "municipalities/<slug:slug>/",
        places_api.MunicipalityDetailView.as_view(),
        name="municipality_detail",
    ),
    path(
        "municipalities/<slug:slug>/invitation-codes/",
        places_api.InvitationCodeListView.as_view(),
        name="invitation_codes",
    ),
    path(
        "municipalities/<slug:slug>/invitation-codes/<int:pk>/",
        places_api.InvitationCodeDetailView.as_view(),
        name="invitation_code_detail",
    ),
    path("posts/", posts_api.PostListView.as_view(), name="posts"),
    path("posts/<int:pk>/", posts_api.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:pk>/thanks/", posts_api.PostThanksView.as_view(), name="post_thanks"),
    path("posts/<int:pk>/comments/", posts_api.CommentListView.as_view(), name="post_comments"),
    path(
        "posts/<int:pk>/comments/<int:comment_id>/",
        posts_api.CommentDetailView.as_view(),
        name="post_comment_detail",
    ),
    path(
        "posts/<int:pk>/comments/<int:comment_id>/thanks/",
        posts_api.CommentThanksView.as_view(),
        name="comment_thanks",
    ),
    path(
        "posts/<int:pk>/photos/<int:photo_id>/",
        posts_api.PostPhotoView.as_view(),
        name="post_photo",
    ),
    path("conversations/", chat_api.ConversationListView.as_view(), name="conversations"),
    path(
        "conversations/<int:pk>/",
        chat_api.ConversationDetailView.as_view(),
        name="conversation_detail",
    ),
    path(
        "conversations/<int:pk>/participants/",
        chat_api.ParticipantsView.as_view(),
        name="conversation_participants",
    ),
    path(
        "conversations/<int:pk>/messages/",
        chat_api.MessageListView.as_view(),
        name="conversation_messages",
    ),
    path(
        "conversations/<int:pk>/messages/<int:message_id>/",
        chat_api.MessageDetailView.as_view(),
        name="conversation_message_detail",
    ),
    path("conversations/<int:pk>/read/", chat_api.ReadView.as_view(), name="conversation_read"),
    path("", include("apps.townhall.api_urls")),
    path("", include("apps.events.api_urls")),
    path("", include("apps.concerns.api_urls")),
    path("", include("apps.notifications.api_urls")),
]
