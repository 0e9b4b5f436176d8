import { describe, expect, it } from 'vitest';

import type { DeploymentBuildPublic } from '../client/types.gen';
import { comparableWasmBuilds } from './useDeviceBuild';

const build = (id: number, target: string, precision: string | null): DeploymentBuildPublic => ({
  id,
  job_id: id,
  trained_model_id: 1,
  kind: `deploy-${target}`,
  target,
  precision,
  file_name: `${target}.zip`,
  content_type: 'application/zip',
  size_bytes: 1,
  sha256: '',
  created_at: '2026-01-01T00:00:00Z',
});

describe('comparableWasmBuilds', () => {
  it('keeps int8 WebAssembly builds (and older ones without a precision), not float32', () => {
    const builds = [
      build(4, 'wasm', 'float32'),
      build(3, 'cpp-sdk', 'int8'),
      build(2, 'wasm', 'int8'),
      build(1, 'wasm', null),
    ];
    expect(comparableWasmBuilds(builds).map((entry) => entry.id)).toEqual([2, 1]);
  });
});
