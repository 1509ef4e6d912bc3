import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EXPORT_FOLDER, insideExportFolder } from '../export/exportFolder';
import { DEFAULT_BACKUP_FOLDER } from '../backup/snapshots';
import { PAIR_FILE_NAME, loadPairFile, type PairConfig } from '../pair/pairFile';
import { defaultLintConfig, ignoredPathMatcher, lintConfigFromSection, type LintConfig } from './config';
import type { PairNames } from './findings';

export interface LintProject {
  projectDir: string;
  config: LintConfig;
  pair?: PairNames;
  /** Problems with the lint: section or the pair file, to show once. */
  problems: string[];
  /**
   * True for files (absolute paths) the linter leaves alone: under `lint.ignore`, under the default export folder,
   * or inside any folder holding an aml-failover export's manifest.json — the linter never lints its own output.
   */
  isIgnored(absolute: string): boolean;
  /** The cheap part of `isIgnored`, by name only (`lint.ignore` and the default export folder): for folder walks. */
  isIgnoredPath(absolute: string): boolean;
}

export function pairNames(config: PairConfig): PairNames {
  const names = (role: 'primary' | 'secondary') => {
    const ws = config.workspaces[role];
    return { workspace: ws.workspace_name, resourceGroup: ws.resource_group, subscription: ws.subscription_id, region: ws.region };
  };
  return { primary: names('primary'), secondary: names('secondary') };
}

/** The lint settings of a project from the `lint:` section of its pair file (defaults when there is none). */
export function lintProjectFrom(projectDir: string, pair: PairConfig | undefined, extraProblems: string[] = []): LintProject {
  const { config, problems } = pair ? lintConfigFromSection(pair.sections.lint) : { config: defaultLintConfig(), problems: [] };
  return withConfig(projectDir, config, pair ? pairNames(pair) : undefined, [...extraProblems, ...problems]);
}

export function withConfig(projectDir: string, config: LintConfig, pair: PairNames | undefined, problems: string[]): LintProject {
  const matcher = ignoredPathMatcher([`${DEFAULT_EXPORT_FOLDER}/**`, `${DEFAULT_BACKUP_FOLDER}/**`, ...config.ignore]);
  const isIgnoredPath = (absolute: string) => {
    const rel = path.relative(projectDir, absolute);
    return !rel.startsWith('..') && !path.isAbsolute(rel) && rel !== '' && matcher(rel.split(path.sep).join('/'));
  };
  const inProject = (absolute: string) => !path.relative(projectDir, absolute).startsWith('..');
  return {
    projectDir,
    config,
    pair,
    problems,
    isIgnoredPath,
    isIgnored: (absolute) => isIgnoredPath(absolute) || insideExportFolder(absolute, projectDir && inProject(absolute) ? projectDir : undefined),
  };
}

/**
 * Reads `<projectDir>/aml-failover.yaml` for the CLI. No pair file: the defaults. A pair file that is not valid is
 * bad usage (exit 2), as for every other command: CI must not lint with settings the editor would not use.
 */
export async function loadLintProject(projectDir: string): Promise<LintProject> {
  try {
    await fs.access(path.join(projectDir, PAIR_FILE_NAME));
  } catch {
    return lintProjectFrom(projectDir, undefined);
  }
  return lintProjectFrom(projectDir, await loadPairFile(projectDir));
}
