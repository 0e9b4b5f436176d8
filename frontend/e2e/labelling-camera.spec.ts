// Bounding-box labelling with the mouse (draw, relabel, next image, stored) and photos from
// Chromium's fake camera (the --use-fake-device-for-media-stream and --use-fake-ui-for-media-stream
// flags of playwright.config; its fake video is a moving test pattern). The project and its
// images are made through the API here, so this file needs nothing from workflow.spec.ts.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { csrfHeaders, signInAsOwner } from './accounts';
import { ARTIFACTS_DIR, REPO_DIR } from './paths';

test.use({ baseURL: process.env.E2E_BASE_URL, permissions: ['camera', 'microphone'] });
test.describe.configure({ mode: 'serial' });

const IMAGES_DIR = path.join(ARTIFACTS_DIR, 'e2e-images');
const IMAGE_NAMES = ['bees.1.png', 'bees.2.png'];

interface StoredSample {
  id: number;
  filename: string;
  label: string;
  shape: number[];
  bounding_boxes: Array<{ label: string; x: number; y: number; width: number; height: number }>;
}

/** Two 96 x 64 noise images, written by the repository's Python (Pillow). */
function makeImages(): void {
  fs.mkdirSync(IMAGES_DIR, { recursive: true });
  const script = [
    'import sys, numpy as np',
    'from PIL import Image',
    'rng = np.random.default_rng(1)',
    'for name in sys.argv[2:]:',
    '    pixels = rng.integers(0, 256, size=(64, 96, 3), dtype=np.uint8)',
    '    Image.fromarray(pixels).save(f"{sys.argv[1]}/{name}")',
  ].join('\n');
  execFileSync(path.join(REPO_DIR, '.venv', 'bin', 'python'), [
    '-c',
    script,
    IMAGES_DIR,
    ...IMAGE_NAMES,
  ]);
}

