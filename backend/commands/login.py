"""`mcuforge login` / `mcuforge logout`: sign in once with a username and password, keep a
personal bearer token (not the password) for the other commands, and revoke it again."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from typing import Any

from backend.commands.credentials import (
    Credentials,
    credentials_path,
    delete_credentials,
    load_credentials,
    save_credentials,
    settings_url,
)


class LoginFailed(Exception):
    """Signing in or creating the token did not work; str() says why."""


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"


def token_name() -> str:
    """How the token is listed on the account page: which machine it was created for."""
    return f"mcuforge CLI on {socket.gethostname()}"[:100]


def create_personal_token(url: str, username: str, password: str) -> Credentials:
    """Sign in, create a bearer token with that session, end the session; the token remains."""
    import httpx

    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            signin = client.post(
                "/api/auth/signin", json={"username": username, "password": password}
            )
            if signin.status_code == 401:
                raise LoginFailed(f"wrong username or password for {url}")
            if signin.status_code != 200:
                raise LoginFailed(f"cannot sign in to {url}: {_detail(signin)}")
            csrf = {"X-CSRF-Token": signin.json()["csrf_token"]}
            created = client.post("/api/users/me/tokens", json={"name": token_name()},
                                  headers=csrf)
            if created.status_code != 201:
                raise LoginFailed(f"cannot create a personal token: {_detail(created)}")
            # The browser-type session was only needed to create the token.
            client.post("/api/auth/signout", headers=csrf)
    except httpx.HTTPError as error:
        raise LoginFailed(f"cannot reach the mcuforge server at {url}: {error}") from None
    body = created.json()
    return Credentials(
        url=url, username=signin.json()["user"]["username"], token=body["token"],
        token_id=int(body["id"]),
    )


def revoke_personal_token(credentials: Credentials) -> None:
    """Revoke the stored token on its server; a token the server no longer knows is fine."""
    import httpx

    headers = {"Authorization": f"Bearer {credentials.token}"}
    try:
        response = httpx.delete(
            f"{credentials.url}/api/users/me/tokens/{credentials.token_id}",
            headers=headers, timeout=60,
        )
    except httpx.HTTPError as error:
        raise LoginFailed(
            f"cannot reach the mcuforge server at {credentials.url} to revoke the token: {error}"
        ) from None
    # 401: revoked already (from the account page, or by a password reset).
    if response.status_code not in (204, 401, 404):
        raise LoginFailed(f"cannot revoke the token: {_detail(response)}")


def _ask(prompt: str) -> str:
    """One line from the terminal, or from standard input when it is not a terminal."""
    if sys.stdin.isatty():
        return input(prompt).strip()
    return sys.stdin.readline().strip()


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    # Piped (`printf '%s\n' "$PASSWORD" | mcuforge login ...`): never a command-line argument,
    # which other users could read in the process list.
    return sys.stdin.readline().rstrip("\r\n")


def _login(args: argparse.Namespace) -> int:
    url = args.url
    if url is None:
        default = settings_url()
        url = (input(f"Server URL [{default}]: ").strip() if sys.stdin.isatty() else "") or default
    url = url.rstrip("/")
    username = args.username or _ask("Username: ")
    if not username:
        print("mcuforge login: a username is needed (--username)", file=sys.stderr)
        return 1
    password = _password()
    if not password:
        print("mcuforge login: no password was given", file=sys.stderr)
        return 1
    previous = load_credentials()
    try:
        credentials = create_personal_token(url, username, password)
    except LoginFailed as error:
        print(f"mcuforge login: {error}", file=sys.stderr)
        return 1
    if previous is not None:
        try:
            revoke_personal_token(previous)  # the token it replaces is of no more use
        except LoginFailed:
            pass
    path = save_credentials(credentials)
    print(f"Signed in to {url} as {credentials.username}; personal token saved in {path}.")
    return 0


def _logout(args: argparse.Namespace) -> int:
    credentials = load_credentials()
    if credentials is None:
        print(f"Not signed in (no {credentials_path()}).")
        return 0
    try:
        revoke_personal_token(credentials)
    except LoginFailed as error:
        print(f"mcuforge logout: {error}; the token is kept in {credentials_path()}",
              file=sys.stderr)
        return 1
    delete_credentials()
    print(f"Signed out of {credentials.url}: the token is revoked and its file deleted.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    login = subparsers.add_parser(
        "login",
        help="sign in and keep a personal token for the other commands",
        description="Sign in with a username and password and store a personal bearer token "
        "(not the password) in $XDG_CONFIG_HOME/mcuforge/credentials.json, mode 0600. The "
        "password is asked on the terminal, or read from the first line of standard input.",
    )
    login.add_argument(
        "--url", help="the server (default: asked; http://MCUFORGE_HOST:MCUFORGE_PORT)"
    )
    login.add_argument("--username", help="username or e-mail address (default: asked)")
    login.set_defaults(func=_login)
    logout = subparsers.add_parser(
        "logout",
        help="revoke the stored personal token and delete it",
        description="Revoke the token `mcuforge login` stored, on its server, and delete the file.",
    )
    logout.set_defaults(func=_logout)
