import { describe, expect, it } from 'vitest';

import type { TunerSearchPublic, TunerTrialPublic } from '../client/types.gen';
import {
  defaultForm,
  markerSize,
  reasonParts,
  scatterLayout,
  scatterTraces,
  searchBody,
  searchPercent,
  searchProgress,
  trialRow,
} from './tuner';

const trial = (number: number, overrides: Partial<TunerTrialPublic> = {}): TunerTrialPublic =>
  ({
    id: 100 + number,
    number,
    state: 'complete',
    worker: 'host:1',
    worker_name: 'mcuforge-1@host',
    job_id: 1,
    config: {
      dsp: { type: 'mfcc', params: { frame_length_s: 0.025, n_filters: 32 } },
      network: { family: 'conv1d', description: 'conv1d ×1 width, 2 blocks' },
      learning_rate: 0.005,
    },
    result: {
      float32: { accuracy: 0.92 },
      int8: { accuracy: 0.9 },
      cost: {
        dsp_latency_ms: 10,
        model_latency_ms: 2.5,
        latency_ms: 12.5,
        ram_bytes: 20000,
        flash_bytes: 40000,
      },
      fits: true,
    },
    objective_value: 0.9,
    latency_ms: 12.5,
    error: null,
    started_at: '2026-12-05T10:00:00Z',
    finished_at: null,
    on_pareto_front: false,
    ...overrides,
  }) as TunerTrialPublic;

describe('searchBody', () => {
  it('sends the board, a trial count and the objective by default', () => {
    expect(searchBody(defaultForm)).toEqual({
      body: {
        board: 'nano33ble',
        objective: 'accuracy',
        max_trials: 30,
        parallel_trials: 2,
        epochs: 20,
      },
    });
  });

  it('turns custom limits into bytes and a time budget into seconds', () => {
    const result = searchBody({
      ...defaultForm,
      limits: 'custom',
      maxLatencyMs: '50',
      maxRamKb: '64',
      budget: 'time',
      minutes: '10',
    });
    expect(result).toMatchObject({
      body: { max_latency_ms: 50, max_ram_bytes: 65536, max_flash_bytes: null, time_budget_s: 600 },
    });
    expect('body' in result && result.body.max_trials).toBeFalsy();
  });

  it('says what to fix', () => {
    expect(searchBody({ ...defaultForm, trials: '1.5' })).toEqual({
      error: 'Trials must be a whole number from 1 to 1000.',
    });
    expect(searchBody({ ...defaultForm, limits: 'custom' })).toEqual({
      error: 'Give at least one custom limit, or use the board’s.',
    });
    expect(searchBody({ ...defaultForm, objective: 'f1', labels: ' , ' })).toEqual({
      error: 'F1 needs the labels whose F1 to raise.',
    });
    expect(searchBody({ ...defaultForm, objective: 'f1', labels: 'yes, no' })).toMatchObject({
      body: { objective_labels: ['yes', 'no'] },
    });
  });
});

describe('trialRow', () => {
  it('reads the DSP block, network, accuracies, latency split, RAM, flash and fit', () => {
    const row = trialRow(trial(3, { on_pareto_front: true }), 'accuracy');
    expect(row).toMatchObject({
      number: 3,
      dsp: 'mfcc (frame_length_s 0.025, n_filters 32)',
      network: 'conv1d ×1 width, 2 blocks',
      float32: 0.92,
      int8: 0.9,
      dspMs: 10,
      modelMs: 2.5,
      latencyMs: 12.5,
      ramBytes: 20000,
      flashBytes: 40000,
      fits: true,
      onFront: true,
      worker: 'mcuforge-1@host',
    });
  });

  it('shows a pruned trial with its reason and no metrics', () => {
    const pruned = trial(4, {
      state: 'pruned',
      result: {
        reason: 'does not fit: RAM 300000 B > 262144 B',
        fits: false,
        cost: { latency_ms: 5 },
      },
    });
    const row = trialRow(pruned, 'accuracy');
    expect(row).toMatchObject({ state: 'pruned', int8: null, fits: false, latencyMs: 5 });
    expect(row.reason).toContain('does not fit');
  });
});