async function newProject(page: Page, name: string): Promise<number> {
  await signInAsOwner(page.request);
  const headers = await csrfHeaders(() => page.context().cookies());
  const response = await page.request.post('/api/projects', { data: { name }, headers });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

async function samples(page: Page, projectId: number): Promise<StoredSample[]> {
  const response = await page.request.get(`/api/projects/${projectId}/samples?sort=id`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { data: StoredSample[] }).data;
}

test('draw a box with the mouse, relabel it, go to the next image: the box is stored', async ({
  page,
}) => {
  makeImages();
  const projectId = await newProject(page, 'Labelling e2e');
  const headers = await csrfHeaders(() => page.context().cookies());
  const upload = await page.request.post(`/api/projects/${projectId}/samples`, {
    headers,
    multipart: {
      // Playwright sends one file per field name; two requests keep the order known.
      files: {
        name: IMAGE_NAMES[0]!,
        mimeType: 'image/png',
        buffer: fs.readFileSync(path.join(IMAGES_DIR, IMAGE_NAMES[0]!)),
      },
    },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const second = await page.request.post(`/api/projects/${projectId}/samples`, {
    headers,
    multipart: {
      files: {
        name: IMAGE_NAMES[1]!,
        mimeType: 'image/png',
        buffer: fs.readFileSync(path.join(IMAGES_DIR, IMAGE_NAMES[1]!)),
      },
    },
  });
  expect(second.status(), await second.text()).toBe(201);

  await page.goto(`/projects/${projectId}/data`);
  await page.getByRole('link', { name: 'Label bounding boxes' }).click();
  await expect(page.getByRole('heading', { name: /bees\.1\.png/ })).toBeVisible();
  await expect(page.getByText('2 images, 2 without boxes')).toBeVisible();

  const canvas = page.getByTestId('box-canvas');
  await expect(canvas).toBeVisible();
  const frame = (await canvas.boundingBox())!;
  // From 25 % to 75 % of the width and 20 % to 70 % of the height: x 24..72, y 13..45 in pixels.
  await page.mouse.move(frame.x + frame.width * 0.25, frame.y + frame.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(frame.x + frame.width * 0.5, frame.y + frame.height * 0.45, { steps: 4 });
  await page.mouse.move(frame.x + frame.width * 0.75, frame.y + frame.height * 0.7, { steps: 4 });
  await page.mouse.up();
  const boxes = page.getByRole('list', { name: 'Boxes' }).getByRole('button');
  await expect(boxes).toHaveCount(1);

  // The new box is selected: typing a label relabels it (and is remembered for the next boxes).
  await page.getByLabel('Label', { exact: true }).fill('bee');
  await expect(boxes.first()).toHaveText(/^bee — x 24, y 13, 48 × 32$/);
  await expect(page.getByText('Unsaved changes')).toBeVisible();

  await page.getByRole('button', { name: 'Next →' }).click();
  await expect(page.getByRole('heading', { name: /bees\.2\.png/ })).toBeVisible();
  await expect(boxes).toHaveCount(0);

  const stored = await samples(page, projectId);
  const first = stored.find((s) => s.filename === IMAGE_NAMES[0])!;
  expect(first.bounding_boxes).toEqual([{ label: 'bee', x: 24, y: 13, width: 48, height: 32 }]);
  expect(first.label).toBe('object_detection');

  // The keyboard: C copies the previous image's boxes, P goes back, and the copy was saved.
  await page.locator('body').press('c');
  await expect(boxes).toHaveCount(1);
  await page.locator('body').press('p');
  await expect(page.getByRole('heading', { name: /bees\.1\.png/ })).toBeVisible();
  const secondStored = (await samples(page, projectId)).find((s) => s.filename === IMAGE_NAMES[1])!;
  expect(secondStored.bounding_boxes).toEqual(first.bounding_boxes);

  // Select the box with a click, delete it with the Delete key; N saves on the way out.
  await boxes.first().click();
  await page.locator('body').press('Delete');
  await expect(boxes).toHaveCount(0);
  await page.locator('body').press('n');
  await expect(page.getByRole('heading', { name: /bees\.2\.png/ })).toBeVisible();
  const cleared = (await samples(page, projectId)).find((s) => s.filename === IMAGE_NAMES[0])!;
  expect(cleared.bounding_boxes).toEqual([]);
});

test('take a photo with the fake camera at a chosen resolution', async ({ page }) => {
  const projectId = await newProject(page, 'Camera e2e');
  await page.goto(`/projects/${projectId}/data`);
  const camera = page.getByRole('region', { name: 'Camera' });
  await camera.getByLabel('Label').fill('cup');
  await camera.getByLabel('Resolution').selectOption({ label: '96 × 96' });
  await camera.getByRole('button', { name: 'Start camera' }).click();
  const preview = camera.getByLabel('Camera preview');
  await expect(preview).toBeVisible();
  await expect
    .poll(() => preview.evaluate((video: HTMLVideoElement) => video.videoWidth))
    .toBeGreaterThan(0);
  await camera.getByRole('button', { name: 'Take photo' }).click();
  await expect(camera.getByRole('status')).toHaveText(/^Stored cup\.camera\..*\.png\.$/);
  await camera.getByRole('button', { name: 'Stop camera' }).click();

  const stored = await samples(page, projectId);
  expect(stored).toHaveLength(1);
  expect(stored[0]!.label).toBe('cup');
  expect(stored[0]!.shape).toEqual([96, 96, 3]);
  // The fake camera's test pattern is not a blank frame.
  const png = await page.request.get(`/api/projects/${projectId}/samples/${stored[0]!.id}/image`);
  expect(png.ok()).toBe(true);
  expect((await png.body()).length).toBeGreaterThan(1000);
});

test('import an image with its Edge Impulse boxes from the labelling page', async ({ page }) => {
  makeImages();
  const projectId = await newProject(page, 'Import e2e');
  await page.goto(`/projects/${projectId}/labelling`);
  await expect(page.getByText('This project has no images yet')).toBeVisible();
  const labels = {
    version: 1,
    type: 'bounding-box-labels',
    boundingBoxes: { [IMAGE_NAMES[0]!]: [{ label: 'wasp', x: 5, y: 6, width: 30, height: 20 }] },
  };
  const panel = page.getByRole('region', { name: 'Import images with bounding boxes' });
  await panel.getByLabel('Files').setInputFiles([
    {
      name: IMAGE_NAMES[0]!,
      mimeType: 'image/png',
      buffer: fs.readFileSync(path.join(IMAGES_DIR, IMAGE_NAMES[0]!)),
    },
    {
      name: 'bounding_boxes.labels',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(labels)),
    },
  ]);
  await panel.getByRole('button', { name: 'Import' }).click();
  await expect(panel.getByRole('status')).toHaveText('Imported 1 image with 1 bounding box.');
  await expect(page.getByRole('heading', { name: /bees\.1\.png/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Boxes' }).getByRole('button')).toHaveText([
    'wasp — x 5, y 6, 30 × 20',
  ]);
});
