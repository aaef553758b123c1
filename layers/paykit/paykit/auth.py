"""JWT bearer authentication (decisions 1-3): who is calling, as a developer or as an end user of one project."""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import jwt

from paykit.errors import Forbidden, Unauthorized
from paykit.settings import Settings, get_settings


class Role(str, enum.Enum):
    DEVELOPER = "developer"
    END_USER = "end_user"


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    project_id: str | None = None  # set for end users only


class TokenVerifier:
    """Verifies signature, expiry and the claims the service relies on; algorithms are fixed by configuration."""

    def __init__(self, settings: Settings, hs256_secret: str | None = None, jwks_client: Any | None = None) -> None:
        self._settings = settings
        if settings.auth_mode == "hs256":
            if not hs256_secret:
                raise RuntimeError("HS256 auth needs a signing secret (JWT_SECRET_ARN or JWT_SECRET)")
            self._algorithms = ["HS256"]
        else:
            if jwks_client is None:
                if not settings.jwks_url:
                    raise RuntimeError("JWKS auth needs JWKS_URL")
                jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300, timeout=5)
            self._algorithms = list(settings.jwt_algorithms)
        self._secret = hs256_secret
        self._jwks = jwks_client

    def verify(self, token: str) -> dict[str, Any]:
        s = self._settings
        try:
            key: Any = self._secret if self._jwks is None else self._jwks.get_signing_key_from_jwt(token).key
            return jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=s.jwt_audience or None,
                issuer=s.jwt_issuer,
                leeway=s.jwt_leeway_seconds,
                options={
                    "require": ["exp", "sub"] + (["iss"] if s.jwt_issuer else []) + (["aud"] if s.jwt_audience else []),
                    "verify_aud": bool(s.jwt_audience),
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized() from exc


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthorized()
    if claims.get("type", "access") != "access":
        raise Unauthorized()
    project_id = claims.get("project_id")
    role = Role.END_USER if project_id is not None else Role.DEVELOPER
    if project_id is not None:
        try:
            project_id = str(uuid.UUID(str(project_id)))
        except ValueError as exc:
            raise Unauthorized() from exc
    declared = claims.get("role")
    if declared is not None and declared != role.value:
        raise Unauthorized()
    return Principal(sub=sub, role=role, project_id=project_id)


def bearer_token(headers: Mapping[str, str]) -> str:
    value = _header(headers, "authorization")
    if not value:
        raise Unauthorized()
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def authenticate(headers: Mapping[str, str], required: Role, verifier: TokenVerifier | None = None) -> Principal:
    """The caller, checked against the role the route group needs (decision 2)."""
    principal = principal_from_claims((verifier or default_verifier()).verify(bearer_token(headers)))
    if principal.role is not required:
        detail = (
            "Insufficient permissions. Developer role required."
            if required is Role.DEVELOPER
            else "Insufficient permissions. End-user token with project scope required."
        )
        raise Forbidden(detail)
    if principal.role is Role.END_USER:
        sent = _header(headers, "x-project-id")
        if sent is not None and sent.strip().lower() != principal.project_id:
            raise Forbidden("X-Project-ID does not match the token's project")
    return principal


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


@lru_cache(maxsize=1)
def default_verifier() -> TokenVerifier:
    settings = get_settings()
    secret = None
    if settings.auth_mode == "hs256":
        if settings.jwt_secret_arn:
            from paykit.secrets import default_secret_store

            secret = default_secret_store().get_string(settings.jwt_secret_arn, max_age=float("inf"))
        elif settings.jwt_secret is not None:
            secret = settings.jwt_secret.get_secret_value()
    return TokenVerifier(settings, hs256_secret=secret)
