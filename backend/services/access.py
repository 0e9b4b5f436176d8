"""Who the caller is and what they may do in a project: the policy that deps.get_project applies.

A route needs one of a set of permissions. By default that is `read` for safe methods (GET,
HEAD, OPTIONS) and `write` for the others; the exceptions are declared here, in one table keyed
by route name (OWNER_ROUTES, INGESTION_ROUTES, ...), or on the route itself with
`openapi_extra=requires(Permission.deploy)`, or by tagging a router "deployment".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from backend.db.models import ApiKey, ApiKeyScope, Project, ProjectMember, ProjectRole, User


class Permission(enum.StrEnum):
    read = "read"  # see the project, its data, impulses, jobs, results
    ingest = "ingest"  # upload samples
    deploy = "deploy"  # build and download deployments
    write = "write"  # change data, impulses, start training...
    manage = "manage"  # members, API keys, settings and visibility, delete


ALL_PERMISSIONS = frozenset(Permission)

ROLE_PERMISSIONS: dict[ProjectRole, frozenset[Permission]] = {
    ProjectRole.owner: ALL_PERMISSIONS,
    ProjectRole.editor: frozenset(
        {Permission.read, Permission.ingest, Permission.deploy, Permission.write}
    ),
    ProjectRole.viewer: frozenset({Permission.read}),
}

SCOPE_PERMISSIONS: dict[ApiKeyScope, frozenset[Permission]] = {
    ApiKeyScope.admin: ALL_PERMISSIONS,
    ApiKeyScope.ingestion_deployment: frozenset({Permission.ingest, Permission.deploy}),
    ApiKeyScope.ingestion: frozenset({Permission.ingest}),
    ApiKeyScope.read_only: frozenset({Permission.read}),
}

# What anyone, anonymous included, may do in a public project.
PUBLIC_PERMISSIONS = frozenset({Permission.read})

# --- the routes whose permission is not the method's default, by route (function) name ---------

OWNER_ROUTES = frozenset(
    {
        "update_project",  # name, description, upload settings, visibility
        "delete_project",
        "read_members",
        "add_member",
        "update_member",
        "remove_member",
        "transfer_ownership",
        "read_api_keys",
        "create_api_key",
        "revoke_api_key",
        "read_project_invitations",
        "create_project_invitation",
        "revoke_project_invitation",
    }
)
INGESTION_ROUTES = frozenset({"upload_samples"})
# Any key of the project may read the project itself: `mcuforge upload --project NAME` must find
# the project its ingestion key belongs to.
IDENTIFY_ROUTES = frozenset({"read_project"})
# POST routes that only read the project: cloning a public project (the copy is the caller's own)
# classifying a sample or a recording, and suggesting a DSP block's parameters (nothing is
# stored; applying the suggestion is an ordinary save, which needs write).
READ_ONLY_POST_ROUTES = frozenset({"clone_project", "classify_sample", "autotune_dsp_block"})
DEPLOYMENT_TAG = "deployment"
PERMISSION_KEY = "x-mcuforge-permission"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(*permissions: Permission) -> dict[str, Any]:
    """`openapi_extra` of a route that needs one of these permissions instead of the default."""
    return {PERMISSION_KEY: sorted(str(p) for p in permissions)}


def required_permissions(route: APIRoute | None, method: str) -> frozenset[Permission]:
    """The permissions of which the caller needs one to call `route` with `method`."""
    safe = method.upper() in SAFE_METHODS
    if route is None:
        return frozenset({Permission.read if safe else Permission.write})
    declared = (route.openapi_extra or {}).get(PERMISSION_KEY)
    if declared:
        return frozenset(Permission(p) for p in declared)
    if route.name in OWNER_ROUTES:
        return frozenset({Permission.manage})
    if route.name in INGESTION_ROUTES:
        return frozenset({Permission.ingest})
    if route.name in IDENTIFY_ROUTES:
        return frozenset({Permission.read, Permission.ingest, Permission.deploy})
    if route.name in READ_ONLY_POST_ROUTES:
        return frozenset({Permission.read})
    if DEPLOYMENT_TAG in route.tags:
        return frozenset({Permission.read, Permission.deploy} if safe else {Permission.deploy})
    return frozenset({Permission.read if safe else Permission.write})


@dataclass
class Actor:
    """The caller: a user (by session cookie or bearer token), a project API key, or nobody."""

    user: User | None = None
    api_key: ApiKey | None = None
    via_cookie: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user is None and self.api_key is None


@dataclass
class ProjectAccess:
    """What the caller may do in one project, and why (their role, key scope, or public)."""

    permissions: frozenset[Permission]
    role: ProjectRole | None = None
    scope: ApiKeyScope | None = None
    is_member: bool = False
    granted_by: list[str] = field(default_factory=list)


def project_access(session: Session, actor: Actor, project: Project) -> ProjectAccess | None:
    """What the actor may do in the project; None when they may not know it exists."""
    if actor.api_key is not None:
        if actor.api_key.project_id != project.id:
            return None
        scope = ApiKeyScope(actor.api_key.scope)
        return ProjectAccess(SCOPE_PERMISSIONS[scope], scope=scope)
    if actor.user is not None:
        role = session.get(ProjectMember, (project.id, actor.user.id))
        if role is not None:
            member_role = ProjectRole(role.role)
            permissions = ROLE_PERMISSIONS[member_role]
            if actor.user.is_admin:
                permissions = ROLE_PERMISSIONS[ProjectRole.owner]
            return ProjectAccess(permissions, role=member_role, is_member=True)
        if actor.user.is_admin:
            # Administrators look after every project, ownerless ones from before accounts too.
            return ProjectAccess(ROLE_PERMISSIONS[ProjectRole.owner])
    if project.is_public:
        return ProjectAccess(PUBLIC_PERMISSIONS)
    return None
