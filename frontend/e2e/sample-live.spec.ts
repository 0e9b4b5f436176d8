// The sample page (crop by dragging on the chart, split landing on a piece, the spectrogram only
// for audio) and continuous live classification: the fake microphone for an audio project, and
// synthetic devicemotion events for a motion project. Each project is made and trained through
// the API here (tiny networks, 3 epochs), so this file needs nothing from workflow.spec.ts.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

import { KEYWORDS } from './global-setup';
import { CLIPS_DIR, SCREENSHOTS_DIR } from './paths';

// workflow.spec.ts's owner (the first account, the administrator): sign-up is closed after it.
const OWNER = {
  username: 'e2e-owner',
  email: 'owner@example.com',
  password: 'correct horse battery',
};

const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
] as const;

test.use({ baseURL: process.env.E2E_BASE_URL });
test.describe.configure({ mode: 'serial' });

async function screenshots(page: Page, name: string): Promise<void> {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.waitForTimeout(300); // Plotly redraws on resize
    await page.screenshot({
      path: path.join(SCREENSHOTS_DIR, `${name}-${viewport.width}x${viewport.height}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.waitForTimeout(500); // and back, before anything measures the chart
}

class Api {
  constructor(
    private readonly request: APIRequestContext,
    private readonly csrf: string,
  ) {}

  async post(url: string, data: unknown, expected = 201): Promise<Record<string, unknown>> {
    const response = await this.request.post(url, {
      data,
      headers: { 'X-CSRF-Token': this.csrf },
    });
    expect(response.status(), `${url}: ${await response.text()}`).toBe(expected);
    return (await response.json()) as Record<string, unknown>;
  }

  async upload(projectId: number, name: string, buffer: Buffer, label: string): Promise<number> {
    const response = await this.request.post(`/api/projects/${projectId}/samples`, {
      multipart: {
        files: { name, mimeType: name.endsWith('.wav') ? 'audio/wav' : 'text/csv', buffer },
        label,
        category: 'training',
      },
      headers: { 'X-CSRF-Token': this.csrf },
    });
    const body = (await response.json()) as { accepted: Array<{ id: number }> };
    expect(body.accepted, `${name}: ${JSON.stringify(body)}`).toHaveLength(1);
    return body.accepted[0]!.id;
  }

  async waitForJob(projectId: number, job: Record<string, unknown>): Promise<void> {
    const url = `/api/projects/${projectId}/jobs/${String(job.id)}`;
    await expect
      .poll(
        async () => {
          const state = (await (await this.request.get(url)).json()) as {
            state: string;
            error: string | null;
          };
          return state.state === 'failed' ? `failed: ${state.error}` : state.state;
        },
        { timeout: 120_000, intervals: [1000] },
      )
      .toBe('succeeded');
  }

  /** Features, then a 3-epoch training of the impulse's classifier. */
  async train(projectId: number, impulse: Record<string, unknown>): Promise<void> {
    const base = `/api/projects/${projectId}/impulses/${String(impulse.id)}`;
    await this.waitForJob(projectId, await this.post(`${base}/features`, null, 202));
    const block = (impulse.learning_blocks as Array<{ id: number }>)[0]!;
    await this.waitForJob(
      projectId,
      await this.post(`${base}/learning/${block.id}/train`, { settings: { epochs: 3 } }, 202),
    );
  }
}

/** Signed in as the owner (signed up first when this file runs alone, on an empty server). */
async function signIn(page: Page): Promise<Api> {
  const policy = (await (await page.request.get('/api/auth/signup-policy')).json()) as {
    signup_without_invitation: boolean;
  };
  const response = policy.signup_without_invitation
    ? await page.request.post('/api/auth/signup', { data: OWNER })
    : await page.request.post('/api/auth/signin', {
        data: { username: OWNER.username, password: OWNER.password },
      });
  expect(response.ok(), await response.text()).toBe(true);
  const csrf = (await page.context().cookies()).find((c) => c.name === 'mcuforge_csrf')?.value;
  return new Api(page.request, csrf ?? '');
}

/** A 3-axis accelerometer CSV at 50 Hz: `wave` swings x at 2 Hz, `idle` barely moves. */
function motionCsv(label: 'wave' | 'idle', seconds: number, phase: number): Buffer {
  const rows = ['timestamp,accX,accY,accZ'];
  for (let i = 0; i < seconds * 50; i++) {
    const t = i / 50;
    const x = label === 'wave' ? 6 * Math.sin(2 * Math.PI * 2 * t + phase) : 0.05 * Math.sin(t);
    rows.push(`${i * 20},${x.toFixed(4)},${(0.3 * Math.cos(t + phase)).toFixed(4)},9.81`);
  }
  return Buffer.from(rows.join('\n') + '\n');
}

let motionProject = 0;
let audioProject = 0;
let audioSample = 0;

test('set up a trained motion project and a trained audio project through the API', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const api = await signIn(page);
  motionProject = (await api.post('/api/projects', { name: 'Motion live e2e' })).id as number;
  for (const [index, label] of (['wave', 'idle', 'wave', 'idle'] as const).entries()) {
    await api.upload(motionProject, `${label}.${index}.csv`, motionCsv(label, 4, index), label);
  }
  const motionImpulse = await api.post(`/api/projects/${motionProject}/impulses`, {
    input_block: {
      axes: ['accX', 'accY', 'accZ'],
      frequency_hz: 50,
      window_size_ms: 1000,
      window_increase_ms: 500,
    },
    dsp_blocks: [{ id: 1, type: 'spectral' }],
    learning_blocks: [
      {
        id: 1,
        type: 'classifier',
        dsp_blocks: [1],
        layers: [{ type: 'dense', units: 8 }],
      },
    ],
  });
  await api.train(motionProject, motionImpulse);

  audioProject = (await api.post('/api/projects', { name: 'Audio live e2e' })).id as number;
  for (const name of fs
    .readdirSync(CLIPS_DIR)
    .filter((n) => KEYWORDS.some((k) => n.startsWith(`${k}.`)))) {
    const id = await api.upload(
      audioProject,
      name,
      fs.readFileSync(path.join(CLIPS_DIR, name)),
      name.split('.')[0]!,
    );
    audioSample ||= id;
  }
  const audioImpulse = await api.post(`/api/projects/${audioProject}/impulses`, {
    input_block: {
      axes: ['audio'],
      frequency_hz: 16000,
      window_size_ms: 500,
      window_increase_ms: 250,
    },
    dsp_blocks: [{ id: 1, type: 'mfcc' }],
    learning_blocks: [
      {
        id: 1,
        type: 'classifier',
        dsp_blocks: [1],
        layers: [{ type: 'flatten' }, { type: 'dense', units: 8 }],
      },
    ],
  });
  await api.train(audioProject, audioImpulse);
});

test('a CSV sample: no spectrogram, crop by dragging on the chart, split lands on a piece', async ({
  page,
}) => {
  const api = await signIn(page);
  // A project of its own: cropping and splitting would make the motion model out of date.
  const project = (await api.post('/api/projects', { name: 'Samples e2e' })).id as number;
  const sampleId = await api.upload(project, 'crop-me.csv', motionCsv('wave', 4, 0.5), 'crop');
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`/projects/${project}/data/${sampleId}`);
  await expect(page.getByRole('heading', { level: 1, name: 'crop-me.csv' })).toBeVisible();
  await expect(page.locator('.chart .main-svg').first()).toBeVisible();
  // Motion is not sound: no spectrogram panel, no audio player.
  await expect(page.getByRole('heading', { name: /Spectrogram/ })).toHaveCount(0);
  await expect(page.locator('audio')).toHaveCount(0);
  await expect(page.locator('#crop-start_ms')).toHaveValue('0');
  const fullEnd = Number(await page.locator('#crop-end_ms').inputValue());
  expect(fullEnd).toBeGreaterThan(3900);

  // Drag from a quarter to about three quarters of the plot area.
  const area = page.locator('.chart .nsewdrag').first();
  const box = (await area.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.25, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.75, y, { steps: 5 });
  await page.mouse.up();
  await expect(page.locator('#crop-start_ms')).not.toHaveValue('0');
  const start = Number(await page.locator('#crop-start_ms').inputValue());
  const end = Number(await page.locator('#crop-end_ms').inputValue());
  expect(start).toBeGreaterThan(fullEnd * 0.15);
  expect(start).toBeLessThan(fullEnd * 0.35);
  expect(end).toBeGreaterThan(fullEnd * 0.65);
  expect(end).toBeLessThan(fullEnd * 0.85);
  await screenshots(page, 'sample-csv-dragged');
  await page.getByRole('button', { name: 'Crop sample' }).click();
  await expect(page.getByText('Cropped.')).toBeVisible();
  // The form starts over with the cropped sample: from 0 to its new length.
  await expect(page.locator('#crop-start_ms')).toHaveValue('0');
  await expect
    .poll(async () => Number(await page.locator('#crop-end_ms').inputValue()))
    .toBeLessThan(end - start + 40);
  await screenshots(page, 'sample-csv-cropped');

  await page.locator('#split-window').fill('500');
  await page.getByRole('button', { name: 'Split sample' }).click();
  await expect(page).not.toHaveURL(new RegExp(`/data/${sampleId}$`));
  await expect(page).toHaveURL(/\/data\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: /crop-me/ })).toBeVisible();
  await expect(page.getByText(/does not exist/)).toHaveCount(0);
  await expect(page.locator('#crop-end_ms')).toHaveValue('500');
});

test('an audio sample shows the spectrogram panel', async ({ page }) => {
  await signIn(page);
  await page.goto(`/projects/${audioProject}/data/${audioSample}`);
  await expect(page.getByRole('heading', { name: /Spectrogram \(MFCC block\)/ })).toBeVisible();
  await expect(page.locator('audio')).toHaveCount(1);
  await screenshots(page, 'sample-audio');
});

test('continuous classification from the (fake) microphone', async ({ page }) => {
  await signIn(page);
  await page.goto(`/projects/${audioProject}/live`);
  await page.getByRole('button', { name: 'Start listening' }).click();
  const latest = page.getByTestId('live-continuous-latest');
  await expect(latest).toContainText(/Latest: (up|down|uncertain)/, { timeout: 30_000 });
  // Windows keep coming: several answers in the rolling history.
  await expect
    .poll(() => page.getByRole('list', { name: 'Recent answers' }).locator('li').count(), {
      timeout: 20_000,
    })
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('live-continuous-counts')).toContainText(/skipped/);
  await screenshots(page, 'live-audio-continuous');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Start listening' })).toBeVisible();
});

test('continuous motion classification: says why without sensors, runs on devicemotion events', async ({
  page,
}) => {
  await signIn(page);
  await page.goto(`/projects/${motionProject}/live`);
  const start = page.getByRole('button', { name: 'Start motion classification' });
  // A desktop has no motion sensors: the page says so.
  await start.click();
  await expect(page.getByText(/No motion readings arrived/)).toBeVisible();

  // A phone's sensors, simulated: 50 readings a second of a 2 Hz swing along x.
  await page.evaluate(() => {
    const started = performance.now();
    window.setInterval(() => {
      const t = (performance.now() - started) / 1000;
      window.dispatchEvent(
        new DeviceMotionEvent('devicemotion', {
          accelerationIncludingGravity: { x: 6 * Math.sin(2 * Math.PI * 2 * t), y: 0.3, z: 9.81 },
          rotationRate: { alpha: 0, beta: 0, gamma: 0 },
          interval: 20,
        }),
      );
    }, 20);
  });
  await start.click();
  await expect(page.getByTestId('live-continuous-latest')).toContainText(
    /Latest: (wave|idle|uncertain)/,
    { timeout: 30_000 },
  );
  await expect(page.getByText(/No motion readings arrived/)).toHaveCount(0);
  await screenshots(page, 'live-motion-continuous');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(start).toBeVisible();
});
