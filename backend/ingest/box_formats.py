"""Bounding-box annotation files people already have, read into boxes per image name.

Edge Impulse's `bounding_boxes.labels` (JSON), COCO JSON, Pascal VOC XML (one file per image) and
YOLO txt (one file per image, normalised centre/size, plus a classes file). Parsing needs no
image; `boxes_for_image` turns an image's entries into pixel boxes once its size is known, and
refuses boxes outside it. Every error is an IngestError naming the annotation file and the box.
"""

from __future__ import annotations

import json
import math
import posixpath
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.parsers import expat

from backend.ingest.errors import IngestError, shown_name, shown_value
from backend.schemas.bounding_box import MAX_BOXES_PER_IMAGE, BoundingBox, BoxError, validate_boxes

BoxFormat = Literal["edge-impulse", "coco", "voc", "yolo"]
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
YOLO_CLASS_FILES = ("classes.txt", "obj.names")
# Rounding normalised or fractional coordinates may land half a pixel past an edge.
EDGE_TOLERANCE_PIXELS = 1.0


@dataclass(frozen=True)
class RawBox:
    """A box as the file gives it: pixels (x, y top-left) or, for YOLO, fractions of the image
    (x, y the centre)."""

    label: str
    x: float
    y: float
    width: float
    height: float
    normalised_centre: bool = False


@dataclass
class Annotations:
    """The boxes of every image an upload's annotation files name."""

    box_format: BoxFormat
    boxes: dict[str, list[RawBox]] = field(default_factory=dict)
    # The annotation file that described each image, to name it in errors.
    source: dict[str, str] = field(default_factory=dict)
    # (width, height) where the format states it (COCO, VOC): checked against the real image.
    declared_size: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, filename: str, image_name: str, boxes: list[RawBox]) -> None:
        key = image_key(image_name)
        if key in self.boxes:
            raise IngestError(
                filename,
                f'the image "{shown_name(image_name)}" is described twice '
                f'(also in "{shown_name(self.source[key])}")',
            )
        if len(boxes) > MAX_BOXES_PER_IMAGE:
            raise IngestError(
                filename,
                f'the image "{shown_name(image_name)}" has {len(boxes)} boxes; the limit is '
                f"{MAX_BOXES_PER_IMAGE} per image",
            )
        self.boxes[key] = boxes
        self.source[key] = filename


def image_key(name: str) -> str:
    """How an annotation names an image: its base name (COCO and VOC often keep a folder)."""
    return posixpath.basename(name.replace("\\", "/"))


def is_image_name(filename: str) -> bool:
    return filename.lower().endswith(IMAGE_EXTENSIONS)


def _format_of(filename: str) -> BoxFormat | None:
    lower = filename.lower()
    if lower.endswith(".labels"):
        return "edge-impulse"
    if lower.endswith(".json"):
        return "coco"
    if lower.endswith(".xml"):
        return "voc"
    if lower.endswith((".txt", ".names")):
        return "yolo"
    return None


