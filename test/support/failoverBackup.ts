// A backup of the primary as the failover reads it: a verified snapshot of the backups library (src/backup), taken
// the way the drill takes one. Tests that fail over with the primary already down take one first, as a team that
// backs up would have.
import { connect } from '../../src/azure/connection';
import { silentLogger } from '../../src/common/logger';
import { projectBackups } from '../../src/failover/backups';
import { loadPairFile } from '../../src/pair/pairFile';

export async function takeFailoverBackup(projectDir: string): Promise<string> {
  const pair = await loadPairFile(projectDir);
  const conn = await connect(pair.cloud, { logger: silentLogger });
  const b = await projectBackups(projectDir, pair, conn, silentLogger).take('primary', new AbortController().signal);
  return b.folder;
}

// `node --import tsx test/support/failoverBackup.ts DIR`: the same from another process (the VS Code suites cannot
// bundle the storage SDK, so they run this).
if (require.main === module) {
  void takeFailoverBackup(process.argv[2]!).then(
    (folder) => process.stdout.write(`${folder}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
