"""File-name safety rules, extension checks and labels."""

from __future__ import annotations

import pytest

from backend.ingest import IngestError, check_filename, label_from_filename, parse_upload


@pytest.mark.parametrize(
    "filename",
    ["yes.wav", "Yes_1000ms.wav", "idle.a3f9.csv", "ünïcode-äpfel.png", "a" * 251 + ".wav"],
)
def test_safe_names_are_returned_unchanged(filename: str) -> None:
    assert check_filename(filename) == filename


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("", "empty"),
        ("a" * 252 + ".wav", "256 bytes long; the limit is 255 bytes"),
        ("é" * 126 + ".wav", "256 bytes long"),
        ("dir/yes.wav", "contains '/' or '\\'"),
        ("dir\\yes.wav", "contains '/' or '\\'"),
        ("/etc/passwd", "contains '/'"),
        ("../../yes.wav", "contains '/'"),
        ("..\\yes.wav", "contains '/' or '\\'"),
        ("yes\x00.wav", "NUL"),
        ("yes\n.wav", "control characters"),
        ("yes\x1b[31m.wav", "control characters"),
        ("yes\x85.wav", "control characters"),
        ("..", "only of dots"),
        ("...", "only of dots"),
        ("C:yes.wav", "drive letter"),
        ("c:", "drive letter"),
    ],
)
def test_unsafe_names_are_refused_with_the_rule(filename: str, problem: str) -> None:
    with pytest.raises(IngestError) as caught:
        check_filename(filename)
    message = str(caught.value)
    assert "unsafe file name" in message
    assert problem in message
    # The message never echoes raw control characters back to a terminal or a log.
    assert not any(ord(ch) < 0x20 for ch in message)


def test_parse_upload_checks_the_name_before_the_content() -> None:
    with pytest.raises(IngestError, match="unsafe file name"):
        parse_upload("../yes.wav", b"RIFF")


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        ("yes.a3f9.wav", "yes"),
        ("Yes_1000ms.wav", "Yes_1000ms"),
        ("noise.csv", "noise"),
        ("wave.1.2.3.json", "wave"),
    ],
)
def test_label_is_the_text_before_the_first_dot(filename: str, label: str) -> None:
    assert label_from_filename(filename) == label


def test_label_from_a_name_without_a_label_is_refused() -> None:
    with pytest.raises(IngestError, match="no label"):
        label_from_filename(".wav")


def test_label_from_an_unsafe_name_is_refused() -> None:
    with pytest.raises(IngestError, match="unsafe file name"):
        label_from_filename("../yes.wav")


@pytest.mark.parametrize("filename", ["yes.mp3", "yes", "data.txt", "yes.wav.exe"])
def test_unknown_extension_lists_the_accepted_ones(filename: str, assert_rejected) -> None:
    error = assert_rejected(filename, b"anything", "is not supported")
    for extension in (".wav", ".csv", ".json", ".cbor", ".png", ".jpg", ".jpeg"):
        assert extension in error.reason


def test_extension_is_case_insensitive(shared_audio) -> None:
    data = (shared_audio / "yes_1000ms.wav").read_bytes()
    assert parse_upload("YES.WAV", data).source_format == "wav"
