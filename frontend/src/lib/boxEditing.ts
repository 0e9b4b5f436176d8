// Bounding-box editing as pure functions over image pixels: drawing, moving, resizing, picking,
// keyboard nudges and label shortcuts. The labelling page only turns pointer and key events into
// calls here, so every rule the backend checks (inside the image, at least 1 pixel) holds
// before a box is saved.

export interface Box {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

export type Handle = 'nw' | 'ne' | 'sw' | 'se';
export type Grab = { index: number; part: Handle | 'move' };

/** Boxes smaller than this (in image pixels) are taken as a click, not a drawn box. */
export const MIN_DRAWN_PIXELS = 2;

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** The box made integer, at least 1 x 1 pixel and inside the image (moved in, then shrunk). */
export function clampBox(box: Box, size: ImageSize): Box {
  const width = clamp(Math.round(box.width), 1, size.width);
  const height = clamp(Math.round(box.height), 1, size.height);
  return {
    label: box.label,
    x: clamp(Math.round(box.x), 0, size.width - width),
    y: clamp(Math.round(box.y), 0, size.height - height),
    width,
    height,
  };
}

/** The box between two corners of a drag, in any direction, cut at the image's edges; null
 * when it is too small to be meant (a click). */
export function boxFromDrag(start: Point, end: Point, label: string, size: ImageSize): Box | null {
  const left = clamp(Math.min(start.x, end.x), 0, size.width);
  const right = clamp(Math.max(start.x, end.x), 0, size.width);
  const top = clamp(Math.min(start.y, end.y), 0, size.height);
  const bottom = clamp(Math.max(start.y, end.y), 0, size.height);
  if (right - left < MIN_DRAWN_PIXELS || bottom - top < MIN_DRAWN_PIXELS) return null;
  return clampBox({ label, x: left, y: top, width: right - left, height: bottom - top }, size);
}

/** The box moved by (dx, dy), stopped at the image's edges; its size never changes. */
export function moveBox(box: Box, dx: number, dy: number, size: ImageSize): Box {
  return {
    ...box,
    x: clamp(Math.round(box.x + dx), 0, size.width - box.width),
    y: clamp(Math.round(box.y + dy), 0, size.height - box.height),
  };
}

/** The box with one corner dragged to `point`; the opposite corner stays where it is. */
export function resizeBox(box: Box, handle: Handle, point: Point, size: ImageSize): Box {
  const fixedX = handle === 'nw' || handle === 'sw' ? box.x + box.width : box.x;
  const fixedY = handle === 'nw' || handle === 'ne' ? box.y + box.height : box.y;
  const x = clamp(point.x, 0, size.width);
  const y = clamp(point.y, 0, size.height);
  const left = Math.min(fixedX, x);
  const top = Math.min(fixedY, y);
  return clampBox(
    {
      label: box.label,
      x: left,
      y: top,
      width: Math.max(Math.abs(fixedX - x), 1),
      height: Math.max(Math.abs(fixedY - y), 1),
    },
    size,
  );
}

/** Which box and which part of it is under `point`: a corner within `handleRadius` pixels, else
 * the inside of the topmost (last drawn) box; null over the background. */
export function grabAt(boxes: readonly Box[], point: Point, handleRadius: number): Grab | null {
  for (let index = boxes.length - 1; index >= 0; index--) {
    const box = boxes[index]!;
    const corners: [Handle, number, number][] = [
      ['nw', box.x, box.y],
      ['ne', box.x + box.width, box.y],
      ['sw', box.x, box.y + box.height],
      ['se', box.x + box.width, box.y + box.height],
    ];
    for (const [handle, cx, cy] of corners) {
      if (Math.abs(point.x - cx) <= handleRadius && Math.abs(point.y - cy) <= handleRadius) {
        return { index, part: handle };
      }
    }
  }
  for (let index = boxes.length - 1; index >= 0; index--) {
    const box = boxes[index]!;
    if (
      point.x >= box.x &&
      point.x <= box.x + box.width &&
      point.y >= box.y &&
      point.y <= box.y + box.height
    ) {
      return { index, part: 'move' };
    }
  }
  return null;
}

/** The box after an arrow key: a 1-pixel move (10 with Shift); with Alt the arrow grows or
 * shrinks the right or bottom edge instead. null for any other key. */
export function nudgeBox(
  box: Box,
  key: string,
  modifiers: { shift: boolean; alt: boolean },
  size: ImageSize,
): Box | null {
  const step = modifiers.shift ? 10 : 1;
  const delta: Record<string, [number, number]> = {
    ArrowLeft: [-step, 0],
    ArrowRight: [step, 0],
    ArrowUp: [0, -step],
    ArrowDown: [0, step],
  };
  const move = delta[key];
  if (!move) return null;
  if (modifiers.alt) {
    // The top-left corner stays; the far edges stop at the image's.
    return {
      ...box,
      width: clamp(box.width + move[0], 1, size.width - box.x),
      height: clamp(box.height + move[1], 1, size.height - box.y),
    };
  }
  return moveBox(box, move[0], move[1], size);
}

/** The label a digit key stands for: 1 to 9 pick the known labels in order. */
export function labelForDigit(labels: readonly string[], key: string): string | null {
  if (!/^[1-9]$/.test(key)) return null;
  return labels[Number(key) - 1] ?? null;
}

/** Distinct labels, in the order first seen: the digit shortcuts stay put as boxes are added. */
export function knownLabels(boxLists: readonly (readonly Box[])[], remembered?: string): string[] {
  const seen: string[] = [];
  for (const boxes of boxLists) {
    for (const box of boxes) if (!seen.includes(box.label)) seen.push(box.label);
  }
  if (remembered && !seen.includes(remembered)) seen.push(remembered);
  return seen;
}

/** The previous image's boxes fitted to this one (images of one project may differ in size). */
export function copyBoxes(previous: readonly Box[], size: ImageSize): Box[] {
  return previous
    .filter((box) => box.x < size.width && box.y < size.height)
    .map((box) => clampBox(box, size));
}

export function sameBoxes(a: readonly Box[], b: readonly Box[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (box, i) =>
        box.label === b[i]!.label &&
        box.x === b[i]!.x &&
        box.y === b[i]!.y &&
        box.width === b[i]!.width &&
        box.height === b[i]!.height,
    )
  );
}

/** A point of the page (clientX/Y) in image pixels, for an element showing the whole image. */
export function toImagePoint(
  client: Point,
  rect: { left: number; top: number; width: number; height: number },
  size: ImageSize,
): Point {
  return {
    x: ((client.x - rect.left) / rect.width) * size.width,
    y: ((client.y - rect.top) / rect.height) * size.height,
  };
}
