import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '@dogbreed/platform-spec';
import { solidPng } from '@dogbreed/testing';
import { toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { existsSync } from 'node:fs';
import { makeModelsDir, removeDir, RED, startStack, type RunningStack } from './harness.js';
import { runLoad } from './load.js';

const CLASSES = ['red_dog', 'green_dog', 'blue_dog', 'beagle', 'pug', 'husky'];
const spec = buildSpec();
const chromiumPath = toolPaths.chromium();
const screenshot = join(workspaceRoot(), 'test-output', 'local-stack', 'dashboard.png');

let modelsDir: string;
let stack: RunningStack | undefined;
let browser: BrowserContext | undefined;
let profile: string | undefined;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) return;
  modelsDir = await makeModelsDir({ classNames: CLASSES }, { classNames: CLASSES });
  stack = await startStack(modelsDir);
  profile = mkdtempSync(join(tmpdir(), 'local-stack-chromium-'));
  // A fresh profile dir per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 980 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  removeDir(modelsDir);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('dashboard in headless Chromium', () => {
  it.skipIf(!existsSync(chromiumPath))(
    `loads, updates its charts and shows top-5 breeds for an upload (needs ${chromiumPath})`,
    async () => {
      const url = stack?.url as string;
      const page = await (browser as BrowserContext).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${url}/`);
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 20_000 })
        .toContain('periods');

      // Some traffic so the charts have something to show, while the page polls.
      const red = (await solidPng(RED, 8)).toString('base64');
      await runLoad({
        url: `${url}/endpoints/${spec.endpoints.single.name}/invocations`,
        body: JSON.stringify({ image: red }),
        concurrency: 2,
        maxRequests: 300,
        maxMs: 3_000,
        stop: () => false,
      });
      const points = () => page.locator('#chart-invocations').getAttribute('data-points').then(Number);
      const firstCount = await points();
      await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(firstCount);
      await expect.poll(() => page.locator('#chart-invocations path[data-series]').count()).toBe(2);
      await expect.poll(() => page.locator('#chart-lambda path[data-series]').count()).toBe(3);
      await expect.poll(() => page.locator('.inst.InService').count()).toBe(2);

      // Upload a photo: top-5 from the function URL.
      const file = join(profile as string, 'red-dog.png');
      writeFileSync(file, await solidPng(RED, 64));
      await page.setInputFiles('#file', file);
      await expect.poll(() => page.locator('#predictions li').count(), { timeout: 30_000 }).toBe(5);
      expect(await page.locator('#predictions li .label').first().textContent()).toBe('red_dog');
      expect(await page.locator('#predict-status').textContent()).toContain(spec.endpoints.single.name);

      mkdirSync(join(workspaceRoot(), 'test-output', 'local-stack'), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(existsSync(screenshot)).toBe(true);
      expect(errors).toEqual([]);
    },
  );
});
