import { describe, expect, it } from 'vitest';

import type { Box } from './boxEditing';
import {
  editorReducer,
  initialEditor,
  isDirty,
  keyCommand,
  type EditorState,
  type KeyInput,
} from './labellingEditor';

const size = { width: 96, height: 64 };
const cat: Box = { label: 'cat', x: 10, y: 10, width: 20, height: 10 };
const dog: Box = { label: 'dog', x: 40, y: 20, width: 10, height: 10 };

function key(k: string, extra: Partial<KeyInput> = {}): KeyInput {
  return { key: k, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, ...extra };
}

function loaded(boxes: Box[], label = 'cat'): EditorState {
  return editorReducer(initialEditor(label), { type: 'load', boxes });
}

describe('the editor state', () => {
  it('adds, selects, relabels and deletes boxes, and knows when to save', () => {
    let state = loaded([cat]);
    expect(isDirty(state)).toBe(false);
    state = editorReducer(state, { type: 'add', box: dog });
    expect(state.selected).toBe(1);
    expect(isDirty(state)).toBe(true);
    state = editorReducer(state, { type: 'label', label: 'bee' });
    expect(state.boxes[1]!.label).toBe('bee');
    expect(state.label).toBe('bee'); // remembered for the next boxes
    state = editorReducer(state, { type: 'select', index: 0 });
    state = editorReducer(state, { type: 'delete' });
    expect(state.boxes).toEqual([{ ...dog, label: 'bee' }]);
    expect(state.selected).toBeNull();
    state = editorReducer(state, { type: 'saved', boxes: state.boxes });
    expect(isDirty(state)).toBe(false);
  });
  it('keeps the remembered label when a new image loads', () => {
    let state = editorReducer(loaded([]), { type: 'label', label: 'bee' });
    state = editorReducer(state, { type: 'load', boxes: [dog] });
    expect(state.label).toBe('bee');
    expect(state.boxes).toEqual([dog]);
  });
  it('a label with nothing selected only changes the label of the next box', () => {
    const state = editorReducer(loaded([cat]), { type: 'label', label: 'dog' });
    expect(state.boxes).toEqual([cat]);
    expect(state.label).toBe('dog');
  });
  it('copies the previous image boxes after its own', () => {
    const state = editorReducer(loaded([cat]), {
      type: 'copy',
      previous: [dog, { ...dog, x: 500 }],
      size,
    });
    expect(state.boxes).toEqual([cat, dog]);
  });
});

describe('the keyboard map', () => {
  const labels = ['cat', 'dog'];
  it('navigates, copies and saves', () => {
    const state = loaded([cat]);
    expect(keyCommand(key('n'), state, labels, size)).toEqual({ type: 'next' });
    expect(keyCommand(key('PageUp'), state, labels, size)).toEqual({ type: 'previous' });
    expect(keyCommand(key('c'), state, labels, size)).toEqual({ type: 'copy' });
    expect(keyCommand(key('s', { ctrlKey: true }), state, labels, size)).toEqual({ type: 'save' });
    expect(keyCommand(key('c', { ctrlKey: true }), state, labels, size)).toBeNull();
  });
  it('digit keys pick a label; Delete and arrows act on the selected box only', () => {
    const state = loaded([cat]);
    expect(keyCommand(key('2'), state, labels, size)).toEqual({ type: 'label', label: 'dog' });
    expect(keyCommand(key('Delete'), state, labels, size)).toBeNull();
    expect(keyCommand(key('ArrowLeft'), state, labels, size)).toBeNull();
    const selected = editorReducer(state, { type: 'select', index: 0 });
    expect(keyCommand(key('Delete'), selected, labels, size)).toEqual({ type: 'delete' });
    expect(keyCommand(key('ArrowLeft', { shiftKey: true }), selected, labels, size)).toEqual({
      type: 'change',
      index: 0,
      box: { ...cat, x: 0 },
    });
    expect(keyCommand(key('Escape'), selected, labels, size)).toEqual({
      type: 'select',
      index: null,
    });
  });
});
