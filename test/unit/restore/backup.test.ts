import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Manifest, ManifestEntry } from '../../../src/export/manifest';
import { backupContents, manifestProblems, readBackupManifest, verifyBackup } from '../../../src/restore/backup';
import { UserError } from '../../../src/common/errors';
import { scratchDir } from '../../support/scratch';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w';

function entry(p: string, content: string, asset: ManifestEntry['asset'], sourcePath = p): ManifestEntry {
  return { path: p, size: Buffer.byteLength(content), sha256: sha(content), source: { workspace: WS, path: sourcePath }, asset };
}

function manifestOf(files: ManifestEntry[], complete = true): Manifest {
  return { version: 1, tool: 'aml-failover', complete, files, names: [], failed: [] };
}

async function writeBackup(files: Record<string, string>, entries: ManifestEntry[], complete = true): Promise<string> {
  const dir = await scratchDir('restore-backup-');
  for (const [p, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await fs.writeFile(path.join(dir, p), content);
  }
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifestOf(entries, complete)));
  return dir;
}

const nb = { kind: 'notebooks' as const, name: '/' };

test('a manifest naming a path outside the folder, an absolute path or one file twice is refused, each named', () => {
  const bad = manifestOf([
    entry('../outside.txt', 'x', nb),
    entry('/etc/passwd', 'x', nb),
    entry('notebooks/a/../../../x', 'x', nb),
    entry('notebooks/A.ipynb', 'x', nb),
    entry('notebooks/a.ipynb', 'y', nb),
    entry('notebooks/./b.ipynb', 'x', nb),
  ]);
  const problems = manifestProblems(bad);
  assert.equal(problems.length, 5, problems.join('\n'));
  assert.match(problems[0], /"\.\.\/outside\.txt", a path outside the backup folder/);
  assert.match(problems[1], /"\/etc\/passwd", a path outside the backup folder/);
  assert.match(problems[2], /outside the backup folder/);
  assert.match(problems[3], /"notebooks\/a\.ipynb", listed already as "notebooks\/A\.ipynb"/);
  assert.match(problems[4], /not a plain relative path/);
  assert.deepEqual(manifestProblems({ tool: 'other' }), ['it is not an aml-failover manifest ("tool": "aml-failover")']);
  assert.deepEqual(manifestProblems(manifestOf([entry('notebooks/x.ipynb', 'x', nb)])), []);
});

test('reading a backup whose manifest climbs out is bad input (usage) and names the path', async () => {
  const dir = await writeBackup({}, [entry('../../.ssh/id_rsa', 'key', nb)]);
  await assert.rejects(readBackupManifest(dir), (err: unknown) => err instanceof UserError && err.kind === 'usage' && /\.\.\/\.\.\/\.ssh\/id_rsa/.test(err.message) && /Nothing was restored/.test(err.message));
  await assert.rejects(readBackupManifest(path.join(dir, 'nope')), (err: unknown) => err instanceof UserError && err.kind === 'usage' && /is not a backup/.test(err.message));
});

test('every file is checked for size and sha256; a changed, cut, missing or linked file is named with why', async () => {
  const entries = [
    entry('notebooks/same.ipynb', 'same', nb),
    entry('notebooks/changed.ipynb', 'original', nb),
    entry('notebooks/cut.ipynb', 'complete content', nb),
    entry('notebooks/missing.ipynb', 'gone', nb),
    entry('notebooks/link.ipynb', 'secret', nb),
  ];
  const dir = await writeBackup({ 'notebooks/same.ipynb': 'same', 'notebooks/changed.ipynb': 'origina!', 'notebooks/cut.ipynb': 'complete' }, entries);
  const outside = path.join(await scratchDir('restore-outside-'), 'secret');
  await fs.writeFile(outside, 'secret');
  await fs.symlink(outside, path.join(dir, 'notebooks/link.ipynb'));
  const m = await readBackupManifest(dir);
  const v = await verifyBackup(dir, m, m.files, new AbortController().signal);
  assert.deepEqual([...v.verified.keys()], ['notebooks/same.ipynb']);
  assert.equal(v.verified.get('notebooks/same.ipynb')!.md5, createHash('md5').update('same').digest('base64'));
  assert.deepEqual(
    v.problems.map((p) => [p.path, p.problem]),
    [
      ['notebooks/changed.ipynb', 'its content differs from the manifest (sha256)'],
      ['notebooks/cut.ipynb', '8 bytes, the manifest says 16'],
      ['notebooks/link.ipynb', 'notebooks/link.ipynb is a symbolic link; a backup is read without following links'],
      ['notebooks/missing.ipynb', 'it is missing'],
    ],
  );
  assert.equal(v.incomplete, undefined);
});

