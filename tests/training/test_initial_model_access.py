"""The training job re-checks, with the database models only, that the user who started it may
still read the project of the model a detector starts from. That check must answer as the API's
one access check (backend.services.access.project_access) answers for read."""

from __future__ import annotations

import pytest

from backend.db.models import Project, ProjectMember, ProjectRole, User
from backend.db.session import get_sessionmaker
from backend.services.access import Actor, Permission, project_access
from tests.utils.world import USER_ACTORS, build_project, build_world
from worker.training.initial_models import _user_reads


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_the_jobs_read_check_answers_as_the_apis(sqlite_database_url: str, public: bool) -> None:
    world = build_world()
    project_id, _keys = build_project(world, public=public)
    with get_sessionmaker()() as session:
        project = session.get(Project, project_id)
        assert project is not None
        answers = {}
        for name in USER_ACTORS:
            user = session.get(User, world.users[name].id)
            access = project_access(session, Actor(user=user), project)
            api = access is not None and Permission.read in access.permissions
            answers[name] = (api, _user_reads(session, user.id if user else None, project_id))
        # An API key's job (no user) reads only public projects; unknown users nothing.
        assert _user_reads(session, None, project_id) is public
        assert _user_reads(session, 2**31 - 1, project_id) is public
        outsider = world.users["outsider"].id
        session.add(ProjectMember(project_id=project_id, user_id=outsider, role=ProjectRole.viewer))
        session.commit()
        assert _user_reads(session, outsider, project_id)
    assert all(api == job for api, job in answers.values()), answers
    assert answers["outsider"] == (public, public)
    assert answers["viewer"] == (True, True) and answers["admin"] == (True, True)
