/** Who may access: permissions boundary, people roles (operator/viewer/client), the development workspace. */
export * from './names.js';
export * from './permissions-boundary.js';
export * from './people-policies.js';
export * from './people-roles.js';
export * from './idle-stop-script.js';
export * from './development-workspace.js';
export * from './access-stack.js';