test("an asset file's MD5 is the manifest's (the service checks it as it takes the one block); a notebook's is computed; sha256 is checked either way", async () => {
  const model = { kind: 'model', name: 'm', version: '1' } as ManifestEntry['asset'];
  const recorded = createHash('md5').update('recorded elsewhere').digest('base64');
  const withMd5 = (e: ManifestEntry) => ({ ...e, contentMD5: recorded });
  const entries = [withMd5(entry('models/m/1/m/w.bin', 'weights', model)), withMd5(entry('models/m/1/m/cut.bin', 'weights!', model)), withMd5(entry('notebooks/a.ipynb', 'a', nb))];
  const dir = await writeBackup({ 'models/m/1/m/w.bin': 'weights', 'models/m/1/m/cut.bin': 'weights?', 'notebooks/a.ipynb': 'a' }, entries);
  const m = await readBackupManifest(dir);
  const v = await verifyBackup(dir, m, m.files, new AbortController().signal);
  assert.deepEqual(
    [...v.verified.values()].map((f) => [f.path, f.md5, Boolean(f.md5FromRecord)]).sort(),
    [
      ['models/m/1/m/w.bin', recorded, true],
      ['notebooks/a.ipynb', createHash('md5').update('a').digest('base64'), false],
    ],
  );
  assert.deepEqual(v.problems, [{ path: 'models/m/1/m/cut.bin', problem: 'its content differs from the manifest (sha256)' }]);
});

test('an export that did not finish makes the backup incomplete', async () => {
  const dir = await writeBackup({ 'notebooks/a.ipynb': 'a' }, [entry('notebooks/a.ipynb', 'a', nb)], false);
  const m = await readBackupManifest(dir);
  const v = await verifyBackup(dir, m, m.files, new AbortController().signal);
  assert.match(v.incomplete!, /did not finish/);
});

const MODEL_YML = 'name: credit\nversion: 3\ntype: mlflow_model\npath: ./credit\ndescription: d\ntags: {team: risk}\nproperties: {fileCount: "2"}\n';
const SINGLE_YML = 'name: fraud\nversion: 1\ntype: custom_model\npath: ./model.joblib\n';
const ENV_YML = 'name: train-env\nversion: 2\nbuild: {path: ./context, dockerfile_path: Dockerfile}\nconda_file: conda.yaml\nos_type: linux\n';
const DATA_LOCAL = 'name: churn-data\nversion: "2024.1"\ntype: uri_folder\npath: ./churn-data\n';
const DATA_URI = 'name: web\nversion: 1\ntype: uri_file\npath: https://example.com/data.csv\n';
const CLIMBING = 'name: evil\nversion: 1\npath: ../../../credit/3/credit\n';

