import { describe, expect, it } from 'vitest';

import {
  blockStartFields,
  detectorTitle,
  splitDetectors,
  startsFromModel,
  storedChoice,
  uploadProblem,
} from './detectorStart';

const detectors = [
  { model_id: 7, project_id: 1, project_name: 'shapes', block_name: 'FOMO' },
  { model_id: 9, project_id: 2, project_name: 'birds', block_name: '' },
];

describe('detector start choice', () => {
  it("splits this project's detectors from those of other projects", () => {
    const { own, others } = splitDetectors(detectors, 1);
    expect(own.map((d) => d.model_id)).toEqual([7]);
    expect(others.map((d) => d.model_id)).toEqual([9]);
  });

  it('reads the stored block back as the choice it was', () => {
    expect(storedChoice({}, detectors, 1)).toEqual({ kind: 'none', id: '' });
    expect(storedChoice({ initial_model_id: 7 }, detectors, 1)).toEqual({
      kind: 'project',
      id: '7',
    });
    expect(storedChoice({ initial_model_id: 9 }, detectors, 1)).toEqual({ kind: 'other', id: '9' });
    // No longer listed (deleted, or access revoked): shown as another project's, by id.
    expect(storedChoice({ initial_model_id: 40 }, detectors, 1)).toEqual({
      kind: 'other',
      id: '40',
    });
    expect(storedChoice({ initial_model_file_id: 3 }, detectors, 1)).toEqual({
      kind: 'upload',
      id: '3',
    });
  });

  it('sends one of the two ids, never both', () => {
    expect(blockStartFields({ kind: 'upload', id: '3' })).toEqual({
      initial_model_id: null,
      initial_model_file_id: 3,
    });
    expect(blockStartFields({ kind: 'other', id: '9' })).toEqual({
      initial_model_id: 9,
      initial_model_file_id: null,
    });
    expect(blockStartFields({ kind: 'none', id: '9' })).toEqual({
      initial_model_id: null,
      initial_model_file_id: null,
    });
    expect(startsFromModel({ kind: 'upload', id: '' })).toBe(false);
    expect(startsFromModel({ kind: 'project', id: '7' })).toBe(true);
  });

  it('names the project of a model of another project', () => {
    expect(detectorTitle(detectors[0]!, 1)).toBe('model #7 (FOMO)');
    expect(detectorTitle(detectors[1]!, 1)).toBe('model #9 of birds (detection block)');
  });

  it('refuses a file the server would refuse, before sending it', () => {
    expect(uploadProblem({ name: 'net.keras', size: 10 }, 100)).toBeNull();
    expect(uploadProblem({ name: 'NET.H5', size: 10 }, 100)).toBeNull();
    expect(uploadProblem({ name: 'net.tflite', size: 10 }, 100)).toMatch(/not a .keras or .h5/);
    expect(uploadProblem({ name: 'net.keras', size: 101 }, 100)).toMatch(/larger than 100 bytes/);
  });
});
