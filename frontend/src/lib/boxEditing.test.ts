import { describe, expect, it } from 'vitest';

import {
  boxFromDrag,
  clampBox,
  copyBoxes,
  grabAt,
  knownLabels,
  labelForDigit,
  moveBox,
  nudgeBox,
  resizeBox,
  sameBoxes,
  toImagePoint,
  type Box,
} from './boxEditing';

const size = { width: 96, height: 64 };
const box: Box = { label: 'cat', x: 10, y: 10, width: 20, height: 10 };

describe('drawing', () => {
  it('makes an integer box from a drag in any direction', () => {
    expect(boxFromDrag({ x: 30.4, y: 20.6 }, { x: 10.2, y: 5 }, 'dog', size)).toEqual({
      label: 'dog',
      x: 10,
      y: 5,
      width: 20,
      height: 16,
    });
  });
  it('cuts a drag that leaves the image at its edges', () => {
    expect(boxFromDrag({ x: 80, y: 50 }, { x: 200, y: -30 }, 'dog', size)).toEqual({
      label: 'dog',
      x: 80,
      y: 0,
      width: 16,
      height: 50,
    });
  });
  it('takes a tiny drag as a click', () => {
    expect(boxFromDrag({ x: 10, y: 10 }, { x: 11, y: 30 }, 'dog', size)).toBeNull();
  });
});

describe('moving and resizing', () => {
  it('moves a box and stops it at the edges without changing its size', () => {
    expect(moveBox(box, 5.4, -2, size)).toMatchObject({ x: 15, y: 8, width: 20, height: 10 });
    expect(moveBox(box, 500, 500, size)).toMatchObject({ x: 76, y: 54, width: 20, height: 10 });
    expect(moveBox(box, -500, -500, size)).toMatchObject({ x: 0, y: 0 });
  });
  it('resizes from a corner, keeping the opposite corner', () => {
    expect(resizeBox(box, 'se', { x: 50, y: 40 }, size)).toMatchObject({
      x: 10,
      y: 10,
      width: 40,
      height: 30,
    });
    expect(resizeBox(box, 'nw', { x: 5, y: 2 }, size)).toMatchObject({
      x: 5,
      y: 2,
      width: 25,
      height: 18,
    });
    // Dragged past the opposite corner, the box flips rather than going negative.
    expect(resizeBox(box, 'se', { x: 0, y: 0 }, size)).toMatchObject({
      x: 0,
      y: 0,
      width: 10,
      height: 10,
    });
  });
  it('keeps every box at least 1 pixel and inside the image', () => {
    expect(resizeBox(box, 'se', { x: 10, y: 10 }, size)).toMatchObject({ width: 1, height: 1 });
    expect(clampBox({ label: 'a', x: 90, y: -3, width: 30, height: 0 }, size)).toEqual({
      label: 'a',
      x: 66,
      y: 0,
      width: 30,
      height: 1,
    });
  });
});

describe('picking', () => {
  const boxes: Box[] = [box, { label: 'dog', x: 20, y: 12, width: 30, height: 30 }];
  it('prefers a corner handle, then the topmost box', () => {
    expect(grabAt(boxes, { x: 10.5, y: 9.5 }, 2)).toEqual({ index: 0, part: 'nw' });
    expect(grabAt(boxes, { x: 25, y: 15 }, 1)).toEqual({ index: 1, part: 'move' });
    expect(grabAt(boxes, { x: 12, y: 15 }, 1)).toEqual({ index: 0, part: 'move' });
    expect(grabAt(boxes, { x: 90, y: 60 }, 1)).toBeNull();
  });
});

describe('keyboard', () => {
  it('moves by 1, by 10 with Shift, resizes with Alt, and ignores other keys', () => {
    const plain = { shift: false, alt: false };
    expect(nudgeBox(box, 'ArrowRight', plain, size)).toMatchObject({ x: 11, y: 10 });
    expect(nudgeBox(box, 'ArrowUp', { shift: true, alt: false }, size)).toMatchObject({ y: 0 });
    expect(nudgeBox(box, 'ArrowDown', { shift: false, alt: true }, size)).toMatchObject({
      x: 10,
      y: 10,
      width: 20,
      height: 11,
    });
    expect(nudgeBox(box, 'ArrowLeft', { shift: true, alt: true }, size)).toMatchObject({
      width: 10,
    });
    expect(nudgeBox(box, 'x', plain, size)).toBeNull();
  });
  it('maps digits 1 to 9 to the known labels', () => {
    const labels = knownLabels(
      [[box, { ...box, label: 'dog' }], [{ ...box, label: 'cat' }]],
      'bee',
    );
    expect(labels).toEqual(['cat', 'dog', 'bee']);
    expect(labelForDigit(labels, '2')).toBe('dog');
    expect(labelForDigit(labels, '4')).toBeNull();
    expect(labelForDigit(labels, '0')).toBeNull();
  });
});

describe('copying and comparing', () => {
  it('fits the previous image boxes to a smaller image', () => {
    const copied = copyBoxes([box, { ...box, x: 90 }, { ...box, x: 200 }], {
      width: 95,
      height: 15,
    });
    expect(copied).toEqual([
      { label: 'cat', x: 10, y: 5, width: 20, height: 10 },
      { label: 'cat', x: 75, y: 5, width: 20, height: 10 },
    ]);
  });
  it('compares box lists by value', () => {
    expect(sameBoxes([box], [{ ...box }])).toBe(true);
    expect(sameBoxes([box], [{ ...box, label: 'dog' }])).toBe(false);
    expect(sameBoxes([box], [])).toBe(false);
  });
  it('converts page coordinates to image pixels for a scaled image', () => {
    const rect = { left: 100, top: 50, width: 480, height: 320 };
    expect(toImagePoint({ x: 340, y: 210 }, rect, size)).toEqual({ x: 48, y: 32 });
  });
});
