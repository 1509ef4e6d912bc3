// Every command that talks to Azure, on a network that cuts or spoils answers from the first request to the last:
// the fault is switched on before each command starts and left on. Each command is a whole CLI process, as a user
// runs it. The oracles are the same commands on a sound network (an export byte for byte, drift's differences just
// before) and, for replication, the secondary's bytes read back once the network is sound again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PARTIAL_SUFFIX } from '../../../src/export/safePaths';
import { EXPORT_KINDS } from '../../../src/export/plan';
import type { Role } from '../../../src/pair/pairFile';
import { runCli, type CliRun } from '../../support/cli';
import { startSandbox, type FaultMode, type RunningSandbox } from '../../support/sandbox';

let sb: RunningSandbox;
let scratch: string;
let cleanDir: string;
let cleanDrift: { differences: unknown; skipped: Record<string, unknown> };
let cleanLint: { rule: string }[];
/** Retries the commands reported (`--verbose` logs each one), for the figures in the closing note. */
const retriesSeen: Record<string, number> = {};

const ROLES: Role[] = ['primary', 'secondary'];
const RATE = '0.3';

/** Every file under `dir` (relative, "/"-separated) with its sha256. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const rel of (await fs.readdir(dir, { recursive: true })).map(String)) {
    const abs = path.join(dir, rel);
    if ((await fs.stat(abs)).isFile()) out.set(rel.split(path.sep).join('/'), createHash('sha256').update(await fs.readFile(abs)).digest('hex'));
  }
  return out;
}

/** Runs a command against the sandbox project with --verbose, counting the retries it logged under `label`. */
async function aml(label: string, ...args: string[]): Promise<CliRun> {
  const r = await runCli(['--verbose', ...args, '--project', sb.projectDir]);
  retriesSeen[label] = (retriesSeen[label] ?? 0) + (r.stderr.match(/ — retry \d+ in \d+ ms\./g)?.length ?? 0);
  return r;
}

async function faultBoth(mode: FaultMode, rate?: number): Promise<void> {
  for (const role of ROLES) await sb.fault(role, mode, rate === undefined ? {} : { rate });
}

/** The folders an export of one kind writes (jobs bring their code and components along). */
const foldersOf = (kind: string): string[] => (kind === 'jobs' ? ['jobs/', 'code/', 'components/'] : [`${kind}/`]);

/** The files of an export that a clean export of the same kinds also has, byte for byte — and no others. */
async function assertSameAsClean(out: string, prefixes: string[]): Promise<void> {
  const expected = new Map([...(await tree(cleanDir))].filter(([rel]) => prefixes.some((p) => rel.startsWith(p))));
  const actual = await tree(out);
  actual.delete('manifest.json');
  assert.ok(expected.size > 0);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [rel, sha] of actual) assert.equal(sha, expected.get(rel), `${rel} differs from the clean export`);
}

