import type { PlatformSpec } from '@dogbreed/platform-spec';

/**
 * Names the access constructs give their resources, derived from `spec.project.name` only, so any stack (or a
 * person writing `aws sts assume-role`) can rebuild them without a CloudFormation export.
 */
export function accessNames(spec: PlatformSpec) {
  const p = spec.project.name;
  return {
    /** The managed policy every project role carries as its permissions boundary. */
    permissionsBoundaryPolicy: `${p}-permissions-boundary`,
    operatorRole: `${p}-operator`,
    viewerRole: `${p}-viewer`,
    clientRole: `${p}-client`,
    notebookInstance: `${p}-workspace`,
    notebookLifecycleConfig: `${p}-workspace-idle-stop`,
    /** Training jobs the operator may start/stop are named with this prefix. */
    trainingJobPrefix: `${p}-`,
    /** Endpoint configs the operator may create are named with this prefix. */
    endpointConfigPrefix: `${p}-`,
  } as const;
}

/** The three people roles. */
export const PEOPLE_ROLE_KINDS = ['operator', 'viewer', 'client'] as const;
export type PeopleRoleKind = (typeof PEOPLE_ROLE_KINDS)[number];

/** The spec's principal list for a people role. */
export function principalsFor(spec: PlatformSpec, kind: PeopleRoleKind): readonly string[] {
  switch (kind) {
    case 'operator':
      return spec.access.operators;
    case 'viewer':
      return spec.access.viewers;
    case 'client':
      return spec.access.clients;
  }
}

/** SageMaker lower-cases resource names in its ARNs (`endpoint/MyEndpoint` is `endpoint/myendpoint`). */
export function sageMakerArnName(name: string): string {
  return name.toLowerCase();
}
