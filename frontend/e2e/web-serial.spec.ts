// Data acquisition's "Connect a board (Web Serial)": Playwright cannot open a real serial port,
// so navigator.serial is replaced before the page loads by a port that streams what a board
// printing a synthetic 3-axis signal at 100 Hz sends (a boot line, then one line per step, in
// real time). The page must find 3 axes at 100 Hz, take an edited axis name, record 1 s with a
// label and store it through the upload route; without Web Serial it explains what to do.
// A remote device (a Python WebSocket client standing in for `mcuforge forward --stream`) is
// listed, watched live through the relay and recorded from the same way.
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import path from 'node:path';

import { csrfHeaders, signInAsOwner } from './accounts';
import { REPO_DIR, SCREENSHOTS_DIR } from './paths';

test.use({ baseURL: process.env.E2E_BASE_URL });

/** Runs in the page: a fake navigator.serial whose one port streams the board's lines. */
function installMockSerial(): void {
  const RATE_HZ = 100;
  const encoder = new TextEncoder();
  let step = 0;
  const line = (): string => {
    const t = step / RATE_HZ;
    step += 1;
    const x = Math.sin(2 * Math.PI * 2 * t);
    const y = Math.cos(2 * Math.PI * 2 * t);
    return `${x.toFixed(4)},${y.toFixed(4)},${(9.81 + 0.1 * x).toFixed(4)}\r\n`;
  };
  const port = {
    readable: null as ReadableStream<Uint8Array> | null,
    openedAt: 0,
    async open(options: { baudRate: number }) {
      (window as unknown as { mockSerialBaud: number }).mockSerialBaud = options.baudRate;
      let timer: ReturnType<typeof setInterval> | undefined;
      port.readable = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('boot: mcuforge synthetic board\r\n'));
          const started = performance.now();
          // Lines are due at 100 Hz; a USB adapter hands them over in bursts every 20 ms.
          timer = setInterval(() => {
            const due = Math.floor(((performance.now() - started) * RATE_HZ) / 1000);
            let text = '';
            while (step < due) text += line();
            if (text) controller.enqueue(encoder.encode(text));
          }, 20);
        },
        cancel() {
          clearInterval(timer);
        },
      });
    },
    async close() {},
  };
  Object.defineProperty(Navigator.prototype, 'serial', {
    configurable: true,
    get: () => ({ requestPort: async () => port }),
  });
}

test('a board on a (mocked) serial port is detected, plotted and recorded into the project', async ({
  page,
}) => {
  await signInAsOwner(page.request);
  const headers = await csrfHeaders(() => page.context().cookies());
  const created = await page.request.post('/api/projects', {
    data: { name: 'Web Serial e2e' },
    headers,
  });
  expect(created.status(), await created.text()).toBe(201);
  const projectId = ((await created.json()) as { id: number }).id;

  await page.addInitScript(installMockSerial);
  await page.goto(`/projects/${projectId}/data`);
  const panel = page.getByRole('region', { name: 'Connect a board (Web Serial)' });
  await panel.getByLabel('Baud rate').selectOption('921600');
  await panel.getByRole('button', { name: 'Connect a board' }).click();
  await expect(panel.getByRole('status').first()).toContainText('3 axes at 100 Hz');
  expect(
    await page.evaluate(() => (window as unknown as { mockSerialBaud: number }).mockSerialBaud),
  ).toBe(921600);
  await expect(panel.getByRole('img', { name: /Live values of accX, accY, accZ/ })).toBeVisible();
  await panel.getByLabel('Axis 1 name').fill('tiltX');
  await panel.getByLabel('Label').fill('wave');
  await panel.getByLabel('Length (s)').fill('1');
  await panel.getByRole('button', { name: 'Start recording' }).click();
  await expect(panel.getByText(/Recorded and stored wave\.serial\..*\.csv/)).toBeVisible();
  await page.screenshot({
    path: path.join(SCREENSHOTS_DIR, 'web-serial-1366x768.png'),
    fullPage: true,
  });

  const samples = await page.request.get(`/api/projects/${projectId}/samples`);
  const [sample] = ((await samples.json()) as { data: Array<Record<string, unknown>> }).data;
  expect(sample).toMatchObject({ label: 'wave', interval_ms: 10, length: 100 });
  expect((sample!.axes as Array<{ name: string }>).map((axis) => axis.name)).toEqual([
    'tiltX',
    'accY',
    'accZ',
  ]);
  // The sample table shows it.
  await expect(page.getByRole('cell', { name: /wave\.serial\./ }).first()).toBeVisible();
});

