import { describe, expect, it } from 'vitest';

import type {
  BoardPublic,
  DeploymentEstimatesPublic,
  DeploymentTargetPublic,
} from '../client/types.gen';
import {
  boardFor,
  defaultTarget,
  describeBoard,
  estimateRows,
  formatCount,
  unknownFitNotes,
  formatLatency,
  formatMemory,
  precisionFor,
  precisionNote,
} from './deployment';

const target = (name: string, available: boolean, precisions = ['int8', 'float32']) =>
  ({
    name,
    title: name,
    description: '',
    precisions,
    available,
    reason: available ? null : 'no emcc',
  }) as DeploymentTargetPublic;

describe('defaultTarget', () => {
  it('prefers the C++ SDK, else the first target that can be built', () => {
    expect(defaultTarget([target('wasm', true), target('cpp-sdk', true)])).toBe('cpp-sdk');
    expect(defaultTarget([target('wasm', false), target('arduino', true)])).toBe('arduino');
    expect(defaultTarget([target('wasm', false)])).toBeNull();
  });
});

const nano: BoardPublic = {
  name: 'nano33ble',
  description: 'Arduino Nano 33 BLE Sense (nRF52840)',
  core: 'cortex-m4f',
  clock_hz: 64_000_000,
  flash_bytes: 1024 * 1024,
  ram_bytes: 256 * 1024,
  fpu: 'fpv4-sp-d16',
  dsp_extension: true,
};
const m0: BoardPublic = {
  ...nano,
  name: 'm0',
  core: 'cortex-m0plus',
  clock_hz: 48_000_000,
  ram_bytes: 32 * 1024,
  flash_bytes: 256 * 1024,
  fpu: null,
  dsp_extension: false,
};

describe('boardFor', () => {
  it('keeps the chosen board while the list has it, else takes the first listed', () => {
    expect(boardFor([nano, m0], 'm0')).toBe('m0');
    expect(boardFor([nano, m0], null)).toBe('nano33ble');
    expect(boardFor([m0], 'nano33ble')).toBe('m0');
    expect(boardFor([], null)).toBeNull();
  });
});

describe('describeBoard', () => {
  it('names the core, clock, memories, FPU and DSP extension', () => {
    expect(describeBoard(nano)).toBe(
      'Cortex-M4F at 64 MHz, 256 KiB RAM, 1 MiB flash, FPU fpv4-sp-d16, DSP extension',
    );
    expect(describeBoard(m0)).toBe('Cortex-M0+ at 48 MHz, 32 KiB RAM, 256 KiB flash, no FPU');
    expect(describeBoard({ ...nano, core: 'cortex-m33f', clock_hz: 128e6 })).toMatch(
      /^Cortex-M33F at 128 MHz/,
    );
  });

  it.each([
    [512, '512 B'],
    [320 * 1024, '320 KiB'],
    [1536 * 1024, '1.5 MiB'],
  ])('%s bytes read %s', (size, text) => {
    expect(formatMemory(size)).toBe(text);
  });
});

describe('precisionFor', () => {
  it('keeps the precision the target offers, else takes its first', () => {
    expect(precisionFor(target('cpp-sdk', true), 'float32')).toBe('float32');
    expect(precisionFor(target('tflite-int8', true, ['int8']), 'float32')).toBe('int8');
    expect(precisionFor(undefined, 'float32')).toBe('float32');
  });
});

describe('precisionNote', () => {
  it('says nothing for int8 and warns of soft float on a board without an FPU', () => {
    expect(precisionNote('int8', m0)).toBeNull();
    expect(precisionNote('float32', nano)).toContain('not quantized');
    expect(precisionNote('float32', nano)).not.toContain('soft-float');
    expect(precisionNote('float32', m0)).toContain('m0 has no FPU');
    expect(precisionNote('float32', m0)).toContain('soft-float');
  });
});

describe('formatLatency', () => {
  it.each([
    [0.85, '850 µs'],
    [3.456, '3.46 ms'],
    [123.44, '123.4 ms'],
    [null, '—'],
  ])('%s ms reads %s', (value, text) => {
    expect(formatLatency(value)).toBe(text);
  });
});

