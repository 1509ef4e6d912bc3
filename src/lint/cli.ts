import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli/context';
import { isInside, rewriteFileWithin } from '../common/atomicWrite';
import { errorMessage } from '../common/errors';
import { expandTargets, type LintTarget } from './files';
import { fixAll, lintText } from './lint';
import { loadLintProject, type LintProject as BaseProject } from './project';
import { RemoteHoldings, remoteFindings } from './remote';
import { azureHoldings } from './remoteAzure';
import { loadPairFile } from '../pair/pairFile';
import { resolveActive } from '../switch/active';
import type { RawFinding } from './findings';
import type { PortableReference } from './types';

type LintProject = BaseProject & { remote?: (portable: PortableReference[]) => RawFinding[] };
import { toJson, toSarif, toText, type FileFindings } from './report';
import { severityRank } from './rules';
import { severityOf } from './config';
import type { Finding, RuleCode } from './types';

declare const PACKAGE_VERSION: string | undefined;

/**
 * `aml-failover lint [paths|folders|globs…] [--format text|json|sarif] [--fix]`.
 * Exit 0: nothing of severity warning or above; 1: something was; 2: bad usage (an unreadable or invalid input file
 * is a finding, not bad usage).
 */
export function registerLintCli(program: Command, ctx: CliContext): void {
  program
    .command('lint')
    .description('flag workspace- and region-pinned references in Azure ML YAML, JSON job payloads, Python and notebooks')
    .argument('[paths...]', 'files, folders (walked for *.yml, *.yaml, *.json, *.py, *.ipynb) or globs; default: the current folder')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--fix', 'apply every preferred fix in place, then report what is left')
    .option('--remote', "also flag portable references to models, environments and computes that exist in the active workspace but not in the other one, and URLs into a workspace's own storage (lists both workspaces; skipped with a note when unreachable)")
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing of severity warning or above, 1 something was (an unreadable or invalid file is a finding), 2 bad usage.\nSeverities and ignored paths: the lint: section of aml-failover.yaml. Rules: docs/lint-rules.md.',
    )
    .action(async (paths: string[], opts: { format: 'text' | 'json' | 'sarif'; fix?: boolean; remote?: boolean }) => {
      const project: LintProject = await loadLintProject(ctx.projectDir());
      for (const p of project.problems) ctx.err(`aml-failover: ${p}`);
      if (opts.remote) project.remote = await remoteCheck(ctx);
      const cwd = process.cwd();
      const expanded = await expandTargets(paths, cwd, project.isIgnored);
      for (const glob of expanded.unmatchedGlobs) ctx.err(`aml-failover: no file matches ${glob}`);
      const results: FileFindings[] = [];
      let fixed = 0;
      for (const target of expanded.missing) results.push(unreadable(target, 'no such file or folder', project));
      for (const target of expanded.targets) {
        if (ctx.signal.aborted) break;
        const r = await lintFile(target, project, Boolean(opts.fix), ctx);
        fixed += r.fixed;
        if (r.result.findings.length) results.push(r.result);
      }
      if (opts.fix && fixed) ctx.err(`Fixed ${fixed} finding${fixed === 1 ? '' : 's'}.`);
      const checked = expanded.targets.length + expanded.missing.length;
      if (opts.format === 'json') ctx.out(JSON.stringify(toJson(results), null, 2));
      else if (opts.format === 'sarif') ctx.out(JSON.stringify(toSarif(results, cwd, typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : '0.0.0-dev'), null, 2));
      else ctx.out(toText(results, checked));
      const failing = results.some((r) => r.findings.some((f) => severityRank(f.severity) >= severityRank('warning')));
      ctx.setExitCode(failing ? 1 : 0);
    });
}

async function lintFile(target: LintTarget, project: LintProject, fix: boolean, ctx: CliContext): Promise<{ result: FileFindings; fixed: number }> {
  const limit = project.config.maxFileSizeKb * 1024 * (target.absolute.toLowerCase().endsWith('.ipynb') ? 16 : 1);
  let text: string;
  try {
    const stat = await fs.stat(target.absolute);
    if (stat.size > limit * 4) {
      // Far too large to read: say so without loading it.
      return { result: finding(target, 'skipped-file', `Not checked: the file is ${Math.round(stat.size / 1024)} KB, over the lint limit (lint.maxFileSizeKb).`, project), fixed: 0 };
    }
    text = await fs.readFile(target.absolute, 'utf8');
  } catch (err) {
    return { result: unreadable(target, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message, project), fixed: 0 };
  }
  const options = { fileName: target.absolute, config: project.config, pair: project.pair, remote: project.remote };
  let fixed = 0;
  if (fix) {
    const result = fixAll(text, options);
    if (result.applied) {
      try {
        // In place as the user sees it: mode and owner kept, a symbolic link edited through, never out of the project.
        const [root, rootName] = fixBoundary(ctx.projectDir(), target.absolute);
        await rewriteFileWithin(root, target.absolute, result.text, rootName);
        ctx.logger.info(`Fixed ${result.applied} in ${target.display}`);
        text = result.text;
        fixed = result.applied;
      } catch (err) {
        ctx.err(`aml-failover: not fixed: ${errorMessage(err)}`);
      }
    }
  }
  return { result: { file: target.display, absolute: target.absolute, findings: lintText(text, options).findings }, fixed };
}

/**
 * Where links may lead a fix: the project, for a file in it; a file named outside the project (the user's explicit
 * choice) may be edited through links only within its own folder.
 */
function fixBoundary(projectDir: string, file: string): [string, string] {
  return isInside(path.relative(path.resolve(projectDir), path.resolve(file))) ? [projectDir, 'the project'] : [path.dirname(file), 'its folder'];
}

function unreadable(target: LintTarget, reason: string, project: LintProject): FileFindings {
  return finding(target, 'unreadable-file', `Cannot read ${target.display}: ${reason}.`, project);
}

function finding(target: LintTarget, rule: RuleCode, message: string, project: LintProject): FileFindings {
  const severity = severityOf(project.config, rule);
  const findings: Finding[] =
    severity === 'off'
      ? []
      : [{ rule, severity, message, start: 0, end: 0, range: { startLine: 0, startCol: 0, endLine: 0, endCol: 0 }, anchorLine: 0, fixes: [] }];
  return { file: target.display, absolute: target.absolute, findings };
}

/** One listing of both workspaces for this run; unreachable or no active pair workspace: a note, no findings. */
async function remoteCheck(ctx: CliContext): Promise<((portable: PortableReference[]) => RawFinding[]) | undefined> {
  const projectDir = ctx.projectDir();
  const pair = await loadPairFile(projectDir);
  const active = await resolveActive(projectDir, pair);
  if (!active.role) {
    ctx.err('aml-failover: the remote check was skipped: .azureml/config.json names neither workspace of the pair.');
    return undefined;
  }
  const holdings = new RemoteHoldings(azureHoldings(pair, ctx.logger), { logger: ctx.logger });
  await holdings.refresh();
  const known = holdings.snapshot();
  if (!known.primary?.known.size || !known.secondary?.known.size) {
    ctx.err('aml-failover: the remote check was skipped: could not list both workspaces (run with --verbose for why).');
    return undefined;
  }
  const role = active.role;
  return (portable) => remoteFindings(portable, role, known);
}