test('without Web Serial the panel says which browsers have it, on a phone too', async ({
  page,
}) => {
  await signInAsOwner(page.request);
  const headers = await csrfHeaders(() => page.context().cookies());
  const created = await page.request.post('/api/projects', {
    data: { name: 'No serial' },
    headers,
  });
  const projectId = ((await created.json()) as { id: number }).id;
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'serial', {
      configurable: true,
      get: () => undefined,
    });
  });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/projects/${projectId}/data`);
  const panel = page.getByRole('region', { name: 'Connect a board (Web Serial)' });
  await expect(panel).toContainText('Chromium browsers on a computer');
  await expect(panel.getByRole('button', { name: 'Connect a board' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Remote devices' })).toContainText(
    'No device has connected yet',
  );
  await page.screenshot({
    path: path.join(SCREENSHOTS_DIR, 'web-serial-unsupported-390x844.png'),
    fullPage: true,
  });
});

/** A device streaming 2 axes at 50 Hz for `seconds` through the relay, in a Python process. */
const DEVICE_SCRIPT = `
import json, math, sys, time
from websockets.sync.client import connect
url, key, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
with connect(url, additional_headers={"x-api-key": key}) as ws:
    ws.send(json.dumps({"type": "hello", "device_id": "bench-1", "name": "bench board",
        "frequency_hz": 50.0, "axes": [{"name": "tilt", "units": "deg"}, {"name": "roll", "units": "deg"}]}))
    assert json.loads(ws.recv(timeout=10))["type"] == "ok"
    print("streaming", flush=True)
    step, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        rows = []
        while step < (time.monotonic() - start) * 50:
            rows.append([round(math.sin(step / 10), 4), round(math.cos(step / 10), 4)])
            step += 1
        if rows:
            ws.send(json.dumps({"type": "samples", "values": rows}))
            ws.recv(timeout=10)
        time.sleep(0.1)
`;

test('a remote device is listed, watched live and recorded from', async ({ page }) => {
  await signInAsOwner(page.request);
  const headers = await csrfHeaders(() => page.context().cookies());
  const created = await page.request.post('/api/projects', {
    data: { name: 'Remote e2e' },
    headers,
  });
  const projectId = ((await created.json()) as { id: number }).id;
  const keyAnswer = await page.request.post(`/api/projects/${projectId}/api-keys`, {
    data: { name: 'forwarder', scope: 'ingestion' },
    headers,
  });
  const key = ((await keyAnswer.json()) as { key: string }).key;
  const wsUrl = `${process.env.E2E_BASE_URL!.replace('http', 'ws')}/api/devices/connect`;
  const device = spawn(
    path.join(REPO_DIR, '.venv', 'bin', 'python'),
    ['-c', DEVICE_SCRIPT, wsUrl, key, '60'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let deviceOutput = '';
  device.stdout.on('data', (chunk: Buffer) => (deviceOutput += chunk.toString()));
  device.stderr.on('data', (chunk: Buffer) => (deviceOutput += chunk.toString()));
  try {
    await expect.poll(() => deviceOutput, { timeout: 20_000 }).toContain('streaming');
    await page.goto(`/projects/${projectId}/data`);
    const panel = page.getByRole('region', { name: 'Remote devices' });
    const row = panel.getByRole('row', { name: /bench board/ });
    await expect(row).toContainText('connected');
    await expect(row).toContainText('50 Hz');
    await expect(row).toContainText('tilt');
    await row.getByRole('button', { name: 'Watch' }).click();
    await expect(panel.getByText('Streaming.')).toBeVisible();
    await expect(panel.getByRole('img', { name: 'Live values of tilt, roll' })).toBeVisible();
    await panel.getByLabel('Label').fill('tilted');
    await panel.getByLabel('Length (s)').fill('1');
    await panel.getByRole('button', { name: 'Start recording' }).click();
    await expect(panel.getByText(/Recorded and stored tilted\.remote\..*\.csv/)).toBeVisible();
    const samples = await page.request.get(`/api/projects/${projectId}/samples`);
    const [sample] = ((await samples.json()) as { data: Array<Record<string, unknown>> }).data;
    expect(sample).toMatchObject({ label: 'tilted', interval_ms: 20, length: 50 });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({
      path: path.join(SCREENSHOTS_DIR, 'remote-device-390x844.png'),
      fullPage: true,
    });
  } finally {
    device.kill();
  }
  expect(deviceOutput).not.toContain('Traceback');
});
