"""worker.features.dataset: the digest changes with what features depend on and nothing else,
and the changes are named."""

from __future__ import annotations

from worker.features.dataset import Dataset, DatasetSample, dataset_changes


def dataset(**samples: tuple[int, str, str, str]) -> Dataset:
    """dataset(name=(id, label, category, content hash), ...)"""
    return Dataset(
        {
            sample_id: DatasetSample(name, label, category, digest)
            for name, (sample_id, label, category, digest) in samples.items()
        }
    )


BASE = dataset(a=(1, "yes", "training", "h1"), b=(2, "no", "testing", "h2"))


def test_the_digest_ignores_order_and_file_names() -> None:
    reordered = Dataset(dict(reversed(list(BASE.samples.items()))))
    renamed = dataset(x=(1, "yes", "training", "h1"), y=(2, "no", "testing", "h2"))
    assert BASE.digest == reordered.digest == renamed.digest
    assert dataset_changes(BASE, renamed) == []


def test_label_category_and_content_each_change_the_digest() -> None:
    for changed in (
        dataset(a=(1, "no", "training", "h1"), b=(2, "no", "testing", "h2")),
        dataset(a=(1, "yes", "testing", "h1"), b=(2, "no", "testing", "h2")),
        dataset(a=(1, "yes", "training", "h9"), b=(2, "no", "testing", "h2")),
        dataset(a=(1, "yes", "training", "h1")),
        dataset(
            a=(1, "yes", "training", "h1"),
            b=(2, "no", "testing", "h2"),
            c=(3, "no", "training", "h2"),
        ),
    ):
        assert changed.digest != BASE.digest
        assert dataset_changes(BASE, changed)


def test_changes_are_named_with_at_most_three_names() -> None:
    now = dataset(
        a=(1, "no", "testing", "h9"),
        **{f"new{k}": (10 + k, "yes", "training", f"n{k}") for k in range(5)},
    )
    assert dataset_changes(BASE, now) == [
        "5 sample(s) added ('new0', 'new1', 'new2' and 2 more)",
        "1 sample(s) removed ('b')",
        "1 sample(s) relabelled ('a (yes -> no)')",
        "1 sample(s) moved between splits ('a (training -> testing)')",
        "1 sample(s) cropped ('a')",
    ]


def test_the_record_round_trips_through_json() -> None:
    again = Dataset.from_json(BASE.to_json())
    assert again == BASE and again.digest == BASE.digest
