import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli/context';
import { isInside, rewriteFileWithin } from '../common/atomicWrite';
import { UserError, errorMessage } from '../common/errors';
import { expandTargets, type LintTarget } from './files';
import { loadLintProject, type LintProject } from './project';
import { fixTarget, lintAll, lintTarget, unreadable, type LintSettings } from './run';
import type { RawFinding } from './findings';
import type { PortableReference } from './types';
import { toJson, toSarif, toText, type FileFindings } from './report';
import { RULES_DOC, severityRank } from './rules';

declare const PACKAGE_VERSION: string | undefined;

type RemoteCheck = (portable: PortableReference[]) => RawFinding[];

/**
 * `aml-failover lint [paths|folders|globs…] [--format text|json|sarif] [--fix] [--explain]`.
 * Paths resolve against the current folder, as in every command; `--project` picks the pair file, its `lint:`
 * settings and the default target when no path is given.
 * Exit 0: nothing of severity warning or above; 1: something was; 2: bad usage (an unreadable or invalid input file
 * is a finding, not bad usage).
 */
export function registerLintCli(program: Command, ctx: CliContext): void {
  program
    .command('lint')
    .description('Flag workspace- and region-pinned references in Azure ML YAML, JSON job payloads, Python and notebooks')
    .argument('[paths...]', 'Files, folders (walked for *.yml, *.yaml, *.json, *.py, *.ipynb) or globs (default: the project folder)')
    .addOption(new Option('--format <format>', 'Output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--explain', 'Follow each finding with its full explanation and the link to its rule')
    .option('--fix', 'Apply every preferred fix in place, then report what is left')
    .option('--remote', "Also flag references to models, environments and computes that the other workspace lacks, and URLs into a workspace's own storage (lists both workspaces; skipped with a note when unreachable)")
    .addHelpText(
      'after',
      [
        '',
        'Text output: file:line:col: severity rule: message (one line per finding, like a compiler).',
        'Paths are relative to the current folder; --project chooses aml-failover.yaml, its lint: settings and the folder linted when no path is given.',
        'Folders holding an aml-failover export (its manifest.json) and the default export and backup folders aml-export/ and aml-backup/ are never walked.',
        'Exit codes: 0 nothing of severity warning or above, 1 something was (an unreadable or invalid file is a finding), 2 bad usage.',
        'Rules: docs/lint-rules.md.',
        '',
      ].join('\n'),
    )
    .action(async (paths: string[], opts: { format: 'text' | 'json' | 'sarif'; explain?: boolean; fix?: boolean; remote?: boolean }) => {
      const projectDir = ctx.projectDir();
      const project = await loadLintProject(projectDir);
      for (const p of project.problems) ctx.err(`aml-failover: ${p}`);
      const remote = opts.remote ? await remoteCheck(ctx) : undefined;
      const cwd = process.cwd();
      const expanded = await expandTargets(paths.length ? paths : [path.relative(cwd, projectDir) || '.'], cwd, project);
      for (const glob of expanded.unmatchedGlobs) ctx.err(`aml-failover: no file matches ${glob}`);
      for (const folder of expanded.exportFolders) ctx.err(`aml-failover: ${folder} holds an aml-failover export (manifest.json); it is not linted.`);
      ctx.logger.debug(`Linting ${expanded.targets.length} files.`);
      const { results, fixed } = await lintTargets(expanded.targets, project, { fix: Boolean(opts.fix), remote, ctx });
      // Interrupted: a partial answer must not pass for a clean run in CI.
      if (ctx.signal.aborted) throw new UserError(`Interrupted: ${results.length} of ${expanded.targets.length} files were linted.`);
      if (opts.fix && fixed) ctx.err(`Fixed ${fixed} finding${fixed === 1 ? '' : 's'}.`);
      const all = [...expanded.missing.map((target) => unreadable(target, 'no such file or folder', project)), ...results.filter((r) => r.findings.length)];
      const checked = expanded.targets.length + expanded.missing.length;
      if (opts.format === 'json') ctx.out(JSON.stringify(toJson(all), null, 2));
      else if (opts.format === 'sarif') ctx.out(JSON.stringify(toSarif(all, cwd, typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : '0.0.0-dev'), null, 2));
      else ctx.out(toText(all, checked, { explain: Boolean(opts.explain), rulesDoc: opts.explain ? rulesDoc(cwd) : undefined }));
      const failing = all.some((r) => r.findings.some((f) => severityRank(f.severity) >= severityRank('warning')));
      ctx.setExitCode(failing ? 1 : 0);
    });
}

async function lintTargets(
  targets: readonly LintTarget[],
  project: LintProject,
  options: { fix: boolean; remote?: RemoteCheck; ctx: CliContext },
): Promise<{ results: FileFindings[]; fixed: number }> {
  const settings: LintSettings = { config: project.config, pair: project.pair };
  const { ctx } = options;
  // The common case (CI): nothing to write, nothing remote; many files go to two threads.
  if (!options.fix && !options.remote) {
    const { results, byWorker } = await lintAll(targets, settings, { signal: ctx.signal });
    if (byWorker) ctx.logger.debug(`${byWorker} of ${targets.length} files were linted by the worker thread.`);
    return { results, fixed: 0 };
  }
  const results: FileFindings[] = [];
  let fixed = 0;
  for (const target of targets) {
    if (ctx.signal.aborted) break;
    if (!options.fix) {
      results.push(lintTarget(target, settings, options.remote));
      continue;
    }
    try {
      const r = await fixTarget(
        target,
        settings,
        async (file, text) => {
          // In place as the user sees it: mode and owner kept, a symbolic link edited through, never out of the project.
          const [root, rootName] = fixBoundary(ctx.projectDir(), file);
          await rewriteFileWithin(root, file, text, rootName);
          ctx.logger.info(`Fixed ${target.display}`);
        },
        options.remote,
      );
      fixed += r.fixed;
      results.push(r.result);
    } catch (err) {
      ctx.err(`aml-failover: not fixed: ${errorMessage(err)}`);
      results.push(lintTarget(target, settings, options.remote));
    }
  }
  return { results, fixed };
}

/** Where this package's docs/lint-rules.md is, as a reader in `cwd` can open it. */
function rulesDoc(cwd: string): string {
  // Bundled: <package>/dist/cli.js; from the sources: <package>/src/lint/cli.ts.
  const file = [path.join(__dirname, '..', RULES_DOC), path.join(__dirname, '..', '..', RULES_DOC)].find((f) => existsSync(f));
  if (!file) return RULES_DOC;
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/**
 * Where links may lead a fix: the project, for a file in it; a file named outside the project (the user's explicit
 * choice) may be edited through links only within its own folder.
 */
function fixBoundary(projectDir: string, file: string): [string, string] {
  return isInside(path.relative(path.resolve(projectDir), path.resolve(file))) ? [projectDir, 'the project'] : [path.dirname(file), 'its folder'];
}

/** One listing of both workspaces for this run; unreachable or no active pair workspace: a note, no findings. */
async function remoteCheck(ctx: CliContext): Promise<RemoteCheck | undefined> {
  // Loaded only for --remote: the Azure side of the linter is not needed to lint files.
  const [{ RemoteHoldings, remoteFindings, SECTIONS }, { azureHoldings }, { DEFAULT_RETRY }, { loadPairFile }, { resolveActive }] = await Promise.all([
    import('./remote'),
    import('./remoteAzure'),
    import('../azure/retry'),
    import('../pair/pairFile'),
    import('../switch/active'),
  ]);
  const projectDir = ctx.projectDir();
  const pair = await loadPairFile(projectDir);
  const active = await resolveActive(projectDir, pair);
  if (!active.role) {
    ctx.err('aml-failover: the remote check was skipped: .azureml/config.json names neither workspace of the pair.');
    return undefined;
  }
  const holdings = new RemoteHoldings(azureHoldings(pair, ctx.logger, ctx.azureAccess(), DEFAULT_RETRY), { logger: ctx.logger });
  await holdings.refresh();
  const known = holdings.snapshot();
  if (!known.primary?.known.size || !known.secondary?.known.size) {
    ctx.err('aml-failover: the remote check was skipped: could not list both workspaces (run with --verbose for why).');
    return undefined;
  }
  // A section that could not be listed gives no findings (never false ones): say which references went unchecked.
  for (const side of ['primary', 'secondary'] as const) {
    const missing = SECTIONS.filter((s) => !known[side]!.known.has(s));
    if (missing.length) ctx.err(`aml-failover: the remote check could not list the ${side}'s ${missing.join(', ')}; references to them were not checked (run with --verbose for why).`);
  }
  const role = active.role;
  return (portable) => remoteFindings(portable, role, known);
}