describe('trialRow of the baseline and of regression', () => {
  it('marks trial 0, the impulse’s own configuration, as the current impulse', () => {
    const baseline = trial(0, {
      config: { ...trial(0).config, current_impulse: true },
    });
    expect(trialRow(baseline, 'accuracy').current).toBe(true);
    expect(trialRow(trial(1), 'accuracy').current).toBe(false);
    const [trials] = scatterTraces([trialRow(baseline, 'accuracy')], 'accuracy');
    expect((trials as { text: string[] }).text[0]).toContain('#0 (current impulse)');
  });

  it('reads MAE, not accuracy, for a regression search', () => {
    const regression = trial(2, {
      result: { ...trial(2).result, float32: { mae: 0.41 }, int8: { mae: 0.45, mse: 0.3 } },
    });
    expect(trialRow(regression, 'mae')).toMatchObject({ float32: 0.41, int8: 0.45 });
  });
});

describe('scatterTraces', () => {
  it('plots scored trials by latency, sizes markers by RAM and joins the front by latency', () => {
    const rows = [
      trialRow(
        trial(0, {
          on_pareto_front: true,
          result: { int8: { accuracy: 0.8 }, cost: { latency_ms: 5, ram_bytes: 5000 } },
        }),
        'accuracy',
      ),
      trialRow(trial(1, { on_pareto_front: true }), 'accuracy'),
      trialRow(trial(2, { state: 'pruned', result: { cost: { latency_ms: 3 } } }), 'accuracy'),
    ];
    const [all, front] = scatterTraces(rows, 'accuracy') as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect(all.x).toEqual([5, 12.5]);
    expect(all.y).toEqual([0.8, 0.9]);
    const [small, large] = (all.marker as { size: [number, number] }).size;
    expect(large).toBeCloseTo(28);
    expect(small).toBeLessThan(large);
    expect(front.x).toEqual([5, 12.5]);
  });

  it('sizes markers 8 px without RAM', () => {
    expect(markerSize(null, [1, 2])).toBe(8);
  });
});

describe('search progress', () => {
  const search = {
    state: 'running',
    max_trials: 30,
    time_budget_s: null,
    trials_finished: 6,
    running_seconds: 130,
  } as TunerSearchPublic;

  it('counts trials, or minutes of a time budget', () => {
    expect(searchProgress(search)).toBe('6 of 30 trials · 2 min 10 s');
    expect(searchPercent(search)).toBe(20);
    const timed = { ...search, max_trials: null, time_budget_s: 600 } as TunerSearchPublic;
    expect(searchProgress(timed)).toBe('6 trials · 2 of 10 min');
    expect(searchPercent({ ...timed, state: 'done' } as TunerSearchPublic)).toBe(100);
  });
});

describe('repeated trials', () => {
  it('marks a repeat with the trial it repeats and leaves it out of the plot', () => {
    const original = trialRow(trial(6), 'accuracy');
    const repeat = trialRow(trial(17, { result: { ...trial(6).result, same_as: 6 } }), 'accuracy');
    expect(original.sameAs).toBeNull();
    expect(repeat.sameAs).toBe(6);
    expect(repeat.int8).toBe(original.int8);
    const points = scatterTraces([original, repeat], 'accuracy')[0] as { text: string[] };
    expect(points.text).toHaveLength(1);
    expect(points.text[0]).toMatch(/^#6 /);
  });
});

describe('reasonParts', () => {
  const nothingLearned =
    'the network learned nothing at learning rate 0.05: every output is constant, so its ' +
    'int8 model cannot run. The search moves on; if most trials end like this, check that ' +
    'the features differ between labels';

  it('heads a long reason with its first clause and keeps the rest behind it', () => {
    expect(reasonParts(nothingLearned)).toEqual({
      headline: 'the network learned nothing at learning rate 0.05',
      rest:
        'every output is constant, so its int8 model cannot run. The search moves on; if most ' +
        'trials end like this, check that the features differ between labels',
    });
  });

  it('shows a short reason whole', () => {
    const reason = 'does not fit: RAM 300000 B > 262144 B';
    expect(reasonParts(reason)).toEqual({ headline: reason, rest: '' });
  });

  it('cuts a long reason without an early stop at a word, nothing lost', () => {
    const reason = `${'word '.repeat(30)}end`;
    const { headline, rest } = reasonParts(reason);
    expect(headline.length).toBeLessThanOrEqual(81);
    expect(headline.endsWith('…')).toBe(true);
    expect(`${headline.slice(0, -1)} ${rest}`.replace(/\s+/g, ' ')).toBe(reason);
  });
});

describe('scatterLayout', () => {
  it('lets axis titles push the margins on a narrow screen and names the metric', () => {
    const layout = scatterLayout('mae');
    expect(layout.xaxis?.automargin).toBe(true);
    expect(layout.yaxis?.automargin).toBe(true);
    expect(layout.yaxis?.title).toEqual({ text: 'int8 MAE' });
  });
});
