// Every page at a phone (390×844) and a laptop (1366×768) viewport: no horizontal overflow of the
// document, the menu button folds the navigation on the phone, the jobs indicator and the account
// menu stay in view, confusion matrices scroll inside their card; a screenshot of each page at
// both sizes. A stranger to a public project sees none of its job failures.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import path from 'node:path';

import { SCREENSHOTS_DIR } from './paths';

test.use({ baseURL: process.env.E2E_BASE_URL });

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1366, height: 768 },
] as const;

// The workflow spec's first account, when it ran first on the same server (sign-up is then closed).
const WORKFLOW_OWNER = { username: 'e2e-owner', password: 'correct horse battery' };
const OWNER = {
  username: 'layout-owner',
  email: 'layout@example.com',
  password: 'layout horse battery',
};
const STRANGER = {
  username: 'layout-stranger',
  email: 'stranger@example.com',
  password: 'stranger horse battery',
};

/** A 1 s, 16 kHz mono 16-bit WAV: a tone whose pitch tells the labels apart. */
function wav(frequency: number, seed: number): Buffer {
  const rate = 16000;
  const samples = rate;
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i += 1) {
    const noise = Math.sin(i * 12.9898 + seed * 78.233) * 0.05;
    const value = 0.4 * Math.sin((2 * Math.PI * frequency * i) / rate) + noise;
    buffer.writeInt16LE(Math.round(value * 32767), 44 + i * 2);
  }
  return buffer;
}

async function csrfHeaders(request: APIRequestContext): Promise<Record<string, string>> {
  const state = await request.storageState();
  const csrf = state.cookies.find((cookie) => cookie.name === 'mcuforge_csrf')?.value ?? '';
  return { 'X-CSRF-Token': csrf };
}

/** Signs the page's context in: a new first account, else the workflow spec's owner. */
async function signInOwner(request: APIRequestContext): Promise<void> {
  const signUp = await request.post('/api/auth/signup', { data: OWNER });
  if (signUp.ok()) return;
  const again = await request.post('/api/auth/signin', {
    data: { username: OWNER.username, password: OWNER.password },
  });
  if (again.ok()) return;
  const workflow = await request.post('/api/auth/signin', { data: WORKFLOW_OWNER });
  expect(workflow.status(), await workflow.text()).toBe(200);
}

interface Fixture {
  projectId: number;
  sampleId: number;
  impulseId: number;
}

async function makeProject(request: APIRequestContext): Promise<Fixture> {
  const headers = await csrfHeaders(request);
  const created = await request.post('/api/projects', {
    data: { name: `Layout check ${Date.now()}`, description: 'Made by responsive.spec.ts' },
    headers,
  });
  expect(created.status(), await created.text()).toBe(201);
  const projectId = (await created.json()).id as number;
  const tones: Record<string, number> = { low: 300, high: 1800 };
  for (const [label, frequency] of Object.entries(tones)) {
    for (let k = 0; k < 3; k += 1) {
      const upload = await request.post(`/api/projects/${projectId}/samples`, {
        multipart: {
          files: { name: `${label}.${k}.wav`, mimeType: 'audio/wav', buffer: wav(frequency, k) },
          label,
        },
        headers,
      });
      expect(upload.status(), await upload.text()).toBe(201);
    }
  }
  const samples = await request.get(`/api/projects/${projectId}/samples`);
  const sampleId = (await samples.json()).data[0].id as number;
  const impulse = await request.post(`/api/projects/${projectId}/impulses`, {
    data: {
      name: 'Tones',
      input_block: { window_size_ms: 1000, window_increase_ms: 500 },
      dsp_blocks: [{ id: 1, type: 'mfe' }],
      learning_blocks: [{ id: 2, type: 'classifier', dsp_blocks: [1] }],
    },
    headers,
  });
  expect(impulse.status(), await impulse.text()).toBe(201);
  return { projectId, sampleId, impulseId: (await impulse.json()).id as number };
}

