"""GET /api/v1/me: who the credential belongs to."""

from typing import Literal

from ninja import Router, Schema

from microwork.api import auth

router = Router(auth=auth.any_user, tags=["me"])


class MeOut(Schema):
    id: str
    email: str
    role: Literal["worker", "requester"]
    display_name: str
    # The token's scope, when a token was used; null with the site's session.
    token_scope: Literal["read", "write"] | None


def user_public_id(user) -> str:
    """A user's id in the API: a worker's pseudonym (as requesters see it), a requester's
    number."""
    return user.worker_id if user.is_worker else str(user.pk)


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    user = request.auth
    token = getattr(request, "api_token", None)
    return {
        "id": user_public_id(user),
        "email": user.email,
        "role": user.role,
        "display_name": user.public_name,
        "token_scope": token.scope if token is not None else None,
    }
