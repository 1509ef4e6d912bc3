// The `resubmit:` section of aml-failover.yaml, read by `aml-failover resubmit` and the failover runbook:
//
//     resubmit:
//       compute: {gpu-cluster: cpu-cluster, ci-alice: cpu-cluster}   # source compute → target compute
//
// Computes not named here are mapped by name.
import { UserError } from '../common/errors';
import { PAIR_FILE_NAME, type PairConfig } from './pairFile';

export interface ResubmitSection {
  compute: Record<string, string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

export function resubmitSection(pair: PairConfig): ResubmitSection {
  const raw = pair.sections.resubmit;
  if (raw === undefined || raw === null) return { compute: {} };
  const bad = (what: string) => new UserError(`${PAIR_FILE_NAME}: resubmit.${what}; nothing was changed.`, 'usage');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${PAIR_FILE_NAME}: resubmit must be a mapping with a compute mapping (resubmit: {compute: {<source>: <target>}}); nothing was changed.`, 'usage');
  const compute = (raw as Record<string, unknown>).compute ?? {};
  if (typeof compute !== 'object' || compute === null || Array.isArray(compute)) throw bad('compute must map source compute names to target compute names');
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(compute as Record<string, unknown>)) {
    if (!NAME.test(from) || typeof to !== 'string' || !NAME.test(to)) throw bad(`compute.${from} must name a compute (letters, digits, '-' and '_'), not ${JSON.stringify(to)}`);
    out[from] = to;
  }
  return { compute: out };
}
