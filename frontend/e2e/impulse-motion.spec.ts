// A 6-axis motion project: the impulse is made in the UI with the axes checkboxes and the
// recommended spectral block, saved with fitted defaults, and its features generated without
// editing a parameter; the pages are photographed at a laptop's and a phone's size.
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';

import { csrfHeaders, signInAsOwner } from './accounts';
import { SCREENSHOTS_DIR } from './paths';

test.use({ baseURL: process.env.E2E_BASE_URL });

const AXES = ['accX', 'accY', 'accZ', 'gyrX', 'gyrY', 'gyrZ'];
const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
];

/** A 3 s recording at 100 Hz: a wave is a 2 Hz swing on every axis, idle is small noise. */
function motionCsv(label: 'wave' | 'idle', seed: number): string {
  const lines = [`timestamp,${AXES.join(',')}`];
  for (let row = 0; row < 300; row += 1) {
    const t = row / 100;
    const values = AXES.map((_, axis) => {
      const noise = Math.sin(seed * 7.1 + row * 1.3 + axis * 2.9) * 0.05;
      const swing = label === 'wave' ? Math.sin(2 * Math.PI * 2 * t + axis) * (1 + axis / 3) : 0;
      return (swing + noise).toFixed(4);
    });
    lines.push(`${row * 10},${values.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.screenshot({
      path: path.join(SCREENSHOTS_DIR, `motion-${name}-${viewport.width}x${viewport.height}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
}

test('a 6-axis motion impulse made with axes checkboxes and the recommended block', async ({
  page,
}) => {
  // Training and the emulated estimates of every board take minutes on two shared cores.
  test.setTimeout(480_000);
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInAsOwner(page.request);
  const headers = await csrfHeaders(() => page.context().cookies());
  const created = await page.request.post('/api/projects', {
    data: { name: 'Motion e2e' },
    headers,
  });
  expect(created.status(), await created.text()).toBe(201);
  const projectId = ((await created.json()) as { id: number }).id;
  for (const label of ['wave', 'idle'] as const) {
    const files = Array.from({ length: 6 }, (_, index) => ({
      name: `${label}.${index}.csv`,
      mimeType: 'text/csv',
      buffer: Buffer.from(motionCsv(label, index)),
    }));
    const form = new FormData();
    form.append('label', label);
    for (const file of files) {
      form.append('files', new Blob([file.buffer], { type: file.mimeType }), file.name);
    }
    const uploaded = await page.request.post(`/api/projects/${projectId}/samples`, {
      multipart: form,
      headers,
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
  }

  await test.step('create the impulse: axes ticked, spectral analysis recommended', async () => {
    await page.goto(`/projects/${projectId}/impulse`);
    await expect(page.getByRole('heading', { name: 'Create impulse', level: 1 })).toBeVisible();
    const axes = page.getByRole('group', { name: 'Axes' });
    for (const axis of AXES) {
      await expect(axes.getByLabel(axis, { exact: true })).toBeChecked();
    }
    // No free-text axes field any more.
    await expect(page.locator('#input-axes')).toHaveCount(0);
    await expect(page.getByText('Recommended for motion and other sensor data')).toBeVisible();
    const blockType = page.locator('#new-dsp-type');
    await expect(blockType).toHaveValue('spectral');
    // Nothing ticked is refused beside the axes, and the draft stays editable.
    for (const axis of AXES) await axes.getByLabel(axis, { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save impulse' }).click();
    await expect(page.locator('#input-axes-error')).toHaveText('Choose at least one axis.');
    for (const axis of AXES) await axes.getByLabel(axis, { exact: true }).check();
    await expect(page.locator('#input-axes-error')).toHaveCount(0);
    await page.getByLabel('Window size (ms)').fill('1000');
    await page.getByLabel('Window increase (ms)').fill('500');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.locator('.block-card')).toContainText('Spectral');
    await screenshots(page, 'create-impulse');
    await page.getByRole('button', { name: 'Save impulse' }).click();
    await expect(page.getByText('Impulse saved.')).toBeVisible();
    // Saved with the fitted parameters: nothing to fix in the card, they live on the block's page.
    await expect(page.locator('.draft-params')).toHaveCount(0);
  });

  await test.step('fitted defaults: features generated without editing', async () => {
    await page.locator('.block-card').getByRole('link', { name: 'Parameters' }).click();
    await expect(page.getByLabel('FFT length')).toBeVisible();
    await expect(page.getByLabel('Number of power bands')).toBeVisible();
    await expect(page.locator('.graph .main-svg').first()).toBeVisible();
    // Graph titles name the axes.
    await expect(page.getByText('Filtered, accX').first()).toBeVisible();
    await page.getByRole('button', { name: 'Generate features', exact: true }).click();
    await expect(page.getByTestId('features-job-state')).toContainText('succeeded', {
      timeout: 90_000,
    });
    await expect(page.getByTestId('features-state')).toContainText(/Ready: \d+ windows/);
    await screenshots(page, 'spectral');
  });

  await test.step('the presets say which one fits the features and why the others do not', async () => {
    await page.goto(`/projects/${projectId}/training`);
    await expect(page.getByRole('heading', { level: 1, name: /Training/ })).toBeVisible();
    await page.getByRole('button', { name: 'Add classifier' }).click();
    await expect(page.getByText(/needs a 2-D input \(time × features\)/).first()).toBeVisible();
    await expect(page.getByTestId('preset-fit')).toContainText('dense_spectral');
    await screenshots(page, 'training');
  });
  await test.step('train briefly: the model is counted within the project', async () => {
    await page.getByLabel('Epochs').fill('3');
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.getByTestId('train-job-state')).toContainText(/succeeded|failed/, {
      timeout: 180_000,
    });
    await expect(page.getByTestId('train-job-state')).toContainText('succeeded');
    await expect(page.getByTestId('model-summary')).toContainText('Model 1 of this project');
  });

  await test.step('deployment: float32 RAM and fit measured, not left blank', async () => {
    await page.goto(`/projects/${projectId}/deployment`);
    await expect(page.getByRole('heading', { name: 'Deployment', level: 1 })).toBeVisible();
    const table = page.getByTestId('estimates-table');
    await expect(table).toBeVisible({ timeout: 240_000 });
    await expect(page.getByText('Estimating on each board…')).toHaveCount(0, { timeout: 240_000 });
    // Columns: int8 latency, cycles, RAM, flash, fits, then float32 the same.
    const firstRow = table.locator('tbody tr').first().locator('td');
    await expect(firstRow.nth(1)).toContainText(/≈ [\d.]+ [kM]?.*instructions/);
    await expect(firstRow.nth(7)).toHaveText(/\d+(\.\d+)? k?B/);
    await expect(firstRow.nth(9)).toHaveText(/fits|too big/);
    await screenshots(page, 'deployment');
  });
});
