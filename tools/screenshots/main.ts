/**
 * `npm run screenshots`: the README's pictures, made from real runs in the project's own headless Chromium
 * (tools/setup.sh installs it; `DOGBREED_CHROMIUM` overrides the path): the dashboard while the load test drives the
 * stack to its maximum instances, the load-test report that run wrote, and a capacity simulation report. 1,300 px
 * wide, written to docs/images/. `--skip-loadtest` re-shoots the existing dist/loadtest/report.html only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildSpec, LOCAL_METRICS_PATH, LocalMetricsSchema } from '@dogbreed/platform-spec';
import { toolPaths } from '@dogbreed/workspace';
import { ScreenshotError } from './errors.js';

/** The width the README's pictures are made at: a laptop browser window. */
export const WIDTH = 1300;

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'docs', 'images');
const spec = buildSpec();
const say = (line: string) => process.stderr.write(`[screenshots] ${line}\n`);
const tsx = join(root, 'node_modules', '.bin', 'tsx');

async function launch(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const executablePath = toolPaths.chromium();
  if (!existsSync(executablePath))
    throw new ScreenshotError(
      `no Chromium at ${executablePath}: run tools/setup.sh (or set DOGBREED_CHROMIUM)`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'screenshots-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: WIDTH, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function shoot(browser: BrowserContext, url: string, file: string, fullPage: boolean): Promise<void> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.screenshot({ path: join(out, file), fullPage });
  await page.close();
  say(`wrote docs/images/${file}`);
}

/** Polls the stack until the endpoint the load test drives has every instance InService (the autoscale peak). */
async function untilPeak(url: string, deadline: number): Promise<void> {
  const name = spec.endpoints.single.name;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}${LOCAL_METRICS_PATH}`, { signal: AbortSignal.timeout(2_000) });
      const m = LocalMetricsSchema.parse(await res.json());
      const e = m.endpoints.find((x) => x.name === name);
      const inService = e?.instances.filter((i) => i.state === 'InService').length ?? 0;
      if (inService >= m.autoscaling.maxInstances) return;
    } catch {
      // The stack is still starting: try again.
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new ScreenshotError(`${name} did not reach its maximum instances before the deadline`);
}

/** Runs `npm run loadtest`'s program on a fresh stack and photographs its dashboard at the autoscale peak. */
async function loadTestWithDashboard(browser: BrowserContext): Promise<void> {
  const child = spawn(
    tsx,
    ['--tsconfig', 'apps/loadtest/tsconfig.json', 'apps/loadtest/src/cli/front-door.ts', '--port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stderr.write(`${line}\n`);
      const m = /local stack at (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1] as string);
    });
    void exited.then((code) =>
      reject(new ScreenshotError(`the load test exited (${code}) before its stack was up`)),
    );
  });
  try {
    await untilPeak(url, Date.now() + 10 * 60_000);
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    // A few refreshes of the charts, so they show the ramp up to the peak.
    await page.waitForTimeout(4_000);
    await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
    await page.close();
    say('wrote docs/images/dashboard.png');
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  const code = await exited;
  if (code !== 0) say(`the load test exited with ${code}: the report shows what failed`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'skip-loadtest': { type: 'boolean', default: false } } });
  mkdirSync(out, { recursive: true });
  const { browser, close } = await launch();
  try {
    if (!values['skip-loadtest']) await loadTestWithDashboard(browser);
    const report = join(root, 'dist', 'loadtest', 'report.html');
    if (!existsSync(report)) throw new ScreenshotError(`${report} is missing: run without --skip-loadtest`);
    await shoot(browser, pathToFileURL(report).href, 'loadtest-report.png', true);

    say('simulating the spec policy against a leaner one (dist/capacity)');
    const sim = spawnSync(
      tsx,
      [
        '--tsconfig',
        'apps/capacity/tsconfig.json',
        'apps/capacity/src/cli/main.ts',
        'simulate',
        '--trace',
        'diurnal',
        '--policy',
        'lean={"targetValue":450,"scaleInCooldownSeconds":120}',
        '--out',
        'dist/capacity',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (sim.status !== 0) throw new ScreenshotError(`dogbreed-capacity simulate exited with ${sim.status}`);
    await shoot(
      browser,
      pathToFileURL(join(root, 'dist', 'capacity', 'simulation.html')).href,
      'capacity-simulation.png',
      true,
    );
  } finally {
    await close();
  }
}

main().catch((err: unknown) => {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
