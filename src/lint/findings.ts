import { describePinned, type PinnedMatch } from './references';
import type { Fix, PinnedWorkspace, RuleCode, TextEdit } from './types';

/** A finding before severities, ranges and ignore comments are applied (see lint.ts). */
export interface RawFinding {
  rule: RuleCode;
  message: string;
  /** The one-line form of `message` (see Finding.short). */
  short?: string;
  start: number;
  end: number;
  anchorLine: number;
  fixes: Fix[];
  reference?: string;
  pinned?: PinnedWorkspace;
}

/** The two workspaces of the pair, to say which one a reference pins. */
export interface PairNames {
  primary?: PinnedWorkspace;
  secondary?: PinnedWorkspace;
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function pairNote(pinned: PinnedWorkspace, pair: PairNames | undefined): string {
  if (!pair || !pinned.workspace) return '';
  for (const role of ['primary', 'secondary'] as const) {
    const ws = pair[role];
    if (ws && same(ws.workspace, pinned.workspace) && (!pinned.resourceGroup || same(ws.resourceGroup, pinned.resourceGroup))) {
      return `, the ${role} workspace of this pair`;
    }
  }
  return '';
}

const ADVICE: Partial<Record<RuleCode, string>> = {
  'workspace-arm-id': 'it breaks when you fail over',
  'workspace-datastore-uri': 'it breaks when you fail over',
  'workspace-location-uri': 'it breaks when you fail over',
  'region-tracking-uri': 'MLflow keeps logging to that region after you fail over; let the SDK or job set the tracking URI',
};

/** Message and fixes for a pinned reference. `replace` makes the edit for the portable spelling, if it may. */
export function pinnedFinding(
  match: PinnedMatch,
  at: { start: number; end: number; anchorLine: number },
  options: { pair?: PairNames; replace?: (portable: string) => TextEdit[] | undefined; inComment?: boolean },
): RawFinding {
  const what = match.target ?? 'This reference';
  const pins = describePinned(match.pinned);
  const note = pairNote(match.pinned, options.pair);
  let message: string;
  if (match.rule === 'job-output-reference') {
    message = `${cap(what)}'s outputs exist only in the workspace that ran it: after a failover, rerun the job in the other workspace or register the output as a data asset and use azureml:<name>:<version>.`;
  } else if (match.rule === 'region-tracking-uri') {
    message = `This MLflow tracking URI pins ${pins}${note}: ${ADVICE[match.rule]}.`;
  } else {
    const advice = match.portable ? `; write ${match.portable} to follow the active workspace` : '';
    const subject = !match.target ? 'This reference' : match.target === 'workspace' ? 'This workspace id' : `This reference to ${match.target}`;
    message = `${subject} pins ${pins}${note}: ${ADVICE[match.rule] ?? 'it breaks when you fail over'}${advice}.`;
  }
  let short = pinnedShort(match, options.pair);
  if (options.inComment) {
    message = `In a comment: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    short = `in a comment: ${short}`;
  }
  const fixes: Fix[] = [];
  if (match.portable && options.replace) {
    const edits = options.replace(match.portable);
    if (edits) fixes.push({ title: `Use ${match.portable}`, edits, isPreferred: true });
  }
  return {
    rule: options.inComment ? 'reference-in-comment' : match.rule,
    message,
    short,
    start: at.start,
    end: at.end,
    anchorLine: at.anchorLine,
    fixes,
    reference: match.value,
    pinned: match.pinned,
  };
}

/** The one-line form: what pins which workspace, and the portable spelling when it fits on the line. */
function pinnedShort(match: PinnedMatch, pair: PairNames | undefined): string {
  const what = !match.target ? 'reference' : match.target === 'workspace' ? 'workspace id' : match.target;
  if (match.rule === 'job-output-reference') return `outputs of ${what} exist only in the workspace that ran it`;
  const p = match.pinned;
  const ws = p.workspace ? `workspace '${p.workspace}'` : p.workspaceId ? `workspace ${p.workspaceId}` : p.region ? `region ${p.region}` : p.subscription ? `subscription ${p.subscription}` : 'one workspace';
  const role = /the (primary|secondary) workspace/.exec(pairNote(p, pair))?.[1];
  const pins = `pins ${ws}${role ? ` (${role})` : ''}`;
  const base = `${match.rule === 'region-tracking-uri' ? 'MLflow tracking URI' : what} ${pins}`;
  if (!match.portable) return base;
  // The fix matters more than the subject (the column points at it): drop the subject before the fix.
  return [`${base}; write ${match.portable}`, `${pins}; write ${match.portable}`].find((s) => s.length <= 100) ?? base;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
