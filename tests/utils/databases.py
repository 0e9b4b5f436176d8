"""Private PostgreSQL databases for tests, so that concurrent test runs never share tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def private_postgres_database(
    server_url: str, *, prefix: str = "mcuforge_test", migrate: bool = True
) -> Iterator[str]:
    """Create a database of our own on the server (migrated unless asked not to); drop it after."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from backend.db.migrate import upgrade

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        from backend.db.session import get_engine, set_database_url

        # Let go of this process's connections to it before dropping it.
        if str(get_engine().url.database) == name:
            set_database_url(server_url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
