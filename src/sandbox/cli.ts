// CLI adapter: `aml-failover sandbox` (runs the local cloud in the foreground) and `aml-failover fault`.
import { Option, type Command } from 'commander';
import { UserError } from '../common/errors';
import type { CliContext } from '../cli/context';
import { FAULT_MODES, describeFault, isFaultMode, sendFault, type FaultOptions } from './control';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${name} must be a whole number from ${min} to ${max}.`, 'usage');
  return n;
};

const share = (name: string) => (v: string) => {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!(n > 0 && n <= 1)) throw new UserError(`${name} must be a number above 0 and at most 1 (e.g. 0.3 for 30 % of responses), not "${v}".`, 'usage');
  return n;
};

export function registerSandboxCli(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description('Run two emulated Azure ML regions on loopback and seed the --project folder as a sample project pointing at them')
    .addHelpText('after', '\nThe regions serve ARM over HTTPS, Azurite blobs and file shares until Ctrl-C.\n')
    .option('--port <n>', 'ARM port (default: a free one)', int('--port', 0, 65535))
    .option('--force', 'Replace an aml-failover.yaml the sandbox did not write')
    .addOption(
      new Option('--large-model-mb <n>', 'Size of the large seeded model in MB')
        .argParser(int('--large-model-mb', 1, 10_000))
        .default(200)
        .env('AML_FAILOVER_SANDBOX_LARGE_MODEL_MB'),
    )
    .option('--notebooks <n>', 'Extra small notebooks to seed on the primary share', int('--notebooks', 0, 100_000), 0)
    .option('--scale <k>', 'Seed K times the assets', int('--scale', 1, 1000), 1)
    .option('--hostile', 'Seed hostile blob and file names (.., absolute paths, control characters, case-only differences)')
    .option('--page-size <n>', 'Items per page in ARM list answers', int('--page-size', 1, 1000), 10)
    .option('--job-seconds <n>', 'Seconds a submitted job runs before it completes', int('--job-seconds', 1, 86_400), 3)
    .addOption(new Option('--stop-on-stdin-end', 'Stop when stdin closes (for launchers: the sandbox never outlives them)').hideHelp())
    .action(async (o: { port?: number; force?: boolean; largeModelMb: number; notebooks: number; scale: number; hostile?: boolean; pageSize: number; jobSeconds: number; stopOnStdinEnd?: boolean }) => {
      const { startSandbox } = await import('./sandbox');
      const started = Date.now();
      const projectDir = ctx.projectDir();
      const sandbox = await startSandbox({
        projectDir,
        port: o.port ?? 0,
        force: Boolean(o.force),
        largeModelMb: o.largeModelMb,
        notebooks: o.notebooks,
        scale: o.scale,
        hostile: Boolean(o.hostile),
        pageSize: o.pageSize,
        jobSeconds: o.jobSeconds,
        logger: ctx.logger,
        progress: (line) => ctx.err(line),
      });
      const { record, world } = sandbox;
      ctx.out(`Sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${record.pid}).`);
      ctx.out(`  project    ${projectDir} (aml-failover.yaml points here)`);
      ctx.out(`  ARM        ${record.armUrl}`);
      for (const role of ['primary', 'secondary'] as const) {
        const r = world.regions[role];
        ctx.out(`  ${role.padEnd(10)} ${r.workspaceName} in ${r.location}; storage ${record.storage[role].blobUrl} (blob), ${record.storage[role].fileUrl} (file)`);
      }
      ctx.out(`  faults     aml-failover fault <primary|secondary> <${FAULT_MODES.join('|')}> --project ${projectDir}`);
      ctx.out('Press Ctrl-C to stop.');
      // Runs until Ctrl-C / SIGTERM, or SIGHUP when its terminal is closed.
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        process.once('SIGHUP', () => resolve());
        if (o.stopOnStdinEnd) process.stdin.on('end', () => resolve()).resume();
      });
      if (o.stopOnStdinEnd) process.stdin.pause();
      ctx.err('Stopping the sandbox…');
      await sandbox.stop();
      ctx.err('Sandbox stopped.');
    });

  program
    .command('fault')
    .description('Switch a fault on a region of the running sandbox')
    .addHelpText('after', '\nModes: none heals; outage, blackhole, slow, throttle, reset and corrupt break the region in their own way (reset and corrupt on every response, or on a seeded share of them with --rate); dataplane fails the region\'s Azure ML data plane (discovery and its regional endpoint) while ARM still answers; refusejobs refuses every new job the region is sent (400), everything else answering as usual.\n')
    .argument('<role>', 'Primary or secondary')
    .argument('<mode>', `One of ${FAULT_MODES.join(', ')}`)
    .option('--latency-ms <n>', 'Added latency per request for slow (default: 2000)', int('--latency-ms', 0, 600_000))
    .option('--rate <p>', 'Reset/corrupt: the share of responses affected, above 0 and at most 1 (default: 1)', share('--rate'))
    .option('--seed <n>', 'Reset/corrupt with --rate: seed of the generator picking the responses, so a run repeats (default: 1)', int('--seed', 0, 0xffffffff))
    .option('--uploads', 'Corrupt: spoil the bodies of uploads (Put Block, Put Range, Put Blob) instead of downloads')
    .action(async (role: string, mode: string, o: FaultOptions) => {
      if (role !== 'primary' && role !== 'secondary') throw new UserError(`Unknown region "${role}"; use primary or secondary.`, 'usage');
      if (!isFaultMode(mode)) throw new UserError(`Unknown fault "${mode}"; use one of ${FAULT_MODES.join(', ')}.`, 'usage');
      await sendFault(ctx.projectDir(), role, mode, o);
      ctx.out(`${role}: ${describeFault(mode, o)}`);
    });
}
