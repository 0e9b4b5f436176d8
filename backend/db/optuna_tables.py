"""Tables Optuna creates and migrates itself in the platform's database (the tuner's studies):
Alembic's autogenerate must neither drop them nor take them for the platform's own."""

from __future__ import annotations

OPTUNA_TABLES = frozenset({
    "studies", "study_directions", "study_user_attributes", "study_system_attributes", "trials",
    "trial_user_attributes", "trial_system_attributes", "trial_params", "trial_values",
    "trial_intermediate_values", "trial_heartbeats", "version_info",
})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave out Optuna's tables found in the database."""
    return not (type_ == "table" and reflected and compare_to is None and name in OPTUNA_TABLES)
