// Job definitions for resubmission in the other workspace: the CLI YAML of the job with every workspace-pinned
// reference the linter knows how to fix rewritten to its portable form (the linter's own fixes, so both agree),
// and the references that have no portable form reported rather than silently kept.
import type { JobBase } from '@azure/arm-machinelearning';
import { fixAll, lintText } from '../lint/lint';
import { jobYaml } from './yamlWriters';

export interface PortableJob {
  yaml: string;
  /** How many pinned references were rewritten. */
  rewritten: number;
  /** Linter messages for pinned references left in place (no portable form exists). */
  remaining: string[];
  /** Set when the job's type cannot be written as CLI YAML. */
  unsupported?: string;
}

export function portableJobYaml(job: JobBase): PortableJob {
  const raw = jobYaml(job);
  if (raw.unsupported) return { yaml: '', rewritten: 0, remaining: [], unsupported: raw.unsupported };
  const fileName = 'job.yml';
  const fixed = fixAll(raw.yaml, { fileName });
  const remaining = lintText(fixed.text, { fileName })
    .findings.filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((f) => f.message);
  return { yaml: fixed.text, rewritten: fixed.applied, remaining };
}