function pages(fixture: Fixture): Array<[string, string]> {
  const base = `/projects/${fixture.projectId}`;
  return [
    ['projects', '/projects'],
    ['public-projects', '/public'],
    ['account', '/account'],
    ['admin-users', '/admin/users'],
    ['dashboard', base],
    ['data-acquisition', `${base}/data`],
    ['sample', `${base}/data/${fixture.sampleId}`],
    ['impulse-design', `${base}/impulse`],
    ['dsp-block', `${base}/impulse/dsp/1`],
    ['training', `${base}/training`],
    ['model-testing', `${base}/testing`],
    ['live-classification', `${base}/live`],
    ['deployment', `${base}/deployment`],
    ['tuner', `${base}/tuner`],
  ];
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** What sticks out to the right of the viewport without a scrolling ancestor (for the message). */
async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}`;
    return Array.from(document.body.querySelectorAll('*'))
      .filter(
        (el) =>
          el.getBoundingClientRect().right > window.innerWidth + 0.5 &&
          (!clipped(el) || ['absolute', 'fixed'].includes(getComputedStyle(el).position)),
      )
      .slice(0, 8)
      .map(
        (el) =>
          `${name(el.parentElement!)} > ${name(el)} (${Math.round(el.getBoundingClientRect().right)})`,
      );
  });
}

async function expectNoOverflow(page: Page, name: string): Promise<void> {
  const overflow = await horizontalOverflow(page);
  const culprits = overflow > 0 ? await overflowingElements(page) : [];
  expect
    .soft(overflow, `${name} overflows sideways: ${culprits.join('; ')}`)
    .toBeLessThanOrEqual(0);
}

async function expectInViewport(page: Page, selector: string): Promise<void> {
  const box = await page.locator(selector).first().boundingBox();
  expect(box, `${selector} is shown`).not.toBeNull();
  const viewport = page.viewportSize()!;
  expect.soft(box!.x, `${selector} left`).toBeGreaterThanOrEqual(0);
  expect.soft(box!.y, `${selector} top`).toBeGreaterThanOrEqual(0);
  expect.soft(box!.x + box!.width, `${selector} right`).toBeLessThanOrEqual(viewport.width + 0.5);
  expect
    .soft(box!.y + box!.height, `${selector} bottom`)
    .toBeLessThanOrEqual(viewport.height + 0.5);
}

async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('main h1').first()).toBeVisible();
  // Charts and tables fill in from their queries; let them settle before measuring.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

test('every page fits a phone and a laptop, with the menu, jobs and account in view', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const setup = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  await signInOwner(setup.request);
  const fixture = await makeProject(setup.request);
  const storage = await setup.storageState();
  await setup.close();

  for (const viewport of VIEWPORTS) {
    const context = await browser.newContext({
      baseURL: process.env.E2E_BASE_URL,
      storageState: storage,
      viewport: { width: viewport.width, height: viewport.height },
      permissions: ['microphone', 'accelerometer', 'gyroscope'],
    });
    const page = await context.newPage();
    for (const [name, url] of pages(fixture)) {
      await test.step(`${viewport.name}: ${name}`, async () => {
        await openPage(page, url);
        await expectNoOverflow(page, `${viewport.name} ${name}`);
        await screenshot(page, `${viewport.name}-${name}`);
      });
    }

    await test.step(`${viewport.name}: the navigation, jobs indicator and account menu`, async () => {
      await openPage(page, `/projects/${fixture.projectId}/data`);
      const menu = page.getByRole('button', { name: 'Menu' });
      const nav = page.getByRole('navigation', { name: 'Main' });
      await expectInViewport(page, '.jobs-button');
      if (viewport.name === 'phone') {
        await expect(menu).toHaveAttribute('aria-expanded', 'false');
        await expect(nav.getByRole('link', { name: 'Training' })).toBeHidden();
        await menu.click();
        const close = page.getByRole('button', { name: 'Close menu' });
        await expect(close).toHaveAttribute('aria-expanded', 'true');
        await expect(nav.getByRole('link', { name: 'Training' })).toBeVisible();
        await expectInViewport(page, '.account-menu');
        await screenshot(page, 'phone-menu-open');
        await page.keyboard.press('Escape');
        await expect(menu).toHaveAttribute('aria-expanded', 'false');
        await expect(nav.getByRole('link', { name: 'Training' })).toBeHidden();
        await menu.click();
        await nav.getByRole('link', { name: 'Training' }).click();
        await expect(page).toHaveURL(/\/training$/);
        await expect(menu).toHaveAttribute('aria-expanded', 'false');
        await expect(nav.getByRole('link', { name: 'Training' })).toBeHidden();
      } else {
        await expect(menu).toBeHidden();
        await expect(nav.getByRole('link', { name: 'Training' })).toBeVisible();
        await expectInViewport(page, '.account-menu');
      }
      const jobs = page.locator('.jobs-button');
      await jobs.click();
      await expect(jobs).toHaveAttribute('aria-expanded', 'true');
      await expectInViewport(page, '.jobs-popover');
      await expectNoOverflow(page, `${viewport.name} jobs list`);
      await screenshot(page, `${viewport.name}-jobs-open`);
      await page.keyboard.press('Escape');
      await expect(page.locator('.jobs-popover')).toHaveCount(0);
    });

    await test.step(`${viewport.name}: 20 long labels in two confusion matrices`, async () => {
      await openPage(page, `/projects/${fixture.projectId}/testing`);
      // The matrices' own markup (as ConfusionMatrix renders it), inside a card of the page:
      // this checks the stylesheet, which no unit test can.
      await page.evaluate(() => {
        const labels = Array.from({ length: 20 }, (_, i) => `a rather long label name ${i}`);
        const matrix = (caption: string) =>
          `<div class="table-scroll confusion-scroll" role="region" tabindex="0"><table class="data-table compact confusion-matrix"><caption>${caption}</caption><thead><tr><th>True \\ predicted</th>${labels
            .map((l) => `<th class="num">${l}</th>`)
            .join('')}</tr></thead><tbody>${labels
            .map(
              (l, r) =>
                `<tr><th scope="row">${l}</th>${labels
                  .map(
                    (_, c) =>
                      `<td class="num">${r === c ? 12 : 1}<span class="muted cell-share"> 7.5 %</span></td>`,
                  )
                  .join('')}</tr>`,
            )
            .join('')}</tbody></table></div>`;
        const card = document.createElement('section');
        card.className = 'panel';
        card.id = 'matrix-check';
        card.innerHTML = `<div class="confusion-pair">${matrix('float32')}${matrix('int8')}</div>`;
        document.querySelector('main')!.prepend(card);
      });
      await expectNoOverflow(page, `${viewport.name} confusion matrices`);
      const scrolls = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#matrix-check .confusion-scroll')).map((el) => ({
          scrolls: el.scrollWidth > el.clientWidth,
          right: el.getBoundingClientRect().right,
          cardRight: document.getElementById('matrix-check')!.getBoundingClientRect().right,
        })),
      );
      expect(scrolls).toHaveLength(2);
      for (const matrix of scrolls) {
        expect(matrix.scrolls).toBe(true);
        expect(matrix.right).toBeLessThanOrEqual(matrix.cardRight);
      }
      await page.locator('#matrix-check').screenshot({
        path: path.join(SCREENSHOTS_DIR, `${viewport.name}-confusion-matrices.png`),
      });
    });
    await context.close();
  }

  await test.step('sign-in and sign-up pages', async () => {
    for (const viewport of VIEWPORTS) {
      const context = await browser.newContext({
        baseURL: process.env.E2E_BASE_URL,
        viewport: { width: viewport.width, height: viewport.height },
      });
      const page = await context.newPage();
      for (const [name, url] of [
        ['signin', '/signin'],
        ['signup', '/signup'],
      ]) {
        await page.goto(url);
        await expect(page.locator('h1').first()).toBeVisible();
        await expectNoOverflow(page, `${viewport.name} ${name}`);
        await screenshot(page, `${viewport.name}-${name}`);
      }
      await context.close();
    }
  });
});

test('visitors of a public project see none of its job failures', async ({ browser }) => {
  const owner = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  await signInOwner(owner.request);
  const { projectId } = await makeProject(owner.request);
  const headers = await csrfHeaders(owner.request);
  const check = await owner.request.post(`/api/projects/${projectId}/jobs/check`, {
    data: { seconds: 0.2, steps: 2, fail: true },
    headers,
  });
  expect(check.status(), await check.text()).toBe(202);
  const jobId = (await check.json()).id as number;
  await expect
    .poll(
      async () =>
        (await (await owner.request.get(`/api/projects/${projectId}/jobs/${jobId}`)).json()).state,
      {
        timeout: 60_000,
      },
    )
    .toBe('failed');
  const shared = await owner.request.patch(`/api/projects/${projectId}`, {
    data: { is_public: true },
    headers,
  });
  expect(shared.status(), await shared.text()).toBe(200);
  // The owner still sees the failure and its reason.
  const ownerJobs = await (await owner.request.get(`/api/projects/${projectId}/jobs`)).json();
  expect(ownerJobs.data.some((job: { error: string | null }) => job.error)).toBe(true);

  // An anonymous caller: no failed job, no error text, no log lines.
  const anonymous = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  const listed = await anonymous.request.get(`/api/projects/${projectId}/jobs`);
  expect(listed.status()).toBe(200);
  const body = await listed.json();
  for (const job of body.data as Array<{ state: string; error: string | null }>) {
    expect(job.state).not.toBe('failed');
    expect(job.error).toBeNull();
  }
  expect((await anonymous.request.get(`/api/projects/${projectId}/jobs/${jobId}`)).status()).toBe(
    404,
  );
  await anonymous.close();

  // A signed-in stranger (not a member) in the browser: the jobs list shows no failure.
  const created = await owner.request.post('/api/admin/users', { data: STRANGER, headers });
  expect([201, 409], await created.text()).toContain(created.status());
  const stranger = await browser.newContext({
    baseURL: process.env.E2E_BASE_URL,
    viewport: { width: 390, height: 844 },
  });
  const signIn = await stranger.request.post('/api/auth/signin', {
    data: { username: STRANGER.username, password: STRANGER.password },
  });
  expect(signIn.status(), await signIn.text()).toBe(200);
  const page = await stranger.newPage();
  await openPage(page, `/projects/${projectId}`);
  await page.locator('.jobs-button').click();
  const popover = page.locator('.jobs-popover');
  await expect(popover).toBeVisible();
  await expect(popover.locator('.job-failed')).toHaveCount(0);
  await expect(popover).not.toContainText('failed');
  await screenshot(page, 'phone-public-project-jobs');
  await stranger.close();
  await owner.close();
});
