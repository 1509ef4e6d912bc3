import type { Json, ReadinessCheck, ReadinessFacts, SideFacts } from '../types';
import { finding, firstFailure, list, unknownFinding, workspaceIdOf } from './common';

/** What a failover does in the workspace it moves to: each must be allowed there as it is in the primary. */
export const FAILOVER_ACTIONS = [
  'Microsoft.MachineLearningServices/workspaces/read',
  'Microsoft.MachineLearningServices/workspaces/jobs/read',
  'Microsoft.MachineLearningServices/workspaces/jobs/write',
  'Microsoft.MachineLearningServices/workspaces/computes/read',
  'Microsoft.MachineLearningServices/workspaces/computes/write',
  'Microsoft.MachineLearningServices/workspaces/models/read',
  'Microsoft.MachineLearningServices/workspaces/models/write',
  'Microsoft.MachineLearningServices/workspaces/environments/read',
  'Microsoft.MachineLearningServices/workspaces/environments/write',
  'Microsoft.MachineLearningServices/workspaces/datastores/read',
  'Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write',
];

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** Allowed by at least one permission entry's actions and not taken away by that entry's notActions (ARM's rule). */
export function allows(permissions: Json[], action: string): boolean {
  return permissions.some((p) => {
    const actions = Array.isArray(p.actions) ? (p.actions as string[]) : [];
    const notActions = Array.isArray(p.notActions) ? (p.notActions as string[]) : [];
    return actions.some((a) => matches(a, action)) && !notActions.some((n) => matches(n, action));
  });
}

/** The signed-in identity has the same effective permissions on both workspaces: a failover must not end in 403. */
export function access(facts: ReadinessFacts): ReadinessCheck[] {
  const failure = firstFailure(facts.primary.permissions, facts.secondary.permissions);
  if (failure) return [unknownFinding('access', failure, 'your permissions on the workspaces')];
  const allowed = (side: SideFacts) => FAILOVER_ACTIONS.filter((a) => allows(side.permissions.ok ? side.permissions.value : [], a));
  const p = allowed(facts.primary);
  const s = allowed(facts.secondary);
  const ids = [workspaceIdOf(facts.primary), workspaceIdOf(facts.secondary)];
  const short = (a: string) => a.replace(/^Microsoft\.MachineLearningServices\/workspaces\//i, '');
  const missingInSecondary = p.filter((a) => !s.includes(a));
  const missingInPrimary = s.filter((a) => !p.includes(a));
  if (missingInSecondary.length) {
    return [finding('access', 'fail', `You may ${list(missingInSecondary.map(short), 4)} in the primary but not in the secondary: after a failover those calls end in 403.`, 'Give your identity (or its group) the same role assignment on the secondary workspace as on the primary, e.g. AzureML Data Scientist', ids)];
  }
  if (missingInPrimary.length) {
    return [finding('access', 'warn', `You may ${list(missingInPrimary.map(short), 4)} in the secondary but not in the primary: switching back ends in 403 for those.`, 'Give your identity the same role assignment on both workspaces', ids)];
  }
  if (!p.length) return [finding('access', 'warn', 'You have none of the permissions a failover uses on either workspace.', 'Ask for a role such as AzureML Data Scientist on both workspaces', ids)];
  return [finding('access', 'pass', `You have the same ${p.length} permissions a failover uses on both workspaces.`, '', ids)];
}
