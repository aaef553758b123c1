"""The JWT attack matrix against the verifier in both modes (HS256 shared secret, JWKS with RS256/ES256)."""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from paykit.auth import Role, TokenVerifier, authenticate
from paykit.errors import Forbidden, Unauthorized
from paykit.settings import Settings

SECRET = "s" * 64
PROJECT = str(uuid.uuid4())


def claims(**extra: Any) -> dict[str, Any]:
    base = {"sub": "user-1", "type": "access", "exp": int(time.time()) + 300}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def hs_verifier(**settings: Any) -> TokenVerifier:
    return TokenVerifier(Settings(auth_mode="hs256", **settings), hs256_secret=SECRET)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned(payload: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


# --- HS256 mode ----------------------------------------------------------------------------------------------

def test_valid_developer_token_gives_a_developer_principal() -> None:
    who = authenticate(bearer(jwt.encode(claims(), SECRET, "HS256")), Role.DEVELOPER, hs_verifier())
    assert (who.sub, who.role, who.project_id) == ("user-1", Role.DEVELOPER, None)


def test_valid_end_user_token_carries_its_project() -> None:
    token = jwt.encode(claims(project_id=PROJECT), SECRET, "HS256")
    who = authenticate(bearer(token), Role.END_USER, hs_verifier())
    assert (who.role, who.project_id) == (Role.END_USER, PROJECT)


# Shared with tests/security/test_jwt_matrix.py, which sends every case to every route group's handler.
MALFORMED_HEADERS = {
    "missing": {},
    "empty": {"Authorization": ""},
    "no-token": {"Authorization": "Bearer"},
    "basic-scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "malformed": {"Authorization": "Bearer not-a-jwt"},
    "garbage-segments": {"Authorization": "Bearer a.b.c"},
}


def invalid_tokens(secret: str, **extra: Any) -> dict[str, str]:
    """Tokens that must be 401 whatever the route, signed (where they are signed) with `secret`; `extra` claims
    (an end user's project_id) go into every one."""
    now = int(time.time())

    def signed(key: str = secret, algorithm: str = "HS256", **changes: Any) -> str:
        return jwt.encode(claims(**{**extra, **changes}), key, algorithm)

    return {
        "expired": signed(exp=now - 120),
        "not-yet-valid": signed(nbf=now + 600),
        "wrong-signature": signed("another-secret-of-sufficient-length-123"),
        "alg-none": unsigned(claims(**extra)),
        "missing-exp": signed(exp=None),
        "missing-sub": signed(sub=None),
        "empty-sub": signed(sub=""),
        "refresh-token": signed(type="refresh"),
        "other-hmac-alg": signed(algorithm="HS512"),
        "bad-project-claim": signed(project_id="not-a-uuid"),
        "role-disagrees": signed(role="developer", project_id=PROJECT),
        "unknown-role": signed(role="operator"),
    }


INVALID_TOKENS = invalid_tokens(SECRET)


@pytest.mark.parametrize("headers", MALFORMED_HEADERS.values(), ids=MALFORMED_HEADERS.keys())
def test_missing_or_malformed_credentials_are_401(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized) as err:
        authenticate(headers, Role.DEVELOPER, hs_verifier())
    assert err.value.detail == "Could not validate credentials"


@pytest.mark.parametrize("token", INVALID_TOKENS.values(), ids=INVALID_TOKENS.keys())
def test_invalid_tokens_are_401(token: str) -> None:
    with pytest.raises(Unauthorized):
        authenticate(bearer(token), Role.DEVELOPER, hs_verifier())


def test_expired_within_leeway_is_still_accepted() -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 10), SECRET, "HS256")
    assert authenticate(bearer(token), Role.DEVELOPER, hs_verifier()).sub == "user-1"


def test_issuer_and_audience_are_checked_when_configured() -> None:
    verifier = hs_verifier(jwt_issuer="https://issuer.test", jwt_audience=["paykit"])
    good = jwt.encode(claims(iss="https://issuer.test", aud="paykit"), SECRET, "HS256")
    assert authenticate(bearer(good), Role.DEVELOPER, verifier).sub == "user-1"
    for bad in (claims(iss="https://evil.test", aud="paykit"), claims(iss="https://issuer.test", aud="other"),
                claims(aud="paykit"), claims(iss="https://issuer.test")):
        with pytest.raises(Unauthorized):
            authenticate(bearer(jwt.encode(bad, SECRET, "HS256")), Role.DEVELOPER, verifier)