describe('every command that talks to Azure, on a flaky network from the first request to the last', { timeout: 900_000 }, () => {
  before(async () => {
    sb = await startSandbox({ largeModelMb: 4 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'flaky-'));
    cleanDir = path.join(scratch, 'clean');
    const clean = await runCli(['export', 'all', '--project', sb.projectDir, '--out', cleanDir]);
    assert.equal(clean.code, 0, clean.stderr);
  });
  after(async () => {
    await sb?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  for (const mode of ['reset', 'corrupt'] as const) {
    describe(`${mode} --rate ${RATE} on both regions`, () => {
      before(async () => {
        // Drift on a sound network now (an earlier replication changed the secondary): the oracle for drift below.
        const drift = await runCli(['drift', '--json', '--project', sb.projectDir]);
        assert.equal(drift.code, 1, drift.stderr);
        cleanDrift = JSON.parse(drift.stdout) as typeof cleanDrift;
        assert.deepEqual(cleanDrift.skipped, {}, 'on a sound network everything is compared');
        // And the linter's remote check, for the same reason.
        const lint = await runCli(['lint', '--remote', '--format', 'json', '--project', sb.projectDir]);
        assert.equal(lint.code, 1, lint.stderr);
        cleanLint = JSON.parse(lint.stdout) as typeof cleanLint;
        assert.ok(cleanLint.some((f) => f.rule === 'not-in-other-workspace'), 'the seeded project has references the secondary lacks');
        await faultBoth(mode, Number(RATE));
      });
      after(() => faultBoth('none'));

      for (const kind of [...EXPORT_KINDS, 'all'] as const) {
        it(`export ${kind} completes and equals an export on a sound network byte for byte`, async () => {
          const out = path.join(scratch, `${mode}-${kind}`);
          const r = await aml(`export (${mode})`, 'export', kind, '--out', out);
          assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
          assert.match(r.stdout, /^Exported: /m);
          await assertSameAsClean(out, (kind === 'all' ? [...EXPORT_KINDS] : [kind]).flatMap(foldersOf));
        });
      }

      it('status: both workspaces healthy (exit 0), a retry at most noted', async () => {
        const r = await aml(`status (${mode})`, 'status', '--json');
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        const report = JSON.parse(r.stdout) as { workspaces: Record<Role, { health: string; detail: string }> };
        for (const role of ROLES) {
          assert.equal(report.workspaces[role].health, 'healthy', `${role}: ${report.workspaces[role].detail}`);
          // The probe notes its retries on the verdict: "(after 2 retries: connection cut)".
          retriesSeen[`status (${mode})`] += Number(/\(after (\d+) retr/.exec(report.workspaces[role].detail)?.[1] ?? 0);
        }
      });

      it('drift: the same differences as on a sound network, nothing left uncompared', async () => {
        const r = await aml(`drift (${mode})`, 'drift', '--json');
        assert.equal(r.code, 1, r.stderr);
        const report = JSON.parse(r.stdout) as typeof cleanDrift;
        assert.deepEqual(report.skipped, {});
        assert.deepEqual(report.differences, cleanDrift.differences);
      });

      it('lint --remote: the same findings as on a sound network, the check not skipped', async () => {
        const r = await aml(`lint --remote (${mode})`, 'lint', '--remote', '--format', 'json');
        assert.equal(r.code, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /remote check was skipped/);
        assert.deepEqual(JSON.parse(r.stdout), cleanLint);
      });

      // Each mode replicates its own models, so both runs copy files (checked below, on a sound network).
      const names = mode === 'reset' ? ['sentiment-bert:1', 'credit-default:3'] : ['churn-classifier:2', 'fraud-detector:1'];
      it(`replicate models ${names.join(' ')}: every version copied and registered`, async () => {
        const r = await aml(`replicate (${mode})`, 'replicate', 'models', '--name', ...names);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        for (const n of names) assert.match(r.stdout, new RegExp(`replicated model ${n} \\(\\d+ file\\(s\\) copied`));
        assert.match(r.stdout, new RegExp(`Replicated: ${names.length} registered, .* 0 failed`));
      });
    });
  }

  it('what was replicated on the flaky network is, read back on a sound one, the primary’s bytes', async () => {
    const back = path.join(scratch, 'replicated-back');
    const replicated = ['sentiment-bert:1', 'credit-default:3', 'churn-classifier:2', 'fraud-detector:1'];
    const r = await runCli(['export', 'models', '--from', 'secondary', '--name', ...replicated, '--out', back, '--project', sb.projectDir]);
    assert.equal(r.code, 0, r.stderr);
    const primary = await tree(cleanDir);
    for (const nv of replicated) {
      const [name, version] = nv.split(':');
      const files = [...(await tree(path.join(back, 'models', name, version)))].filter(([rel]) => rel !== 'model.yml');
      assert.ok(files.length > 0, `${nv} has files in the secondary`);
      for (const [rel, sha] of files) assert.equal(sha, primary.get(`models/${name}/${version}/${rel}`), `${nv}: ${rel}`);
    }
    // A second run on the sound network finds everything in place.
    const again = await runCli(['replicate', 'models', '--name', ...replicated, '--project', sb.projectDir]);
    assert.match(again.stdout, new RegExp(`Replicated: 0 registered, ${replicated.length} already there`));
  });

  it('corrupt on every download: the export fails naming each file, and leaves no wrong or partial file in OUT', async () => {
    const out = path.join(scratch, 'always-corrupt');
    await sb.fault('primary', 'corrupt');
    let r: CliRun;
    try {
      r = await aml('export (corrupt, every download)', 'export', 'all', '--name', 'credit-default:1', '--folder', 'Users/bob', '--out', out);
    } finally {
      await sb.fault('primary', 'none');
    }
    assert.equal(r.code, 1, r.stdout);
    const wanted = [...(await tree(cleanDir)).keys()].filter((rel) => rel.startsWith('notebooks/Users/bob/') || (rel.startsWith('models/credit-default/1/') && !rel.endsWith('model.yml')));
    assert.ok(wanted.length >= 4);
    assert.match(r.stdout, /^Exported with problems: 0 file\(s\) downloaded/m);
    assert.match(r.stdout, new RegExp(`^${wanted.length} file\\(s\\) could not be exported; nothing of them was kept in OUT`, 'm'));
    for (const rel of wanted) {
      const remoteName = path.posix.basename(rel);
      assert.match(r.stdout, new RegExp(`^  failed: .*${remoteName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): .*MD5`, 'm'), `${rel} is named as failed`);
    }
    // Only what was made here (the YAML this export generates, the manifest) is in OUT: no downloaded file, no partial.
    const left = await tree(out);
    for (const rel of wanted) assert.ok(!left.has(rel), `${rel} was left in OUT`);
    for (const rel of left.keys()) {
      assert.ok(!rel.endsWith(PARTIAL_SUFFIX), `${rel} is a partial file`);
      assert.ok(rel === 'manifest.json' || /\.ya?ml$/.test(rel), `${rel} should not be in OUT`);
    }
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { complete: boolean; files: { path: string }[] };
    assert.equal(manifest.complete, false);
    assert.deepEqual(manifest.files.filter((f) => wanted.includes(f.path)), []);
  });

  it('figures: retries observed', (t) => {
    const total = Object.values(retriesSeen).reduce((a, b) => a + b, 0);
    t.diagnostic(`retries observed: ${total} — ${JSON.stringify(retriesSeen)}`);
    assert.ok((retriesSeen['export (reset)'] ?? 0) > 0, 'the reset fault was met');
    assert.ok((retriesSeen['export (corrupt)'] ?? 0) > 0, 'the corrupt fault was met');
  });
});
