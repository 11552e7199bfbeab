/**
 * Check 6 of the doctor: the GitHub repository the workflows deploy from. With `GITHUB_TOKEN` set it reads, through
 * the REST API (`GITHUB_API_URL`, default https://api.github.com; plain fetch, each answer zod-parsed):
 * the repository, each environment the CI roles name (`spec.ci.roles.*.environment`: exists, required reviewers
 * where the spec asks for them, a deployment-branch policy that allows only `spec.ci.github.deployBranch`), the
 * repository variable `AWS_ACCOUNT_ID`, and the OIDC subject template (`use_default: false`, claim keys
 * `GITHUB_OIDC_SUBJECT_CLAIM_KEYS`, which the roles' trust policies expect). Reading and judging are split: the
 * `check*` functions are pure.
 */
import { GITHUB_OIDC_SUBJECT_CLAIM_KEYS, type PlatformSpec } from '@dogbreed/platform-spec';
import { z, type ZodType } from 'zod';
import { absent, found, readError, type CheckResult, type CheckStatus, type Read } from './checks.js';
import { DoctorError } from './errors.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
/** The repository variable the workflows read the account from (`vars.AWS_ACCOUNT_ID`). */
export const ACCOUNT_VARIABLE = 'AWS_ACCOUNT_ID';

// The documented response shapes (docs.github.com/rest: deployments/environments, deployments/branch-policies,
// actions/variables, actions/oidc), only the fields the checks read.
const RepositorySchema = z.object({ full_name: z.string() });
const EnvironmentSchema = z.object({
  name: z.string(),
  protection_rules: z
    .array(z.object({ type: z.string(), reviewers: z.array(z.unknown()).optional() }))
    .optional(),
  deployment_branch_policy: z
    .object({ protected_branches: z.boolean(), custom_branch_policies: z.boolean() })
    .nullable()
    .optional(),
});
const BranchPoliciesSchema = z.object({
  total_count: z.number(),
  branch_policies: z.array(z.object({ name: z.string(), type: z.string().optional() })),
});
const VariableSchema = z.object({ name: z.string(), value: z.string() });
const OidcSubjectSchema = z.object({
  use_default: z.boolean(),
  include_claim_keys: z.array(z.string()).optional(),
});

/** A GitHub read: found, 404, refused (401/403: the token may not read it), or another failure. */
export type Answer<T> = Read<T> | { readonly kind: 'denied'; readonly message: string };

export interface BranchPolicy {
  readonly name: string;
  /** `branch` or `tag`. */
  readonly type: string;
}

export interface EnvironmentFacts {
  /** Reviewers of its `required_reviewers` protection rule (0 = none). */
  readonly reviewers: number;
  /** Its `deployment_branch_policy`: null = every branch may deploy. */
  readonly branchPolicy: {
    readonly protectedBranches: boolean;
    readonly customBranchPolicies: boolean;
  } | null;
  /** The custom policies' entries, read when `customBranchPolicies`. */
  readonly branches?: Answer<readonly BranchPolicy[]>;
}

export interface GithubFacts {
  readonly repository: Answer<string>;
  readonly environments: Readonly<Record<string, Answer<EnvironmentFacts>>>;
  readonly variable: Answer<string>;
  readonly oidcSubject: Answer<{ readonly useDefault: boolean; readonly claimKeys: readonly string[] }>;
}