describe('estimateRows', () => {
  const cost = (
    latency_ms: number | null,
    ram_bytes: number | null,
    flash_bytes: number | null,
  ) => ({
    latency_ms,
    ram_bytes,
    flash_bytes,
    method: 'qemu',
    basis: '',
    notes: [],
  });
  const estimates = {
    board: {
      name: 'nano33ble',
      description: 'Nano',
      core: 'cortex-m4',
      clock_hz: 64e6,
      flash_bytes: 1_000_000,
      ram_bytes: 256_000,
    },
    trained_model_id: 1,
    int8: {
      precision: 'int8',
      dsp: null,
      model: cost(1, 1, 1),
      total: cost(12.5, 64_000, 100_000),
      fits: true,
      deployable: true,
      reason: null,
    },
    float32: {
      precision: 'float32',
      dsp: null,
      model: cost(1, 1, 1),
      total: cost(null, 512_000, null),
      fits: false,
      deployable: true,
      reason: null,
    },
    notes: [],
  } as DeploymentEstimatesPublic;
  it('puts int8 and float32 side by side with the share of the board used', () => {
    expect(estimateRows([estimates])).toEqual([
      {
        board: 'nano33ble',
        description: 'Nano',
        cycleAssumption: null,
        int8: {
          latency: '12.5 ms',
          latencySplit: null,
          ram: '64 kB (25%)',
          dspRam: null,
          flash: '100 kB (10%)',
          fit: 'fits',
          fitReason: null,
          method: 'qemu',
          cycles: '—',
          cycleLatency: null,
          instructions: '—',
          cycleSplit: null,
          cycleBasis: null,
        },
        float32: {
          latency: '—',
          latencySplit: null,
          ram: '512 kB (200%)',
          dspRam: null,
          flash: '—',
          fit: 'too big',
          fitReason: null,
          method: 'qemu',
          cycles: '—',
          cycleLatency: null,
          instructions: '—',
          cycleSplit: null,
          cycleBasis: null,
        },
      },
    ]);
  });

  it('splits the latency into DSP and model and gives the DSP RAM with its stack', () => {
    const withDsp = {
      ...estimates,
      int8: {
        ...estimates.int8,
        dsp: { ...cost(50.4, 72_732, 12_508), stack_bytes: 224 },
        model: cost(2.4, 8_000, 20_000),
      },
    } as DeploymentEstimatesPublic;
    const [row] = estimateRows([withDsp]);
    expect(row?.int8.latencySplit).toBe('DSP 50.4 ms + model 2.4 ms');
    expect(row?.int8.dspRam).toBe('DSP 72.7 kB (stack 224 B)');
    expect(row?.float32.latencySplit).toBeNull();
  });

  it('gives the cycle estimate and its latency beside the instructions, DSP and model', () => {
    const counted = (instructions: number, cycles: number, cycle_latency_ms: number) => ({
      ...cost(1, 1, 1),
      instructions,
      cycles,
      cycle_latency_ms,
      cycle_basis: '≈ cycles, Cortex-M4 model; instructions are a lower bound. …',
      cycle_assumption: "Cortex-M4: the model's own core",
    });
    const withCycles = {
      ...estimates,
      int8: {
        ...estimates.int8,
        dsp: counted(800_000, 1_000_000, 15.625),
        model: counted(300_000, 430_000, 6.72),
        total: counted(1_100_000, 1_430_000, 22.34),
      },
    } as DeploymentEstimatesPublic;
    const [row] = estimateRows([withCycles]);
    expect(row?.int8.cycles).toBe('≈ 1.43 M');
    expect(row?.int8.cycleLatency).toBe('≈ 22.3 ms');
    expect(row?.int8.instructions).toBe('1.1 M');
    expect(row?.int8.cycleSplit).toBe('DSP ≈ 1 M + model ≈ 430 k');
    expect(row?.int8.cycleBasis).toMatch(/^≈ cycles, Cortex-M4 model; instructions are a lower/);
    expect(row?.cycleAssumption).toBe("Cortex-M4: the model's own core");
    expect(row?.float32.cycles).toBe('—');
  });

  it.each([
    [740, '740'],
    [9_876, '9876'],
    [12_345, '12.3 k'],
    [5_190_000, '5.19 M'],
    [null, '—'],
  ])('counts %s as %s', (count, text) => {
    expect(formatCount(count)).toBe(text);
  });

  it('says why the fit is unknown instead of "not measured"', () => {
    const unknown = {
      ...estimates,
      float32: {
        ...estimates.float32,
        fits: null,
        fits_unknown_reason: "the model's RAM is unknown (the float32 arena is unknown: x)",
      },
    } as DeploymentEstimatesPublic;
    const rows = estimateRows([unknown]);
    expect(rows[0]?.float32.fit).toBe('unknown');
    expect(unknownFitNotes(rows)).toEqual([
      "float32 on nano33ble: the model's RAM is unknown (the float32 arena is unknown: x)",
    ]);
  });
});
