// The project's job YAMLs and what each names by reference, for the assets check: the files the linter walks
// (src/lint: `lint.ignore`, export and backup folders left out), those whose `$schema` is a job schema — as the
// failover's pre-flight picks them —, read with src/failover/needs.ts `jobNeeds`.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { declaresJobSchema, jobNeeds } from '../failover/needs';
import { expandTargets } from '../lint/files';
import { lintProjectFrom } from '../lint/project';
import type { PairConfig } from '../pair/pairFile';
import type { ProjectJobs } from './types';

export async function readProjectJobs(projectDir: string, pair: PairConfig): Promise<ProjectJobs> {
  const project = lintProjectFrom(projectDir, pair);
  const { targets } = await expandTargets(['.'], projectDir, project);
  const jobs: Extract<ProjectJobs, { state: 'read' }>['jobs'] = [];
  const unreadable: string[] = [];
  for (const target of targets) {
    const file = path.relative(projectDir, target.absolute).split(path.sep).join('/');
    // The product's own state (drill records, sessions) is not the project's.
    if (!/\.ya?ml$/i.test(file) || file.split('/')[0] === '.aml-failover') continue;
    const text = await fs.readFile(target.absolute, 'utf8').catch(() => '');
    if (!declaresJobSchema(text)) continue;
    try {
      jobs.push({ file, needs: jobNeeds(parseYaml(text)) });
    } catch {
      // Not valid YAML: the linter reports it; the check says it could not read it.
      unreadable.push(file);
    }
  }
  return { state: 'read', jobs, unreadable };
}
