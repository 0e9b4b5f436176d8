// The estimates table as the server renders it (vitest runs without a DOM here): each board's
// cycle estimate and its latency beside the instruction count, labelled as the Cortex-M4 model's,
// and what the model assumes of a core that is not a Cortex-M4.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import type { CostPublic, DeploymentEstimatesPublic } from '../client/types.gen';
import { estimateRows } from '../lib/deployment';
import { EstimatesTable } from './DeploymentPage';

const M4 = "Cortex-M4: the model's own core (Arm Cortex-M4 TRM r0p1 timings)";
const M7 = 'Cortex-M7: Cortex-M4 cycles x 0.58 for its dual issue';

function cost(instructions: number, cycles: number | null, latencyMs: number | null): CostPublic {
  return {
    latency_ms: instructions / 64e3,
    flash_bytes: 20_000,
    ram_bytes: 8_000,
    method: 'qemu',
    basis: '',
    notes: [],
    instructions,
    cycles,
    cycle_latency_ms: latencyMs,
    cycle_basis:
      cycles === null
        ? 'no cycle estimate: 40000000 instructions are more than the 20000000 an estimate traces'
        : '≈ cycles, Cortex-M4 model; instructions are a lower bound on a Cortex-M4’s cycles.',
    cycle_assumption: null,
  };
}

function estimates(
  board: string,
  clockHz: number,
  assumption: string,
  dsp: CostPublic,
  model: CostPublic,
  total: CostPublic,
): DeploymentEstimatesPublic {
  const precision = (name: string, withCycles: boolean) => ({
    precision: name,
    dsp,
    model,
    total: withCycles ? { ...total, cycle_assumption: assumption } : cost(40_000_000, null, null),
    fits: true,
    deployable: true,
    reason: null,
  });
  return {
    board: {
      name: board,
      description: board,
      core: 'cortex-m4f',
      clock_hz: clockHz,
      flash_bytes: 1 << 20,
      ram_bytes: 256 << 10,
    },
    trained_model_id: 1,
    int8: precision('int8', true),
    float32: precision('float32', false),
    notes: [],
  };
}

function render(): string {
  const rows = estimateRows([
    estimates(
      'nano33ble',
      64e6,
      M4,
      cost(800_000, 1_000_000, 15.625),
      cost(300_000, 430_000, 6.72),
      cost(1_100_000, 1_430_000, 22.345),
    ),
    estimates(
      'stm32f7',
      216e6,
      M7,
      cost(800_000, 1_000_000, 2.7),
      cost(300_000, 430_000, 1.16),
      cost(1_100_000, 1_430_000, 3.86),
    ),
  ]);
  return renderToStaticMarkup(createElement(EstimatesTable, { rows }));
}

describe('EstimatesTable', () => {
  it('labels the cycle column as the Cortex-M4 model with instructions a lower bound', () => {
    const html = render();
    expect(html).toContain(
      'title="≈ cycles, Cortex-M4 model; instructions are a lower bound">≈ Cycles</th>',
    );
    expect(html).toContain('colSpan="5">int8</th>');
    expect(html).toMatch(/data-testid="cycles-note">≈ Cycles: a Cortex-M4 cycle model\./);
    expect(html).toContain('lower bound on a Cortex-M4&#x27;s cycles');
  });

  it('gives each board its cycles, their latency, the instructions and the DSP/model split', () => {
    const cells = render().match(/<td[^>]*data-testid="cycles-cell"[^>]*>.*?<\/td>/g) ?? [];
    // Two boards, int8 and float32 each.
    expect(cells).toHaveLength(4);
    const [nanoInt8, nanoFloat, m7Int8] = cells;
    expect(nanoInt8).toContain('≈ 1.43 M');
    expect(nanoInt8).toContain('≈ 22.3 ms');
    expect(nanoInt8).toContain('1.1 M instructions');
    expect(nanoInt8).toContain('DSP ≈ 1 M + model ≈ 430 k');
    expect(nanoInt8).toContain('title="≈ cycles, Cortex-M4 model; instructions are a lower');
    expect(m7Int8).toContain('≈ 3.86 ms');
    // Without a cycle estimate: a dash, the instructions, and the reason in the title.
    expect(nanoFloat).toMatch(/title="no cycle estimate: 40000000 instructions[^"]*"/);
    expect(nanoFloat).toContain('>—<');
    expect(nanoFloat).toContain('40 M instructions');
  });

  it('says what the cycle model assumes of each board’s core', () => {
    const html = render();
    expect(html).toContain('aria-label="What the cycle estimates assume"');
    expect(html).toContain(`<li>nano33ble: ${M4.replace(/'/g, '&#x27;')}</li>`);
    expect(html).toContain(`<li>stm32f7: ${M7}</li>`);
  });
});
