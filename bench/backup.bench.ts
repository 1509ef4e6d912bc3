// Backup figures (issue 14), in one run on one sandbox: a second `aml-failover backup` of an unchanged workspace
// against the first — bytes downloaded and bytes of new file content written (goal 0 and 0: metadata only; from
// each snapshot's backup.json, whose newContentBytes counts content whose inode no earlier snapshot shares, checked
// here again from the files' inodes), and the wall time of each as a whole cold CLI process.
//
//   node --import tsx bench/run.ts backup    (AML_FAILOVER_BENCH_BACKUP_MB: the large model, default 64)
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackupRecord } from '../src/backup/snapshots';
import { readManifest } from '../src/export/manifest';
import { startSandbox } from '../test/support/sandbox';
import { against, type Figure } from './figures';

const REPO = path.resolve(__dirname, '..');
const LARGE_MB = Number(process.env.AML_FAILOVER_BENCH_BACKUP_MB ?? 64);
const NOTEBOOKS = 200;

function cli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const dist = path.join(REPO, 'dist', 'cli.js');
  const entry = existsSync(dist) ? [dist] : ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts')];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...entry, ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`aml-failover ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

/** Bytes of the snapshot's listed files whose inode `previous` does not hold too, counted from the disk. */
async function unsharedBytes(snapshot: string, previous: string): Promise<number> {
  let bytes = 0;
  for (const f of (await readManifest(snapshot))?.files ?? []) {
    const rel = f.path.split('/');
    const now = await fs.stat(path.join(snapshot, ...rel));
    const before = await fs.stat(path.join(previous, ...rel)).catch(() => undefined);
    if (before?.ino !== now.ino) bytes += now.size;
  }
  return bytes;
}

export async function figures(log: (line: string) => void): Promise<Figure[]> {
  const sb = await startSandbox({ largeModelMb: LARGE_MB, notebooks: NOTEBOOKS });
  try {
    const runs: { ms: number; snapshot: string; record: BackupRecord }[] = [];
    for (const which of ['first', 'second']) {
      const r = await cli(['backup', '--project', sb.projectDir]);
      const snapshot = /Backed up: (\S+) —/.exec(r.stdout)?.[1];
      if (!snapshot) throw new Error(`no snapshot in: ${r.stdout}`);
      const record = JSON.parse(await fs.readFile(path.join(snapshot, 'backup.json'), 'utf8')) as BackupRecord;
      runs.push({ ms: r.ms, snapshot, record });
      log(`${which} backup: ${(r.ms / 1000).toFixed(1)} s, ${record.stats.bytesDownloaded} bytes downloaded, ${record.stats.newContentBytes} bytes of new content, ${record.stats.linkedFiles} files linked`);
    }
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const onDisk = await unsharedBytes(second.snapshot, first.snapshot);
    if (onDisk !== second.record.stats.newContentBytes) throw new Error(`backup.json says ${second.record.stats.newContentBytes} bytes of new content, the inodes say ${onDisk}`);
    const mb = (n: number) => n / 1024 / 1024;
    return [
      against('second backup of an unchanged workspace: downloaded', mb(second.record.stats.bytesDownloaded), 'MB', { name: 'first backup', value: mb(first.record.stats.bytesDownloaded) }, '0 (ratio 0)'),
      against('second backup of an unchanged workspace: new file content written', mb(second.record.stats.newContentBytes), 'MB', { name: 'first backup', value: mb(first.record.stats.newContentBytes) }, '0 (ratio 0)'),
      {
        ...against('second backup of an unchanged workspace: wall time (cold CLI)', second.ms / 1000, 's', { name: 'first backup', value: first.ms / 1000 }, 'ratio < 1'),
        note: `${LARGE_MB} MB model, ${NOTEBOOKS} extra notebooks; the second run lists the workspace, links every file and re-hashes it locally`,
      },
    ];
  } finally {
    await sb.stop();
  }
}
