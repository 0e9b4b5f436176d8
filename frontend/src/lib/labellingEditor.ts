// The labelling page's state for one image as a reducer, and its keyboard map: which key does
// what. Pure, so the page's behaviour is tested without a browser.
import {
  copyBoxes,
  labelForDigit,
  nudgeBox,
  sameBoxes,
  type Box,
  type ImageSize,
} from './boxEditing';

export interface EditorState {
  /** The boxes as edited, not yet saved. */
  boxes: Box[];
  /** The boxes as stored, to know whether there is anything to save. */
  saved: Box[];
  selected: number | null;
  /** The label new boxes get: the last one used, remembered across images. */
  label: string;
}

export type EditorAction =
  | { type: 'load'; boxes: Box[] }
  | { type: 'saved'; boxes: Box[] }
  | { type: 'add'; box: Box }
  | { type: 'change'; index: number; box: Box }
  | { type: 'select'; index: number | null }
  | { type: 'delete' }
  | { type: 'label'; label: string }
  | { type: 'copy'; previous: Box[]; size: ImageSize };

export function initialEditor(label: string): EditorState {
  return { boxes: [], saved: [], selected: null, label };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'load':
      return { ...state, boxes: action.boxes, saved: action.boxes, selected: null };
    case 'saved':
      return { ...state, saved: action.boxes };
    case 'add':
      return { ...state, boxes: [...state.boxes, action.box], selected: state.boxes.length };
    case 'change':
      return {
        ...state,
        boxes: state.boxes.map((box, i) => (i === action.index ? action.box : box)),
      };
    case 'select':
      return { ...state, selected: action.index };
    case 'delete':
      if (state.selected === null) return state;
      return {
        ...state,
        boxes: state.boxes.filter((_, i) => i !== state.selected),
        selected: null,
      };
    case 'label': {
      // Relabels the selected box, and is remembered for the next boxes and images.
      const label = action.label;
      if (state.selected === null) return { ...state, label };
      return {
        ...state,
        label,
        boxes: state.boxes.map((box, i) => (i === state.selected ? { ...box, label } : box)),
      };
    }
    case 'copy': {
      const copied = copyBoxes(action.previous, action.size);
      return { ...state, boxes: [...state.boxes, ...copied], selected: null };
    }
  }
}

export function isDirty(state: EditorState): boolean {
  return !sameBoxes(state.boxes, state.saved);
}

export type KeyCommand =
  { type: 'next' } | { type: 'previous' } | { type: 'copy' } | { type: 'save' } | EditorAction;

export interface KeyInput {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/**
 * What a key press means: N / P (or PageDown / PageUp) next and previous image; 1–9 the known
 * labels; Delete or Backspace removes the selected box; Escape deselects; arrows move the
 * selected box (Shift: 10 px, Alt: resize); C copies the previous image's boxes; Ctrl+S saves.
 */
export function keyCommand(
  input: KeyInput,
  state: EditorState,
  labels: readonly string[],
  size: ImageSize,
): KeyCommand | null {
  if ((input.ctrlKey || input.metaKey) && input.key.toLowerCase() === 's') return { type: 'save' };
  if (input.ctrlKey || input.metaKey) return null;
  const key = input.key;
  if (key === 'n' || key === 'N' || key === 'PageDown') return { type: 'next' };
  if (key === 'p' || key === 'P' || key === 'PageUp') return { type: 'previous' };
  if (key === 'c' || key === 'C') return { type: 'copy' };
  if (key === 'Escape') return { type: 'select', index: null };
  const label = labelForDigit(labels, key);
  if (label !== null) return { type: 'label', label };
  if (state.selected === null) return null;
  if (key === 'Delete' || key === 'Backspace') return { type: 'delete' };
  const box = state.boxes[state.selected];
  if (!box) return null;
  const moved = nudgeBox(box, key, { shift: input.shiftKey, alt: input.altKey }, size);
  return moved ? { type: 'change', index: state.selected, box: moved } : null;
}