export interface GithubOptions {
  /** The API base, e.g. https://api.github.com or a GitHub Enterprise Server's `/api/v3`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
}

/** The environments the workflows' jobs run in, with whether the spec asks for required reviewers. */
export function ciEnvironments(spec: PlatformSpec): { name: string; requiredReviewers: boolean }[] {
  const byName = new Map<string, boolean>();
  for (const role of Object.values(spec.ci.roles))
    if (role.environment)
      byName.set(
        role.environment,
        (byName.get(role.environment) ?? false) || role.requiredReviewers === true,
      );
  return [...byName].map(([name, requiredReviewers]) => ({ name, requiredReviewers }));
}

async function get<T>(options: GithubOptions, path: string, schema: ZodType<T>): Promise<Answer<T>> {
  const url = `${options.apiUrl.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'dogbreed-doctor',
      },
    });
  } catch (err) {
    return readError(`GET ${path}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 404) return absent();
  if (res.status === 401 || res.status === 403)
    return { kind: 'denied', message: `GET ${path}: ${res.status} ${text.slice(0, 200)}` };
  if (!res.ok) return readError(`GET ${path}: ${res.status} ${text.slice(0, 200)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new DoctorError(`GitHub answered GET ${path} with non-JSON: ${text.slice(0, 200)}`, { cause: err });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new DoctorError(`GitHub's answer to GET ${path} has an unexpected shape: ${parsed.error.message}`);
  return found(parsed.data);
}

function map<T, U>(a: Answer<T>, f: (v: T) => U): Answer<U> {
  return a.kind === 'found' ? found(f(a.value)) : a;
}

/** Reads everything the GitHub checks judge (GET only). */
export async function readGithub(spec: PlatformSpec, options: GithubOptions): Promise<GithubFacts> {
  const repoPath = `/repos/${encodeURIComponent(options.owner)}/${encodeURIComponent(options.repo)}`;
  const repository = map(await get(options, repoPath, RepositorySchema), (r) => r.full_name);
  const environments: Record<string, Answer<EnvironmentFacts>> = {};
  for (const { name } of ciEnvironments(spec)) {
    const envPath = `${repoPath}/environments/${encodeURIComponent(name)}`;
    const env = await get(options, envPath, EnvironmentSchema);
    if (env.kind !== 'found') {
      environments[name] = env;
      continue;
    }
    const rule = env.value.protection_rules?.find((r) => r.type === 'required_reviewers');
    const policy = env.value.deployment_branch_policy ?? null;
    const facts: EnvironmentFacts = {
      reviewers: rule?.reviewers?.length ?? 0,
      branchPolicy: policy && {
        protectedBranches: policy.protected_branches,
        customBranchPolicies: policy.custom_branch_policies,
      },
    };
    environments[name] = found(
      policy?.custom_branch_policies
        ? {
            ...facts,
            branches: map(
              await get(options, `${envPath}/deployment-branch-policies?per_page=100`, BranchPoliciesSchema),
              (p) => p.branch_policies.map((b) => ({ name: b.name, type: b.type ?? 'branch' })),
            ),
          }
        : facts,
    );
  }
  const variable = map(
    await get(options, `${repoPath}/actions/variables/${ACCOUNT_VARIABLE}`, VariableSchema),
    (v) => v.value,
  );
  const oidcSubject = map(
    await get(options, `${repoPath}/actions/oidc/customization/sub`, OidcSubjectSchema),
    (s) => ({ useDefault: s.use_default, claimKeys: s.include_claim_keys ?? [] }),
  );
  return { repository, environments, variable, oidcSubject };
}

// ---------------------------------------------------------------------------------------------------------------
// The checks (pure)

const RANK: Record<CheckStatus, number> = { ok: 0, skip: 1, warn: 2, fail: 3 };

function denied(id: string, what: string, a: { message: string }): CheckResult {
  return {
    id,
    status: 'warn',
    message: `cannot verify ${what}: the token may not read it (${a.message})`,
    fix: 'run with a token that can read the repository settings, e.g. GITHUB_TOKEN=$(gh auth token) npm run doctor',
  };
}

function failedRead(id: string, what: string, a: { message: string }): CheckResult {
  return { id, status: 'fail', message: `could not read ${what}: ${a.message}` };
}

export interface GithubCheckInput {
  readonly spec: PlatformSpec;
  readonly facts: GithubFacts;
  /** The AWS account the AWS checks found, to compare the variable with. */
  readonly account?: string;
  /** `GITHUB_REPOSITORY` when run in Actions: it must be the repository the spec (and the trust policies) name. */
  readonly runningIn?: string;
}

function checkEnvironment(
  spec: PlatformSpec,
  repo: string,
  name: string,
  requiredReviewers: boolean,
  env: Answer<EnvironmentFacts>,
): CheckResult {
  const id = `github: environment ${name}`;
  const settings = `Settings → Environments → ${name}`;
  if (env.kind === 'denied') return denied(id, `environment ${name}`, env);
  if (env.kind === 'error') return failedRead(id, `environment ${name}`, env);
  const branch = spec.ci.github.deployBranch;
  const branchFix =
    `gh api -X PUT repos/${repo}/environments/${name} -F 'deployment_branch_policy[protected_branches]=false' ` +
    `-F 'deployment_branch_policy[custom_branch_policies]=true' && gh api -X POST ` +
    `repos/${repo}/environments/${name}/deployment-branch-policies -f name=${branch} -f type=branch ` +
    `(or ${settings} → Deployment branches and tags → Selected branches: only ${branch})`;
  if (env.kind === 'absent')
    return {
      id,
      status: 'fail',
      message: `environment ${name} does not exist: the jobs of its CI role cannot run`,
      fix: `gh api -X PUT repos/${repo}/environments/${name}, then ${branchFix}${requiredReviewers ? `; ${settings} → Required reviewers: add at least one` : ''}`,
    };
  const problems: { status: CheckStatus; message: string; fix: string }[] = [];
  const e = env.value;
  if (requiredReviewers && e.reviewers === 0)
    problems.push({
      status: 'fail',
      message: 'no required reviewers (the spec asks for them: its jobs would start unapproved)',
      fix: `${settings} → Required reviewers: add at least one`,
    });
  if (e.branchPolicy === null)
    problems.push({ status: 'fail', message: 'every branch may deploy to it', fix: branchFix });
  else if (!e.branchPolicy.customBranchPolicies)
    problems.push({
      status: 'warn',
      message: `every protected branch may deploy to it, not only ${branch}`,
      fix: branchFix,
    });
  else if (e.branches?.kind === 'denied')
    problems.push({
      status: 'warn',
      message: `its branch policies cannot be read (${e.branches.message})`,
      fix: '',
    });
  else if (e.branches?.kind === 'error')
    problems.push({ status: 'fail', message: `its branch policies: ${e.branches.message}`, fix: '' });
  else {
    const list = e.branches?.kind === 'found' ? e.branches.value : [];
    const onlyDeployBranch = list.length === 1 && list[0]?.name === branch && list[0].type === 'branch';
    if (!onlyDeployBranch)
      problems.push({
        status: 'fail',
        message: `its deployment branches are [${list.map((b) => `${b.type} ${b.name}`).join(', ')}], not only branch ${branch}`,
        fix: `${settings} → Deployment branches and tags: keep only the branch ${branch}`,
      });
  }
  if (problems.length === 0)
    return {
      id,
      status: 'ok',
      message: `${requiredReviewers ? `${e.reviewers} required reviewer(s), ` : ''}deploys from ${branch} only`,
    };
  const status = problems.reduce<CheckStatus>((s, p) => (RANK[p.status] > RANK[s] ? p.status : s), 'ok');
  const fixes = problems.map((p) => p.fix).filter(Boolean);
  return {
    id,
    status,
    message: problems.map((p) => p.message).join('; '),
    ...(fixes.length > 0 ? { fix: fixes.join('; ') } : {}),
  };
}

export function checkGithub(input: GithubCheckInput): CheckResult[] {
  const { spec, facts, account, runningIn } = input;
  const repo = `${spec.ci.github.owner}/${spec.ci.github.repo}`;
  const results: CheckResult[] = [];
  if (runningIn !== undefined && runningIn !== '' && runningIn.toLowerCase() !== repo.toLowerCase())
    results.push({
      id: 'github: repository',
      status: 'fail',
      message: `running in ${runningIn}, but spec ci.github names ${repo} (the roles trust only that repository)`,
      fix: 'set spec ci.github.owner and ci.github.repo to this repository',
    });
  else if (facts.repository.kind !== 'found') {
    const r = facts.repository;
    results.push(
      r.kind === 'denied'
        ? denied('github: repository', repo, r)
        : r.kind === 'error'
          ? failedRead('github: repository', repo, r)
          : {
              id: 'github: repository',
              status: 'fail',
              message: `${repo} (spec ci.github) does not exist or the token cannot see it`,
              fix: 'set spec ci.github.owner / ci.github.repo to the repository, or use a token that can read it',
            },
    );
  } else results.push({ id: 'github: repository', status: 'ok', message: facts.repository.value });

  for (const { name, requiredReviewers } of ciEnvironments(spec))
    results.push(checkEnvironment(spec, repo, name, requiredReviewers, facts.environments[name] ?? absent()));

  const varId = `github: variable ${ACCOUNT_VARIABLE}`;
  const v = facts.variable;
  const setVariable = `gh variable set ${ACCOUNT_VARIABLE} --body ${account ?? 'ACCOUNT_ID'} --repo ${repo}`;
  if (v.kind === 'denied') results.push(denied(varId, `the variable ${ACCOUNT_VARIABLE}`, v));
  else if (v.kind === 'error') results.push(failedRead(varId, `the variable ${ACCOUNT_VARIABLE}`, v));
  else if (v.kind === 'absent')
    results.push({
      id: varId,
      status: 'fail',
      message: `the repository has no variable ${ACCOUNT_VARIABLE}: no job can name its role`,
      fix: `${setVariable} (Settings → Secrets and variables → Actions → Variables)`,
    });
  else if (account !== undefined && v.value !== account)
    results.push({
      id: varId,
      status: 'fail',
      message: `${ACCOUNT_VARIABLE} is ${v.value}, but the credentials are for account ${account}`,
      fix: setVariable,
    });
  else results.push({ id: varId, status: 'ok', message: v.value });

  const subId = 'github: OIDC subject template';
  const s = facts.oidcSubject;
  const keys = [...GITHUB_OIDC_SUBJECT_CLAIM_KEYS];
  const putSub =
    `gh api -X PUT repos/${repo}/actions/oidc/customization/sub -F use_default=false ` +
    keys.map((k) => `-f 'include_claim_keys[]=${k}'`).join(' ');
  if (s.kind === 'denied') results.push(denied(subId, 'the OIDC subject template', s));
  else if (s.kind === 'error') results.push(failedRead(subId, 'the OIDC subject template', s));
  else {
    const current = s.kind === 'found' ? s.value : { useDefault: true, claimKeys: [] };
    const matches =
      !current.useDefault &&
      current.claimKeys.length === keys.length &&
      current.claimKeys.every((k, i) => k === keys[i]);
    results.push(
      matches
        ? { id: subId, status: 'ok', message: `use_default false, include_claim_keys [${keys.join(', ')}]` }
        : {
            id: subId,
            status: 'fail',
            message:
              `${current.useDefault ? 'use_default true' : `include_claim_keys [${current.claimKeys.join(', ')}]`}: ` +
              `the roles trust subjects built from [${keys.join(', ')}] (an environment's job then carries its branch)`,
            fix: putSub,
          },
    );
  }
  return results;
}

/** The GitHub check's single line when there is no token. */
export const GITHUB_SKIPPED: CheckResult = {
  id: 'github',
  status: 'skip',
  message: 'skipped: set GITHUB_TOKEN (e.g. GITHUB_TOKEN=$(gh auth token)) to check the repository settings',
};
