/**
 * The GitHub checks against a local HTTP server that answers the REST API's documented shapes (repository,
 * environments with their protection rules and deployment-branch policies, an Actions variable, the OIDC subject
 * template): a repository set up as docs/deploy.md says passes, and each wrong setting fails with its fix. The
 * server also proves the doctor only GETs, with the token.
 */
import { createServer, type Server } from 'node:http';
import { GITHUB_OIDC_SUBJECT_CLAIM_KEYS, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from './checks.js';
import { DoctorError } from './errors.js';
import { ACCOUNT_VARIABLE, checkGithub, ciEnvironments, readGithub, type GithubOptions } from './github.js';

const spec = PLATFORM_SPEC;
const { owner, repo, deployBranch } = spec.ci.github;
const base = `/repos/${owner}/${repo}`;
const TOKEN = 'ghs_test_token';
const ACCOUNT = '123456789012';

type Routes = Map<string, { status: number; body: unknown }>;

/** A repository configured as the set-up asks: every CI environment, reviewers where the spec wants them. */
function goodRepository(): Routes {
  const routes: Routes = new Map();
  routes.set(base, { status: 200, body: { id: 1, full_name: `${owner}/${repo}`, private: true } });
  for (const { name, requiredReviewers } of ciEnvironments(spec)) {
    routes.set(`${base}/environments/${name}`, {
      status: 200,
      body: {
        id: 1,
        name,
        url: `https://api.github.com${base}/environments/${name}`,
        protection_rules: [
          ...(requiredReviewers
            ? [
                {
                  id: 3,
                  type: 'required_reviewers',
                  prevent_self_review: false,
                  reviewers: [{ type: 'User', reviewer: { login: 'octocat', id: 1 } }],
                },
              ]
            : []),
          { id: 4, type: 'branch_policy' },
        ],
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      },
    });
    routes.set(`${base}/environments/${name}/deployment-branch-policies`, {
      status: 200,
      body: { total_count: 1, branch_policies: [{ id: 361471, name: deployBranch, type: 'branch' }] },
    });
  }
  routes.set(`${base}/actions/variables/${ACCOUNT_VARIABLE}`, {
    status: 200,
    body: { name: ACCOUNT_VARIABLE, value: ACCOUNT, created_at: '2026-01-01T00:00:00Z' },
  });
  routes.set(`${base}/actions/oidc/customization/sub`, {
    status: 200,
    body: { use_default: false, include_claim_keys: [...GITHUB_OIDC_SUBJECT_CLAIM_KEYS] },
  });
  return routes;
}

let server: Server;
let routes: Routes = goodRepository();
const requests: { method: string; path: string; auth: string; version: string }[] = [];
let options: GithubOptions;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({
      method: req.method ?? '',
      path,
      auth: String(req.headers['authorization'] ?? ''),
      version: String(req.headers['x-github-api-version'] ?? ''),
    });
    const route = routes.get(path);
    const status = route?.status ?? 404;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify(
        route?.body ?? {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest',
          status: '404',
        },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  options = {
    apiUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    token: TOKEN,
    owner,
    repo,
  };
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  routes = goodRepository();
  requests.length = 0;
});

async function run(account: string | undefined = ACCOUNT) {
  const facts = await readGithub(spec, options);
  return checkGithub({ spec, facts, ...(account ? { account } : {}) });
}

const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id);

