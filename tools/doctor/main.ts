/**
 * `npm run doctor`: the pre-flight check of an AWS account (and the GitHub repository) before the first deploy, and
 * in the deploy workflow's `validate` job. One line per check (ok / warn / FAIL / skip) with what to do, a summary
 * line, exit 1 when any check failed. It only reads (the validate role is read-only; `DOCTOR_AWS_READS` in aws.ts
 * lists its calls).
 *
 * usage: npm run doctor -- [--json] [--region REGION] [--cdk-out DIR]
 *   --json     the results as JSON on stdout (for machines)
 *   --region   check another region than spec project.region
 *   --cdk-out  read the required bootstrap version from these synthesized templates instead of a probe synth
 * env: AWS credentials (AWS_ENDPOINT_URL for moto), DOGBREED_SPEC_FILE / DOGBREED_SPEC_JSON,
 *      GITHUB_TOKEN (else the GitHub checks are skipped), GITHUB_API_URL, GITHUB_REPOSITORY
 */
import { parseArgs } from 'node:util';
import { loadPlatformSpec, type PlatformSpec } from '@dogbreed/platform-spec';
import { createClients, destroyClients, runAwsChecks, type DoctorClients } from './aws.js';
import { requiredByAwsCdkLib, requiredByCdkOut } from './bootstrap-version.js';
import { exitCode, summarize, type CheckResult } from './checks.js';
import { DoctorError } from './errors.js';
import {
  checkGithub,
  DEFAULT_GITHUB_API_URL,
  GITHUB_SKIPPED,
  readGithub,
  type GithubOptions,
} from './github.js';

const USAGE = 'npm run doctor -- [--json] [--region REGION] [--cdk-out DIR]';

export interface DoctorOptions {
  readonly spec: PlatformSpec;
  /** The region the clients use. */
  readonly region: string;
  readonly clients: DoctorClients;
  /** The bootstrap version the templates require. */
  readonly requiredBootstrapVersion: () => Promise<number>;
  /**
   * Where and how to read the repository's settings.
   * @default none: the GitHub checks are one `skip` line
   */
  readonly github?: Omit<GithubOptions, 'owner' | 'repo'>;
  /**
   * The repository the command runs in (`GITHUB_REPOSITORY` in Actions).
   * @default unknown: not compared
   */
  readonly runningIn?: string;
}

/** Every check, in the order the set-up meets them. */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const { spec } = options;
  const { results, target } = await runAwsChecks(options.clients, {
    spec,
    region: options.region,
    requiredBootstrapVersion: options.requiredBootstrapVersion,
  });
  if (!options.github) return [...results, GITHUB_SKIPPED];
  try {
    const facts = await readGithub(spec, { ...options.github, ...spec.ci.github });
    return [
      ...results,
      ...checkGithub({
        spec,
        facts,
        ...(target ? { account: target.account } : {}),
        ...(options.runningIn ? { runningIn: options.runningIn } : {}),
      }),
    ];
  } catch (err) {
    if (!(err instanceof DoctorError)) throw err;
    return [...results, { id: 'github', status: 'fail', message: err.message }];
  }
}

const LABEL = { ok: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

/** The human output: one line per check with its fix (so `| grep FAIL` shows what to do), then the summary. */
export function formatText(results: readonly CheckResult[]): string {
  const lines = results.map(
    (r) => `${LABEL[r.status].padEnd(4)}  ${r.id}: ${r.message}${r.fix ? ` → fix: ${r.fix}` : ''}`,
  );
  const s = summarize(results);
  const verdict =
    s.fail > 0 ? 'fix every FAIL before deploying' : s.warn > 0 ? 'ready, with warnings' : 'ready to deploy';
  lines.push(`doctor: ${s.ok} ok, ${s.warn} warn, ${s.fail} FAIL, ${s.skip} skip: ${verdict}`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(region: string, results: readonly CheckResult[]): string {
  return `${JSON.stringify({ region, checks: results, summary: summarize(results) }, null, 2)}\n`;
}

interface Flags {
  readonly json: boolean;
  readonly region?: string;
  readonly cdkOut?: string;
}

export function readDoctorFlags(argv: readonly string[]): Flags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        region: { type: 'string' },
        'cdk-out': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    return {
      json: values.json === true,
      ...(values.region ? { region: values.region } : {}),
      ...(values['cdk-out'] ? { cdkOut: values['cdk-out'] } : {}),
    };
  } catch (err) {
    throw new DoctorError(`${(err as Error).message}\nusage: ${USAGE}`, { cause: err });
  }
}

/** Runs the command; resolves to the exit code (1: a check failed, 2: the command could not run). */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  let flags: Flags;
  let spec: PlatformSpec;
  try {
    flags = readDoctorFlags(argv);
    spec = loadPlatformSpec(env);
  } catch (err) {
    process.stderr.write(`doctor: ${(err as Error).message}\n`);
    return 2;
  }
  const region = flags.region ?? spec.project.region;
  // The SDK resolves AWS_ENDPOINT_URL itself; S3 on an emulator's single host needs path-style addressing.
  const clients = createClients({ region, forcePathStyle: Boolean(env['AWS_ENDPOINT_URL']) });
  const token = env['GITHUB_TOKEN'];
  try {
    const cdkOut = flags.cdkOut;
    const results = await runDoctor({
      spec,
      region,
      clients,
      requiredBootstrapVersion: cdkOut ? async () => requiredByCdkOut(cdkOut) : requiredByAwsCdkLib,
      ...(token ? { github: { token, apiUrl: env['GITHUB_API_URL'] || DEFAULT_GITHUB_API_URL } } : {}),
      ...(env['GITHUB_REPOSITORY'] ? { runningIn: env['GITHUB_REPOSITORY'] } : {}),
    });
    out(flags.json ? formatJson(region, results) : formatText(results));
    return exitCode(results);
  } catch (err) {
    if (!(err instanceof DoctorError)) throw err;
    process.stderr.write(`doctor: ${err.message}\n`);
    return 2;
  } finally {
    destroyClients(clients);
  }
}

if (process.argv[1]?.endsWith('doctor/main.ts')) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`doctor: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
