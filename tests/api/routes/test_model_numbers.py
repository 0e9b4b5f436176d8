"""A trained model's number within its project: "model 1" of a project, whatever its id."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.db.models import TrainedModel
from backend.db.session import get_sessionmaker
from backend.services.training import number_in_project
from tests.utils.api import create_project
from tests.utils.world import add_trained_model


def test_models_are_numbered_within_their_project(client: TestClient) -> None:
    first = create_project(client, "first")["id"]
    second = create_project(client, "second")["id"]
    with get_sessionmaker()() as session:
        a1 = add_trained_model(session, first)
        b1 = add_trained_model(session, second)
        a2 = add_trained_model(session, first)
        session.commit()
        models = {m.id: m for m in session.scalars(select(TrainedModel))}
        assert [number_in_project(session, models[i]) for i in (a1, b1, a2)] == [1, 1, 2]
        assert b1 > a1  # ids count across projects; the number does not