test('assets are read as their CLI v2 YAML says: files below the path, named from its folder; a path out of the asset is refused', async () => {
  const texts: Record<string, string> = {
    'models/credit/3/model.yml': MODEL_YML,
    'models/fraud/1/model.yml': SINGLE_YML,
    'environments/train-env/2/environment.yml': ENV_YML,
    'environments/train-env/2/conda.yaml': 'dependencies: [python=3.10]\n',
    'data/churn-data/2024.1/data.yml': DATA_LOCAL,
    'data/web/1/data.yml': DATA_URI,
    'models/evil/1/model.yml': CLIMBING,
  };
  const m = (name: string, version: string) => ({ kind: 'model' as const, name, version });
  const entries = [
    entry('models/credit/3/model.yml', MODEL_YML, m('credit', '3')),
    entry('models/credit/3/credit/MLmodel', 'x', m('credit', '3')),
    entry('models/credit/3/credit/sub/model.pkl', 'y', m('credit', '3')),
    entry('models/fraud/1/model.yml', SINGLE_YML, m('fraud', '1')),
    entry('models/fraud/1/model.joblib', 'z', m('fraud', '1')),
    entry('environments/train-env/2/environment.yml', ENV_YML, { kind: 'environment', name: 'train-env', version: '2' }),
    entry('environments/train-env/2/conda.yaml', texts['environments/train-env/2/conda.yaml'], { kind: 'environment', name: 'train-env', version: '2' }),
    entry('environments/train-env/2/context/Dockerfile', 'FROM x', { kind: 'environment', name: 'train-env', version: '2' }),
    entry('data/churn-data/2024.1/data.yml', DATA_LOCAL, { kind: 'data' as never, name: 'churn-data', version: '2024.1' }),
    entry('data/churn-data/2024.1/churn-data/part-0.csv', 'a,b', { kind: 'data' as never, name: 'churn-data', version: '2024.1' }),
    entry('data/web/1/data.yml', DATA_URI, { kind: 'data' as never, name: 'web', version: '1' }),
    entry('models/evil/1/model.yml', CLIMBING, m('evil', '1')),
    entry('notebooks/Users/alice/x.ipynb', '{}', nb, 'Users/alice/x.ipynb'),
    entry('notebooks/Users/bob/y.ipynb', '{}', nb, '../../etc/y.ipynb'),
    entry('jobs/train.yml', 'x', { kind: 'job', name: 'train' }),
  ];
  const c = await backupContents(entries, ['notebook', 'model', 'environment', 'data'], async (p) => texts[p]);
  assert.deepEqual(
    c.notebooks.map((n) => n.sharePath),
    ['Users/alice/x.ipynb', 'Users/bob/y.ipynb'],
    'a share path that is not safe falls back to the place below notebooks/',
  );
  const byName = new Map(c.assets.map((a) => [a.name, a]));
  const credit = byName.get('credit')!;
  assert.equal(credit.kind, 'model');
  assert.equal(credit.version, '3');
  assert.equal(credit.single, false);
  assert.deepEqual(credit.uploads.map((u) => u.relative), ['credit/MLmodel', 'credit/sub/model.pkl']);
  assert.deepEqual(credit.kind === 'model' && credit.spec, { type: 'mlflow_model', description: 'd', tags: { team: 'risk' }, properties: { fileCount: '2' } });
  assert.equal(credit.files.length, 3, 'the YAML is listed with the files');
  const fraud = byName.get('fraud')!;
  assert.equal(fraud.single, true);
  assert.deepEqual(fraud.uploads.map((u) => u.relative), ['model.joblib']);
  const env = byName.get('train-env')!;
  assert.deepEqual(env.uploads.map((u) => u.relative), ['context/Dockerfile']);
  assert.deepEqual(env.kind === 'environment' && [env.spec.condaFile, env.spec.dockerfilePath, env.spec.osType], ['dependencies: [python=3.10]\n', 'Dockerfile', 'Linux']);
  const data = byName.get('churn-data')!;
  assert.equal(data.version, '2024.1');
  assert.deepEqual(data.uploads.map((u) => u.relative), ['churn-data/part-0.csv']);
  const web = byName.get('web')!;
  assert.deepEqual(web.kind === 'data' && web.spec.uri, 'https://example.com/data.csv');
  assert.equal(web.uploads.length, 0);
  assert.equal(byName.has('evil'), false);
  assert.deepEqual(c.unusable.map((u) => [u.name, u.error]), [['evil', 'models/evil/1/model.yml names "../../../credit/3/credit", outside its own folder']]);
  assert.ok(!c.assets.some((a) => a.files.some((f) => f.path.startsWith('jobs/'))), 'jobs are not restored');
});

test('only the kinds asked for are read', async () => {
  const entries = [entry('notebooks/a.ipynb', 'a', nb), entry('models/fraud/1/model.yml', SINGLE_YML, { kind: 'model', name: 'fraud', version: '1' })];
  const c = await backupContents(entries, ['notebook'], async () => assert.fail('no YAML is read for notebooks'));
  assert.equal(c.notebooks.length, 1);
  assert.equal(c.assets.length, 0);
});

test('schedules are read from schedules/<name>.json as the export wrote them; one that is not a schedule is unusable, not restored', async () => {
  const good = JSON.stringify({ name: 'nightly', properties: { isEnabled: true, trigger: { triggerType: 'Cron', expression: '0 2 * * *' }, action: { actionType: 'CreateJob', jobDefinition: { computeId: `${WS}/computes/cpu` } } } });
  const climbing = JSON.stringify({ name: '../../jobs/x', properties: { trigger: {}, action: {} } });
  const texts: Record<string, string> = { 'schedules/nightly.json': good, 'schedules/evil.json': climbing };
  const entries = [
    entry('schedules/nightly.json', good, { kind: 'schedule', name: 'nightly' }),
    entry('schedules/evil.json', climbing, { kind: 'schedule', name: 'evil' }),
    entry('models/credit/3/model.yml', MODEL_YML, { kind: 'model', name: 'credit', version: '3' }),
  ];
  const c = await backupContents(entries, ['schedule'], async (p) => texts[p]);
  assert.deepEqual(c.schedules.map((s) => [s.name, s.enabled, s.file.path]), [['nightly', true, 'schedules/nightly.json']]);
  assert.deepEqual(c.assets, [], 'only the kinds asked for');
  assert.deepEqual(c.unusable.map((u) => [u.kind, u.name]), [['schedule', 'evil']]);
  assert.match(c.unusable[0].error, /schedules\/evil\.json: its name "\.\.\/\.\.\/jobs\/x" is not a schedule name/);
  assert.deepEqual((await backupContents(entries, ['model'], async (p) => texts[p] ?? MODEL_YML)).schedules, [], 'schedules only when asked for');
});