describe('GitHub checks against the REST API shapes', () => {
  it('a repository set up as documented passes every check, read with GETs and the token only', async () => {
    const results = await run();
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    // One line per environment the CI roles name, plus repository, variable and subject template.
    expect(results.map((r) => r.id)).toEqual([
      'github: repository',
      ...ciEnvironments(spec).map((e) => `github: environment ${e.name}`),
      `github: variable ${ACCOUNT_VARIABLE}`,
      'github: OIDC subject template',
    ]);
    expect(new Set(requests.map((r) => r.method))).toEqual(new Set(['GET']));
    expect(requests.every((r) => r.auth === `Bearer ${TOKEN}` && r.version === '2022-11-28')).toBe(true);
  });

  it('a missing environment fails with the command that creates it and the branch rule', async () => {
    const [first] = ciEnvironments(spec);
    if (!first) throw new Error('fixture: the spec names no environment');
    routes.delete(`${base}/environments/${first.name}`);
    const r = byId(await run(), `github: environment ${first.name}`);
    expect(r).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(`gh api -X PUT repos/${owner}/${repo}/environments/${first.name}`),
    });
    expect(r?.fix).toContain(`-f name=${deployBranch} -f type=branch`);
  });

  it('an environment the spec wants reviewed, without required reviewers, fails', async () => {
    const reviewed = ciEnvironments(spec).find((e) => e.requiredReviewers);
    if (!reviewed) throw new Error('fixture: the spec asks for no reviewers');
    const path = `${base}/environments/${reviewed.name}`;
    const env = routes.get(path)?.body as { protection_rules: { type: string }[] };
    routes.set(path, {
      status: 200,
      body: { ...env, protection_rules: env.protection_rules.filter((p) => p.type !== 'required_reviewers') },
    });
    expect(byId(await run(), `github: environment ${reviewed.name}`)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('no required reviewers'),
      fix: expect.stringContaining(`Settings → Environments → ${reviewed.name} → Required reviewers`),
    });
  });

  it('deployment branches: all branches fail, protected branches warn, another branch fails', async () => {
    const names = ciEnvironments(spec).map((e) => e.name);
    const [a, b, c] = names;
    if (!a || !b || !c) throw new Error('fixture: fewer than three environments');
    const set = (name: string, policy: unknown) => {
      const path = `${base}/environments/${name}`;
      routes.set(path, {
        status: 200,
        body: { ...(routes.get(path)?.body as object), deployment_branch_policy: policy },
      });
    };
    set(a, null);
    set(b, { protected_branches: true, custom_branch_policies: false });
    routes.set(`${base}/environments/${c}/deployment-branch-policies`, {
      status: 200,
      body: {
        total_count: 2,
        branch_policies: [
          { id: 1, name: deployBranch, type: 'branch' },
          { id: 2, name: 'release/*', type: 'branch' },
        ],
      },
    });
    const results = await run();
    expect(byId(results, `github: environment ${a}`)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('every branch'),
      fix: expect.stringContaining('deployment_branch_policy[custom_branch_policies]=true'),
    });
    expect(byId(results, `github: environment ${b}`)?.status).toBe('warn');
    expect(byId(results, `github: environment ${c}`)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('release/*'),
    });
  });

  it('the variable: missing fails with gh variable set; another account than the credentials fails', async () => {
    routes.delete(`${base}/actions/variables/${ACCOUNT_VARIABLE}`);
    expect(byId(await run(), `github: variable ${ACCOUNT_VARIABLE}`)).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(
        `gh variable set ${ACCOUNT_VARIABLE} --body ${ACCOUNT} --repo ${owner}/${repo}`,
      ),
    });
    routes = goodRepository();
    expect(byId(await run('999999999999'), `github: variable ${ACCOUNT_VARIABLE}`)?.status).toBe('fail');
  });

  it('the OIDC subject template: the default, or other claim keys, fail with the PUT that sets it', async () => {
    const put =
      `gh api -X PUT repos/${owner}/${repo}/actions/oidc/customization/sub -F use_default=false ` +
      GITHUB_OIDC_SUBJECT_CLAIM_KEYS.map((k) => `-f 'include_claim_keys[]=${k}'`).join(' ');
    routes.set(`${base}/actions/oidc/customization/sub`, { status: 200, body: { use_default: true } });
    expect(byId(await run(), 'github: OIDC subject template')).toMatchObject({ status: 'fail', fix: put });
    routes.set(`${base}/actions/oidc/customization/sub`, {
      status: 200,
      body: { use_default: false, include_claim_keys: ['repo', 'context'] },
    });
    expect(byId(await run(), 'github: OIDC subject template')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('[repo, context]'),
    });
  });

  it('a token that may not read a setting warns (cannot verify) instead of failing', async () => {
    routes.set(`${base}/actions/variables/${ACCOUNT_VARIABLE}`, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect(byId(await run(), `github: variable ${ACCOUNT_VARIABLE}`)).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('Resource not accessible'),
    });
  });

  it('the running repository must be the one the spec names; an answer of another shape is an error', async () => {
    const facts = await readGithub(spec, options);
    expect(checkGithub({ spec, facts, runningIn: 'someone/fork' })[0]).toMatchObject({
      id: 'github: repository',
      status: 'fail',
    });
    routes.set(`${base}/actions/oidc/customization/sub`, { status: 200, body: { use_default: 'no' } });
    await expect(readGithub(spec, options)).rejects.toThrow(DoctorError);
  });
});
