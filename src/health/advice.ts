import type { Role } from '../pair/pairFile';
import type { HealthChange } from './monitor';
import type { WorkspaceHealth } from './state';

export type Advice =
  | { kind: 'offerSwitch'; from: Role; to: Role; message: string }
  | { kind: 'bothDown'; message: string }
  | { kind: 'recovered'; role: Role; message: string }
  | { kind: 'offerSwitchBack'; to: Role; message: string };

const other = (role: Role): Role => (role === 'primary' ? 'secondary' : 'primary');
const name = (h: WorkspaceHealth) => `The ${h.role} workspace (${h.region})`;

/**
 * What to tell the user after a probe, if anything: the active workspace went down (offer the other one when it is
 * not down too), or a workspace that was down is healthy again (offer to switch back to it when the user had
 * switched away). Only transitions count, so one outage gives one notification however long it lasts.
 */
export function adviceFor(change: HealthChange, active: Role | null, otherState: WorkspaceHealth | undefined): Advice | undefined {
  const { role, previous, current } = change;
  if (current.health === 'down' && previous.health !== 'down' && role === active) {
    if (otherState?.health === 'down') return { kind: 'bothDown', message: `${name(current)} is down, and so is the ${other(role)}: ${current.reason}` };
    return { kind: 'offerSwitch', from: role, to: other(role), message: `${name(current)} is down: ${current.reason}` };
  }
  if (previous.health === 'down' && current.health === 'healthy') {
    if (role === active) return { kind: 'recovered', role, message: `${name(current)} is healthy again.` };
    if (active === other(role)) return { kind: 'offerSwitchBack', to: role, message: `${name(current)} is healthy again; you are on the ${active}.` };
    return { kind: 'recovered', role, message: `${name(current)} is healthy again.` };
  }
  return undefined;
}
