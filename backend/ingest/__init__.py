"""Upload parsers: the bytes of one file (WAV, CSV, JSON/CBOR acquisition format, PNG, JPEG) to a
validated, normalised ParsedSample, or an IngestError that tells the user what is wrong."""

from backend.ingest.acquisition import encode_acquisition_cbor, encode_acquisition_json
from backend.ingest.dispatch import parse_upload
from backend.ingest.errors import IngestError
from backend.ingest.filenames import ACCEPTED_EXTENSIONS, check_filename, label_from_filename
from backend.ingest.sample import Axis, ParsedSample, make_sample

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "Axis",
    "IngestError",
    "ParsedSample",
    "check_filename",
    "encode_acquisition_cbor",
    "encode_acquisition_json",
    "label_from_filename",
    "make_sample",
    "parse_upload",
]