def test_end_user_token_on_developer_route_is_403() -> None:
    token = jwt.encode(claims(project_id=PROJECT), SECRET, "HS256")
    with pytest.raises(Forbidden):
        authenticate(bearer(token), Role.DEVELOPER, hs_verifier())


def test_developer_token_on_end_user_route_is_403() -> None:
    with pytest.raises(Forbidden):
        authenticate(bearer(jwt.encode(claims(), SECRET, "HS256")), Role.END_USER, hs_verifier())


def test_x_project_id_must_match_the_end_user_claim() -> None:
    token = jwt.encode(claims(project_id=PROJECT), SECRET, "HS256")
    same = {**bearer(token), "X-Project-ID": PROJECT.upper()}
    assert authenticate(same, Role.END_USER, hs_verifier()).project_id == PROJECT
    with pytest.raises(Forbidden):
        authenticate({**bearer(token), "X-Project-ID": str(uuid.uuid4())}, Role.END_USER, hs_verifier())


def test_other_devkit_headers_are_accepted_and_ignored() -> None:
    token = jwt.encode(claims(project_id=PROJECT), SECRET, "HS256")
    headers = {**bearer(token), "X-API-Key": "ak_x", "X-User-Role": "end_user", "X-Developer-Key": "ak_y"}
    assert authenticate(headers, Role.END_USER, hs_verifier()).sub == "user-1"


# --- JWKS mode -----------------------------------------------------------------------------------------------

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _jwk(public_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
    return {**json.loads(algorithm.to_jwk(public_key)), "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = json.dumps({"keys": [_jwk(RSA_KEY.public_key(), "rsa-1", "RS256"),
                                _jwk(EC_KEY.public_key(), "ec-1", "ES256")]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture()
def jwks_verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(Settings(auth_mode="jwks", jwks_url=jwks_url, jwt_issuer="https://issuer.test",
                                  jwt_audience=["paykit"]))


def jwks_claims(**extra: Any) -> dict[str, Any]:
    return claims(**{"iss": "https://issuer.test", "aud": "paykit", **extra})


def test_jwks_accepts_rs256_and_es256_tokens(jwks_verifier: TokenVerifier) -> None:
    rs = jwt.encode(jwks_claims(), RSA_KEY, "RS256", headers={"kid": "rsa-1"})
    es = jwt.encode(jwks_claims(sub="user-2"), EC_KEY, "ES256", headers={"kid": "ec-1"})
    assert authenticate(bearer(rs), Role.DEVELOPER, jwks_verifier).sub == "user-1"
    assert authenticate(bearer(es), Role.DEVELOPER, jwks_verifier).sub == "user-2"


def test_jwks_rejects_hs256_signed_with_the_rsa_public_key(jwks_verifier: TokenVerifier) -> None:
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(jwks_claims()).encode()).rstrip(b"=")
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(pem, header + b"." + payload, hashlib.sha256).digest()).rstrip(b"=")
    forged = b".".join([header, payload, signature]).decode()
    with pytest.raises(Unauthorized):
        authenticate(bearer(forged), Role.DEVELOPER, jwks_verifier)


@pytest.mark.parametrize(
    "payload,kid",
    [
        (jwks_claims(iss="https://evil.test"), "rsa-1"),
        (jwks_claims(aud="someone-else"), "rsa-1"),
        (jwks_claims(exp=int(time.time()) - 120), "rsa-1"),
        (jwks_claims(exp=None), "rsa-1"),
        (jwks_claims(), "unknown-kid"),
    ],
    ids=["wrong-issuer", "wrong-audience", "expired", "missing-exp", "unknown-key"],
)
def test_jwks_rejects_bad_claims_and_unknown_keys(jwks_verifier: TokenVerifier, payload: dict, kid: str) -> None:
    token = jwt.encode(payload, RSA_KEY, "RS256", headers={"kid": kid})
    with pytest.raises(Unauthorized):
        authenticate(bearer(token), Role.DEVELOPER, jwks_verifier)


def test_jwks_rejects_a_token_signed_by_another_key(jwks_verifier: TokenVerifier) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(jwks_claims(), other, "RS256", headers={"kid": "rsa-1"})
    with pytest.raises(Unauthorized):
        authenticate(bearer(token), Role.DEVELOPER, jwks_verifier)


def test_jwks_rejects_alg_none(jwks_verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthorized):
        authenticate(bearer(unsigned(jwks_claims())), Role.DEVELOPER, jwks_verifier)
