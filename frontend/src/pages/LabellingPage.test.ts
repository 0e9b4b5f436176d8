// The labelling canvas as the server renders it (vitest runs without a DOM here): the SVG is in
// the image's pixel units, and each box, its label and the selected box's handles are drawn.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import type { SamplePublic } from '../client/types.gen';
import { editorReducer, initialEditor } from '../lib/labellingEditor';
import { BoxCanvas } from './LabellingPage';

const sample = {
  id: 7,
  filename: 'bees.png',
  kind: 'image',
  shape: [64, 96, 3],
  bounding_boxes: [],
} as unknown as SamplePublic;

function render(selected: number | null): string {
  let editor = editorReducer(initialEditor('bee'), {
    type: 'load',
    boxes: [
      { label: 'bee', x: 10, y: 5, width: 20, height: 30 },
      { label: 'wasp', x: 50, y: 20, width: 40, height: 40 },
    ],
  });
  editor = editorReducer(editor, { type: 'select', index: selected });
  return renderToStaticMarkup(
    createElement(BoxCanvas, {
      projectId: 3,
      sample,
      editor,
      dispatch: () => undefined,
      readOnly: false,
    }),
  );
}

describe('BoxCanvas', () => {
  it('draws the image and every box in image pixels', () => {
    const html = render(null);
    expect(html).toContain('viewBox="0 0 96 64"');
    expect(html).toContain('/api/projects/3/samples/7/image');
    expect(html).toContain('<rect x="10" y="5" width="20" height="30"');
    expect(html).toContain('<rect x="50" y="20" width="40" height="40"');
    expect(html).toContain('>wasp</text>');
    expect(html).toContain('aria-label="2 boxes on bees.png"');
    expect(html).not.toContain('class="handle"');
  });
  it('shows the four resize handles of the selected box only', () => {
    const html = render(1);
    expect(html.match(/class="handle"/g)).toHaveLength(4);
    expect(html).toContain('<g class="box selected">');
    expect(html).toContain('cx="90" cy="60"');
  });
});