def _json(filename: str, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IngestError(filename, "not a JSON file: it is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as error:
        reason = getattr(error, "msg", "nesting too deep")
        raise IngestError(filename, f"not valid JSON: {reason}") from None


def _number(filename: str, where: str, name: str, value: Any) -> float:
    refused = IngestError(filename, f"{where}: {name} must be a number, not {shown_value(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refused
    try:
        number = float(value)  # an integer of 400 digits overflows
    except OverflowError:
        raise refused from None
    if not math.isfinite(number):
        raise refused
    return number


def _is_id(value: Any) -> bool:
    """A COCO id: an integer, not a boolean (True would find id 1) nor a list (unhashable)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _label(filename: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IngestError(
            filename, f"{where}: the label is empty or not text ({shown_value(value)})"
        )
    return value


def parse_edge_impulse(filename: str, data: bytes, annotations: Annotations) -> None:
    """{"version": 1, "type": "bounding-box-labels", "boundingBoxes": {image: [{label, x, y,
    width, height}]}}"""
    document = _json(filename, data)
    boxes_by_image = document.get("boundingBoxes") if isinstance(document, dict) else None
    if not isinstance(boxes_by_image, dict):
        raise IngestError(
            filename,
            'not an Edge Impulse bounding_boxes.labels file: it needs a "boundingBoxes" object '
            "mapping each image name to its boxes",
        )
    for image_name, entries in boxes_by_image.items():
        if not isinstance(entries, list):
            raise IngestError(
                filename,
                f'the boxes of "{shown_name(image_name)}" must be a list, not {shown_value(entries)}',
            )
        boxes = []
        for index, entry in enumerate(entries):
            where = f'image "{shown_name(image_name)}", box {index + 1}'
            if not isinstance(entry, dict):
                raise IngestError(
                    filename, f"{where}: a box is an object, not {shown_value(entry)}"
                )
            boxes.append(
                RawBox(
                    label=_label(filename, where, entry.get("label")),
                    x=_number(filename, where, "x", entry.get("x")),
                    y=_number(filename, where, "y", entry.get("y")),
                    width=_number(filename, where, "width", entry.get("width")),
                    height=_number(filename, where, "height", entry.get("height")),
                )
            )
        annotations.add(filename, image_name, boxes)


def parse_coco(filename: str, data: bytes, annotations: Annotations) -> None:
    """COCO object detection: images (id, file_name, width, height), categories (id, name) and
    annotations (image_id, category_id, bbox [x, y, width, height] in pixels)."""
    document = _json(filename, data)
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), list) for key in ("images", "annotations", "categories")
    ):
        raise IngestError(
            filename, 'not a COCO file: it needs the lists "images", "annotations" and "categories"'
        )
    categories: dict[int, str] = {}
    for entry in document["categories"]:
        if not isinstance(entry, dict) or not _is_id(entry.get("id")):
            raise IngestError(filename, f"a category needs an integer id, not {shown_value(entry)}")
        categories[entry["id"]] = _label(filename, f"category {entry['id']}", entry.get("name"))
    images: dict[int, str] = {}
    for entry in document["images"]:
        if not isinstance(entry, dict) or not _is_id(entry.get("id")):
            raise IngestError(filename, f"an image needs an integer id, not {shown_value(entry)}")
        name = entry.get("file_name")
        if not isinstance(name, str) or not name:
            raise IngestError(filename, f"image {entry['id']} has no file_name")
        images[entry["id"]] = name
        width, height = entry.get("width"), entry.get("height")
        if isinstance(width, int) and isinstance(height, int):
            annotations.declared_size[image_key(name)] = (width, height)
    boxes: dict[int, list[RawBox]] = {image_id: [] for image_id in images}
    for index, entry in enumerate(document["annotations"]):
        where = f"annotation {index + 1}"
        if not isinstance(entry, dict):
            raise IngestError(filename, f"{where} is not an object")
        image_id, category_id, bbox = (
            entry.get("image_id"),
            entry.get("category_id"),
            entry.get("bbox"),
        )
        if not _is_id(image_id) or image_id not in images:
            raise IngestError(
                filename, f"{where}: image_id {shown_value(image_id)} is not among the images"
            )
        where = f'image "{shown_name(images[image_id])}", {where}'
        if not _is_id(category_id) or category_id not in categories:
            raise IngestError(
                filename,
                f"{where}: category_id {shown_value(category_id)} is not among the categories",
            )
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise IngestError(filename, f"{where}: bbox must be [x, y, width, height]")
        x, y, width, height = (_number(filename, where, "bbox", value) for value in bbox)
        boxes[image_id].append(RawBox(categories[category_id], x, y, width, height))
    for image_id, name in images.items():
        annotations.add(filename, name, boxes[image_id])


class _NoDtdTreeBuilder:
    """ElementTree from expat with no DTD: entity declarations (billion laughs, external entities)
    are refused before any is expanded. VOC files never need one."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.builder = ElementTree.TreeBuilder()

    def refuse(self, *_: Any) -> Any:
        raise IngestError(
            self.filename,
            "the XML declares a DTD or entities, which a Pascal VOC file never needs; they are "
            "refused (entity expansion attacks)",
        )

    def parse(self, data: bytes) -> ElementTree.Element:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = self.refuse
        parser.EntityDeclHandler = self.refuse
        parser.UnparsedEntityDeclHandler = self.refuse
        parser.ExternalEntityRefHandler = self.refuse
        parser.StartElementHandler = lambda tag, attributes: self.builder.start(tag, attributes)
        parser.EndElementHandler = lambda tag: self.builder.end(tag)
        parser.CharacterDataHandler = lambda text: self.builder.data(text)
        try:
            parser.Parse(data, True)
        except expat.ExpatError as error:
            raise IngestError(
                self.filename,
                f"not valid XML: {expat.ErrorString(error.code)} at line {error.lineno}",
            ) from None
        return self.builder.close()


def _xml_text(filename: str, element: ElementTree.Element, path: str, where: str) -> str:
    found = element.find(path)
    if found is None or found.text is None or not found.text.strip():
        raise IngestError(filename, f"{where}: <{path}> is missing")
    return found.text.strip()


def _xml_number(filename: str, element: ElementTree.Element, path: str, where: str) -> float:
    text = _xml_text(filename, element, path, where)
    try:
        value = float(text)
    except ValueError:
        raise IngestError(
            filename, f"{where}: <{path}> must be a number, not {shown_value(text)}"
        ) from None
    if not math.isfinite(value):
        raise IngestError(filename, f"{where}: <{path}> must be a finite number")
    return value


def parse_voc(filename: str, data: bytes, annotations: Annotations) -> None:
    """One Pascal VOC <annotation>: <filename>, <size> and <object>s with <name> and <bndbox>
    (xmin, ymin, xmax, ymax, read as pixel edges: width = xmax - xmin)."""
    root = _NoDtdTreeBuilder(filename).parse(data)
    if root.tag != "annotation":
        raise IngestError(
            filename, f"not a Pascal VOC file: its root element is <{root.tag}>, not <annotation>"
        )
    image_name = _xml_text(filename, root, "filename", "the annotation")
    size = root.find("size")
    if size is not None and size.find("width") is not None and size.find("height") is not None:
        width = _xml_number(filename, size, "width", "<size>")
        height = _xml_number(filename, size, "height", "<size>")
        annotations.declared_size[image_key(image_name)] = (int(width), int(height))
    boxes = []
    for index, element in enumerate(root.findall("object")):
        where = f'image "{shown_name(image_name)}", object {index + 1}'
        label = _xml_text(filename, element, "name", where)
        where += f" ({label!r})"
        box = element.find("bndbox")
        if box is None:
            raise IngestError(filename, f"{where}: <bndbox> is missing")
        xmin, ymin, xmax, ymax = (
            _xml_number(filename, box, name, where) for name in ("xmin", "ymin", "xmax", "ymax")
        )
        boxes.append(RawBox(label, xmin, ymin, xmax - xmin, ymax - ymin))
    annotations.add(filename, image_name, boxes)


def _yolo_classes(filename: str, data: bytes) -> list[str]:
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise IngestError(filename, "the classes file is not UTF-8 text") from None
    classes = [line.strip() for line in lines if line.strip()]
    if not classes:
        raise IngestError(filename, "the classes file names no class (one name per line)")
    return classes


def parse_yolo(filename: str, data: bytes, classes: list[str], annotations: Annotations) -> None:
    """One YOLO label file: a line `class centre_x centre_y width height` per box, each of the
    four a fraction of the image (0..1); class is a 0-based line of the classes file."""
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise IngestError(filename, "not a YOLO label file: it is not UTF-8 text") from None
    image_name = filename.rsplit(".", 1)[0]
    boxes: list[RawBox] = []
    for line_number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"line {line_number} (box {len(boxes) + 1})"
        if len(fields) != 5:
            raise IngestError(
                filename,
                f"{where}: a line is `class centre_x centre_y width height`, this one has {len(fields)} fields",
            )
        try:
            class_index = int(fields[0])
            centre_x, centre_y, width, height = (float(value) for value in fields[1:])
        except ValueError:
            raise IngestError(
                filename, f"{where}: the class must be an integer and the rest numbers"
            ) from None
        if not 0 <= class_index < len(classes):
            raise IngestError(
                filename,
                f"{where}: class {class_index} is not in the classes file ({len(classes)} classes, 0 to {len(classes) - 1})",
            )
        values = (centre_x, centre_y, width, height)
        if not all(math.isfinite(value) and 0 <= value <= 1 for value in values):
            raise IngestError(
                filename, f"{where}: centre and size are fractions of the image, from 0 to 1"
            )
        boxes.append(RawBox(classes[class_index], *values, normalised_centre=True))
    annotations.add(filename, image_name, boxes)  # matched by stem, see boxes_for_image


def parse_annotation_files(files: list[tuple[str, bytes]]) -> Annotations:
    """The boxes of every image the annotation files of one upload describe; they must all be
    of one format (one Edge Impulse or COCO file, or VOC/YOLO files one per image)."""
    formats: dict[str, BoxFormat] = {}
    for filename, _ in files:
        box_format = _format_of(filename)
        if box_format is None:
            raise IngestError(
                filename,
                "not an image (PNG, JPEG) nor an annotation file (bounding_boxes.labels, COCO "
                ".json, Pascal VOC .xml, YOLO .txt with classes.txt or obj.names)",
            )
        formats[filename] = box_format
    kinds = set(formats.values())
    if not kinds:
        raise IngestError("", "an import needs an annotation file beside the images")
    if len(kinds) > 1:
        raise IngestError(
            files[0][0],
            "an import takes annotations of one format; this one mixes " + ", ".join(sorted(kinds)),
        )
    box_format = kinds.pop()
    annotations = Annotations(box_format)
    if box_format in ("edge-impulse", "coco") and len(files) > 1:
        raise IngestError(
            files[1][0],
            f"an import takes one {box_format} annotation file, this one has {len(files)}",
        )
    if box_format == "yolo":
        class_files = [
            (n, d)
            for n, d in files
            if n.lower() in YOLO_CLASS_FILES or n.lower().endswith(".names")
        ]
        if len(class_files) != 1:
            raise IngestError(
                files[0][0],
                "YOLO labels need exactly one classes file (classes.txt or obj.names: one class "
                f"name per line); this import has {len(class_files)}",
            )
        classes_filename = class_files[0][0]
        classes = _yolo_classes(*class_files[0])
        for filename, data in files:
            if filename != classes_filename:
                parse_yolo(filename, data, classes, annotations)
        return annotations
    parser = {"edge-impulse": parse_edge_impulse, "coco": parse_coco, "voc": parse_voc}[box_format]
    for filename, data in files:
        parser(filename, data, annotations)
    return annotations


def _annotation_key(annotations: Annotations, image_name: str) -> str | None:
    if annotations.box_format == "yolo":
        stem = image_name.rsplit(".", 1)[0]
        return stem if stem in annotations.boxes else None
    key = image_key(image_name)
    return key if key in annotations.boxes else None


def has_boxes_for(annotations: Annotations, image_name: str) -> bool:
    return _annotation_key(annotations, image_name) is not None


def _pixel_box(raw: RawBox, image_width: int, image_height: int) -> dict[str, Any]:
    if raw.normalised_centre:
        left = (raw.x - raw.width / 2) * image_width
        top = (raw.y - raw.height / 2) * image_height
        right = (raw.x + raw.width / 2) * image_width
        bottom = (raw.y + raw.height / 2) * image_height
    else:
        left, top = raw.x, raw.y
        right, bottom = raw.x + raw.width, raw.y + raw.height
    if raw.width <= 0 or raw.height <= 0:
        x, y = round(left), round(top)
        return {
            "label": raw.label,
            "x": x,
            "y": y,
            "width": round(right) - x,
            "height": round(bottom) - y,
        }
    # Fractional edges within a pixel of the border are the border (rounding in the tool that
    # wrote them); farther out the box is refused by validate_boxes.
    if -EDGE_TOLERANCE_PIXELS < left < 0:
        left = 0
    if -EDGE_TOLERANCE_PIXELS < top < 0:
        top = 0
    if image_width < right < image_width + EDGE_TOLERANCE_PIXELS:
        right = image_width
    if image_height < bottom < image_height + EDGE_TOLERANCE_PIXELS:
        bottom = image_height
    x, y = round(left), round(top)
    return {
        "label": raw.label,
        "x": x,
        "y": y,
        "width": max(round(right) - x, 1),
        "height": max(round(bottom) - y, 1),
    }


def boxes_for_image(
    annotations: Annotations, image_name: str, image_width: int, image_height: int
) -> list[BoundingBox]:
    """The image's boxes in pixels ([] when the annotations do not describe it), or IngestError
    naming the annotation file, the image and the box."""
    key = _annotation_key(annotations, image_name)
    if key is None:
        return []
    source = annotations.source[key]
    declared = annotations.declared_size.get(key)
    if declared is not None and declared != (image_width, image_height):
        raise IngestError(
            source,
            f'the image "{shown_name(image_name)}" is {image_width} x {image_height} pixels but '
            f"the annotations say {declared[0]} x {declared[1]}; the boxes would not fit it",
        )
    pixel_boxes = [_pixel_box(raw, image_width, image_height) for raw in annotations.boxes[key]]
    try:
        return validate_boxes(pixel_boxes, image_width, image_height)
    except BoxError as error:
        raise IngestError(source, f'image "{shown_name(image_name)}", {error}') from None
