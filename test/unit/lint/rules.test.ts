import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { fixAll, lintText, applyEdits } from '../../../src/lint/lint';
import { lintConfigFromSection, ignoredPathMatcher } from '../../../src/lint/config';
import type { Finding } from '../../../src/lint/types';

const SUB = '92c76a2f-0e1c-4216-b65e-abf7a3f34c1e';
const ENV_ID = `azureml:/subscriptions/${SUB}/resourceGroups/demorg/providers/Microsoft.MachineLearningServices/workspaces/devplatv2/environments/pytorch/versions/3`;
const COMPUTE_ID = `/subscriptions/${SUB}/resourceGroups/demorg/providers/Microsoft.MachineLearningServices/workspaces/devplatv2/computes/gpu-cluster`;

const lintYaml = (text: string) => lintText(text, { fileName: 'job.yml' }).findings;
const lintPy = (text: string) => lintText(text, { fileName: 'train.py' }).findings;
const rangeText = (text: string, f: Finding) => text.slice(f.start, f.end);

describe('YAML: exact ranges however the value is written', () => {
  const cases: [string, string][] = [
    ['plain', `environment: ${ENV_ID}\n`],
    ['single-quoted', `environment: '${ENV_ID}'\n`],
    ['double-quoted', `environment: "${ENV_ID}"\n`],
    ['flow mapping', `job: {environment: "${ENV_ID}", compute: x}\n`],
    ['folded block', `command: >\n  python train.py\n  --env ${ENV_ID}\n  --lr 0.1\n`],
    ['literal block', `command: |\n  echo start\n  az ml job create --set environment=${ENV_ID}\n`],
    ['sequence item', `environments:\n  - ${ENV_ID}\n`],
  ];
  for (const [name, text] of cases) {
    test(name, () => {
      const findings = lintYaml(text);
      assert.equal(findings.length, 1, JSON.stringify(findings));
      assert.equal(findings[0]!.rule, 'workspace-arm-id');
      assert.equal(rangeText(text, findings[0]!), ENV_ID);
      assert.match(findings[0]!.message, /workspace 'devplatv2' \(resource group demorg, subscription 92c76a2f/);
    });
  }

  test('double-quoted line continuation: the range spans the lines as written, the fix rewrites the value', () => {
    const text = [
      'compute:',
      `  target: "azureml:/subscriptions/${SUB}/resourceGroups/demorg/providers/\\`,
      '           Microsoft.MachineLearningServices/workspaces/devplatv2/\\',
      '           computes/\\',
      '           testCompute"',
      'name: x',
      '',
    ].join('\n');
    const [f] = lintYaml(text);
    assert.equal(f!.range.startLine, 1);
    assert.equal(f!.range.startCol, '  target: "'.length);
    assert.equal(f!.range.endLine, 4);
    assert.equal(f!.range.endCol, '           testCompute'.length);
    assert.equal(f!.fixes[0]!.title, 'Use azureml:testCompute');
    const fixed = applyEdits(text, f!.fixes[0]!.edits);
    assert.deepEqual(parse(fixed), { compute: { target: 'azureml:testCompute' }, name: 'x' });
  });

  test('a reference inside a longer value (query string) is ranged on itself', () => {
    const text = `studio: "https://ml.azure.com/runs/x?wsid=/subscriptions/${SUB}/resourcegroups/demorg/workspaces/devplatv2&tid=1"\n`;
    const [f] = lintYaml(text);
    assert.equal(rangeText(text, f!), `/subscriptions/${SUB}/resourcegroups/demorg/workspaces/devplatv2`);
  });

  test('behind an anchor: reported once, where it is written', () => {
    const text = `defaults: &env ${ENV_ID}\njobs:\n  a:\n    environment: *env\n  b:\n    environment: *env\n`;
    const findings = lintYaml(text);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.range.startLine, 0);
    assert.equal(rangeText(text, findings[0]!), ENV_ID);
  });

  test('later documents of a multi-document file', () => {
    const text = `name: a\n---\nname: b\n---\ncompute: azureml:${COMPUTE_ID}\n`;
    const [f] = lintYaml(text);
    assert.equal(f!.range.startLine, 4);
    assert.equal(rangeText(text, f!), `azureml:${COMPUTE_ID}`);
    assert.equal(applyEdits(text, f!.fixes[0]!.edits).split('\n')[4], 'compute: azureml:gpu-cluster');
  });

  test('fixes: ARM asset id → azureml:<name>:<version>, compute id → azureml:<name>, datastore URI → azureml://datastores/…', () => {
    const text = [
      `environment: ${ENV_ID}`,
      `compute: ${COMPUTE_ID}`,
      'inputs:',
      '  data:',
      `    path: azureml://subscriptions/${SUB}/resourcegroups/demorg/workspaces/devplatv2/datastores/workspaceblobstore/paths/UI/2023/x.parquet`,
      `model: azureml://locations/westeurope/workspaces/c8f6dca1-4dd5-48d7-aa09-90d084f30fdb/models/bert/versions/2`,
      '',
    ].join('\n');
    const fixed = fixAll(text, { fileName: 'job.yml' });
    assert.equal(fixed.applied, 4);
    assert.deepEqual(parse(fixed.text), {
      environment: 'azureml:pytorch:3',
      compute: 'azureml:gpu-cluster',
      inputs: { data: { path: 'azureml://datastores/workspaceblobstore/paths/UI/2023/x.parquet' } },
      model: 'azureml:bert:2',
    });
    assert.deepEqual(lintYaml(fixed.text), []);
  });

  test('a bare ARM id in a REST payload field is flagged without a rewrite (the field needs an id)', () => {
    const [f] = lintYaml(`properties:\n  environmentId: ${COMPUTE_ID.replace('computes/gpu-cluster', 'environments/e/versions/1')}\n`);
    assert.equal(f!.rule, 'workspace-arm-id');
    assert.deepEqual(f!.fixes, []);
  });

  test('JSON with escaped slashes: ranged on the characters as written, fixed as a JSON string', () => {
    const text = JSON.stringify({ model: ENV_ID.replace('environments/pytorch', 'models/m') }).replace(/\//g, '\\/');
    const [f] = lintText(text, { fileName: 'payload.json' }).findings;
    assert.equal(f!.rule, 'workspace-arm-id');
    assert.equal(JSON.parse(`"${rangeText(text, f!)}"`), ENV_ID.replace('environments/pytorch', 'models/m'));
    assert.deepEqual(JSON.parse(applyEdits(text, f!.fixes[0]!.edits)), { model: 'azureml:m:3' });
  });

  test('CRLF line endings and a byte-order mark', () => {
    const text = `\ufeffname: x\r\ncompute: azureml:${COMPUTE_ID}\r\n`;
    const [f] = lintYaml(text);
    assert.deepEqual([f!.range.startLine, f!.range.startCol], [1, 'compute: '.length]);
    assert.equal(rangeText(text, f!), `azureml:${COMPUTE_ID}`);
  });

  test('JSON job payloads', () => {
    const text = JSON.stringify({ properties: { computeId: COMPUTE_ID, environmentId: 'azureml:pytorch:3' } }, null, 2);
    const findings = lintText(text, { fileName: 'payload.json' }).findings;
    assert.equal(findings.length, 1);
    assert.equal(rangeText(text, findings[0]!), COMPUTE_ID);
  });
});

describe('what is not flagged', () => {
  const portable = [
    'environment: azureml:pytorch:3',
    'environment: azureml:pytorch@latest',
    'compute: azureml:gpu-cluster',
    'path: azureml://datastores/workspaceblobstore/paths/data/x.csv',
    'model: azureml://registries/azureml/models/bert/versions/4',
    'component: azureml://registries/azureml/components/c/labels/latest',
    'path: ${{parent.inputs.data}}',
    'path: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv',
    'name: 7f8a1c2e-0b1d-4c5e-9f6a-3b2c1d0e9f8a',
    'tags: {run: 7f8a1c2e-0b1d-4c5e-9f6a-3b2c1d0e9f8a}',
    'key_vault: /subscriptions/<SUBSCRIPTION_ID>/resourceGroups/<RESOURCE_GROUP>/providers/Microsoft.KeyVault/vaults/<KV>',
    `storage_account: /subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa`,
    `registry: /subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/registries/shared`,
    'compute: /subscriptions/<SUBSCRIPTION_ID>/resourceGroups/<RG>/providers/Microsoft.MachineLearningServices/workspaces/<WS>/computes/c',
    'compute: /subscriptions/{{sub}}/resourceGroups/{{rg}}/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c',
    'compute: /subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c',
    'compute: /subscriptions/$SUB/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c',
    'compute: /subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/c',
    'model_id: azureml://locations/{AI_PROJECT_LOCATION}/workspaces/{WORKSPACE_ID}/models/m/versions/{VERSION}',
    '# Job: azureml://jobs/<job-name>/outputs/<output-name>/paths/<path>',
  ];
  for (const line of portable) test(line, () => assert.deepEqual(lintYaml(`${line}\n`), []));
});

describe('severities and comments', () => {
  test('a specific job\'s outputs: info, no fix', () => {
    const [f] = lintYaml('path: azureml://jobs/quiet_lime_7x/outputs/model/paths/model.pkl\n');
    assert.equal(f!.rule, 'job-output-reference');
    assert.equal(f!.severity, 'info');
  });
  test('references in comments: info, rule reference-in-comment; a "#" inside a quoted value is not a comment', () => {
    const text = `# old: ${ENV_ID}\nenvironment: "azureml:e:1 # ${ENV_ID}"\n`;
    const findings = lintYaml(text);
    assert.deepEqual(findings.map((f) => [f.rule, f.severity, f.range.startLine]), [
      ['reference-in-comment', 'info', 0],
      ['workspace-arm-id', 'warning', 1],
    ]);
  });
  test('region-pinned MLflow tracking URIs, old and new spellings', () => {
    for (const uri of [
      `azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`,
      `azureml://centraluseuap/mlflow/v1.0/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`,
    ]) {
      const [f, ...rest] = lintYaml(`tracking: ${uri}\n`);
      assert.equal(rest.length, 0);
      assert.equal(f!.rule, 'region-tracking-uri');
      assert.match(f!.message, /workspace 'ws'.*region (eastus|centraluseuap)/);
    }
  });
  test('invalid YAML: one calm info finding of its own rule', () => {
    const findings = lintYaml('a: [1, 2\nb: "unterminated\n');
    assert.equal(findings.filter((f) => f.rule === 'invalid-yaml').length, 1);
    assert.equal(findings[0]!.severity, 'info');
  });
  test('any letter case', () => {
    const [f] = lintYaml(`compute: /SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS/COMPUTES/C\n`);
    assert.equal(f!.rule, 'workspace-arm-id');
  });
});

describe('inline ignores and the lint: section', () => {
  test('ignore on the line, on the next line, per rule', () => {
    assert.deepEqual(lintYaml(`compute: ${COMPUTE_ID} # aml-failover-lint: ignore\n`), []);
    assert.deepEqual(lintYaml(`# aml-failover-lint: ignore-next-line workspace-arm-id\ncompute: ${COMPUTE_ID}\n`), []);
    assert.equal(lintYaml(`# aml-failover-lint: ignore-next-line region-tracking-uri\ncompute: ${COMPUTE_ID}\n`).length, 1);
    assert.deepEqual(lintYaml(`# aml-failover-lint: ignore-file\na: ${COMPUTE_ID}\nb: ${COMPUTE_ID}\n`), []);
  });
  test('severities from lint.rules; problems named', () => {
    const { config, problems } = lintConfigFromSection({ rules: { 'workspace-arm-id': 'error', 'job-output-reference': 'off', nope: 'warning' }, ignore: ['legacy/**'] });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /nope is not a rule/);
    const text = `compute: ${COMPUTE_ID}\npath: azureml://jobs/j1/outputs/o\n`;
    const findings = lintText(text, { fileName: 'a.yml', config }).findings;
    assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [['workspace-arm-id', 'error']]);
    const ignored = ignoredPathMatcher(config.ignore);
    assert.equal(ignored('legacy/jobs/a.yml'), true);
    assert.equal(ignored('jobs/a.yml'), false);
  });
});

describe('Python', () => {
  test('MLClient with literal coordinates: flagged, fixed to MLClient.from_config keeping the credential', () => {
    const text = `from azure.ai.ml import MLClient\nml = MLClient(\n    DefaultAzureCredential(),\n    subscription_id="${SUB}",\n    resource_group_name="demorg",\n    workspace_name="devplatv2",\n)\n`;
    const findings = lintPy(text);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.rule, 'literal-workspace-client');
    assert.match(findings[0]!.message, /workspace 'devplatv2' \(resource group demorg/);
    assert.equal(applyEdits(text, findings[0]!.fixes[0]!.edits).split('\n')[1], 'ml = MLClient.from_config(credential=DefaultAzureCredential())');
  });
  test('positional literals, Workspace(...) and Workspace.get(...) of azureml-core', () => {
    assert.equal(lintPy(`c = MLClient(cred, "${SUB}", "rg", "ws")\n`)[0]!.rule, 'literal-workspace-client');
    assert.equal(lintPy(`ws = Workspace("${SUB}", "rg", "ws")\n`)[0]!.fixes[0]!.edits[0]!.newText, 'Workspace.from_config()');
    assert.equal(lintPy(`ws = Workspace.get(name="ws", subscription_id="${SUB}", resource_group="rg")\n`).length, 1);
  });
  test('not flagged: from_config, variables, placeholders, registries, workspace entities to create', () => {
    for (const code of [
      'ml = MLClient.from_config(credential=cred)',
      'ml = MLClient(cred, subscription_id, resource_group, workspace)',
      'ml = MLClient(cred, "<SUBSCRIPTION_ID>", "<RESOURCE_GROUP>", "<AML_WORKSPACE_NAME>")',
      'ml = MLClient(cred, subscription_id="", resource_group_name="", workspace_name="")',
      'reg = MLClient(credential, registry_name="azureml")',
      'ws = Workspace(name="mlw-basic", location="eastus", display_name="Basic")',
      'subscription_id = os.environ["AZURE_SUBSCRIPTION_ID"]',
      'run_id = "7f8a1c2e-0b1d-4c5e-9f6a-3b2c1d0e9f8a"',
    ]) {
      assert.deepEqual(lintPy(`${code}\n`), [], code);
    }
  });
  test('literal subscription GUIDs assigned to subscription settings', () => {
    for (const code of [`subscription_id = "${SUB}"`, `cfg = {"subscription_id": "${SUB}"}`, `os.environ["AZURE_SUBSCRIPTION_ID"] = "${SUB}"`]) {
      const [f] = lintPy(`${code}\n`);
      assert.equal(f?.rule, 'literal-subscription-id', code);
    }
  });
  test('hardcoded tracking URIs and pinned ids in strings; comments are info', () => {
    const text = `mlflow.set_tracking_uri("azureml://westus2.api.azureml.ms/mlflow/v1.0/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws")\n# see ${COMPUTE_ID}\n`;
    assert.deepEqual(lintPy(text).map((f) => [f.rule, f.severity]), [['region-tracking-uri', 'warning'], ['reference-in-comment', 'info']]);
  });
  test('ignore comment on the line before', () => {
    assert.deepEqual(lintPy(`# aml-failover-lint: ignore-next-line\nml = MLClient(cred, "${SUB}", "rg", "ws")\n`), []);
  });
  test('adjacent string literals are read joined, as Python joins them, reported from the first to the last', () => {
    const text = `uri = (\n    "azureml://subscriptions/${SUB}/resourceGroups/rg-prod"\n    "/workspaces/mlw-prod/datastores/workspaceblobstore/paths/data/"\n)\n`;
    const [f, ...rest] = lintPy(text);
    assert.deepEqual(rest, []);
    assert.equal(f?.rule, 'workspace-datastore-uri');
    assert.equal(text.slice(f!.start, f!.end), `azureml://subscriptions/${SUB}/resourceGroups/rg-prod"\n    "/workspaces/mlw-prod/datastores/workspaceblobstore/paths/data/`);
    assert.deepEqual(f!.fixes, [], 'no automatic fix across literals');
    // Inside one literal of a run, the usual fix is kept.
    const one = lintPy(`u = "x" "azureml://subscriptions/${SUB}/resourceGroups/rg/workspaces/ws/datastores/d/paths/p"\n`);
    assert.equal(one[0]?.fixes[0]?.edits[0]?.newText, 'azureml://datastores/d/paths/p');
  });
  test('defaults of os.getenv / os.environ.get that pick a workspace', () => {
    const text = `ws = os.getenv("AZUREML_WORKSPACE_NAME", "mlw-prod")\nrg = os.environ.get("RESOURCE_GROUP", "rg-prod")\nsub = getenv("AZURE_SUBSCRIPTION_ID", default="${SUB}")\nloc = os.getenv("AZURE_LOCATION", "eastus")\n`;
    const findings = lintPy(text);
    assert.deepEqual(findings.map((f) => [f.rule, text.slice(f.start, f.end)]), [
      ['literal-env-default', 'mlw-prod'],
      ['literal-env-default', 'rg-prod'],
      ['literal-env-default', SUB],
      ['literal-env-default', 'eastus'],
    ]);
  });
  test('f-strings whose literal parts pin a workspace', () => {
    const text = `u = f"azureml://subscriptions/{sub}/resourceGroups/rg-prod/workspaces/mlw-prod/datastores/{ds}/paths/x"\n`;
    const [f] = lintPy(text);
    assert.equal(f?.rule, 'workspace-datastore-uri');
    assert.match(f!.message, /mlw-prod/);
    assert.deepEqual(f!.fixes.flatMap((x) => x.edits), [], 'an f-string is not rewritten');
  });
  test('portable look-alikes of the new forms stay quiet', () => {
    for (const code of [
      'u = ("azureml://datastores/" "workspaceblobstore/paths/data/")',
      'u = "azureml://subscriptions/" "{sub}/resourceGroups/{rg}"',
      'ws = os.getenv("AZUREML_WORKSPACE_NAME")',
      'ws = os.getenv("AZUREML_WORKSPACE_NAME", "")',
      'ws = os.getenv("AZUREML_WORKSPACE_NAME", "<your-workspace>")',
      'level = os.getenv("LOG_LEVEL", "info")',
      'store = os.environ.get("DATASTORE", "workspaceblobstore")',
      'd = os.getenv("WORKSPACE_DIR", "/mnt/work")',
      'sub = os.getenv("AZURE_SUBSCRIPTION_ID", "not-a-guid")',
      'u = f"azureml://subscriptions/{sub}/resourceGroups/{rg}/workspaces/{ws}/datastores/{ds}/paths/x"',
      'u = f"azureml://datastores/{ds}/paths/{p}"',
    ]) {
      assert.deepEqual(lintPy(`${code}\n`), [], code);
    }
  });
});

describe('notebooks', () => {
  const notebook = (source: string[] | string) =>
    `${JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: ['# MLClient("x")'] }, { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source }], metadata: {}, nbformat: 4, nbformat_minor: 2 }, null, 1)}\n`;

  test('code cells are linted; ranges are on the .ipynb line; fix-all rewrites the cell the way nbformat writes it', () => {
    const text = notebook(['from azure.ai.ml import MLClient\n', `ml = MLClient(cred, "${SUB}", "rg", "ws")\n`, 'print("done")']);
    const findings = lintText(text, { fileName: 'n.ipynb' }).findings;
    assert.equal(findings.length, 1);
    assert.match(findings[0]!.message, /^Cell 2, line 2: /);
    assert.match(text.split('\n')[findings[0]!.range.startLine]!, /ml = MLClient\(cred/);
    const fixed = fixAll(text, { fileName: 'n.ipynb' });
    assert.equal(fixed.applied, 1);
    const nb = JSON.parse(fixed.text) as { cells: { source: string[] }[] };
    assert.deepEqual(nb.cells[1]!.source, ['from azure.ai.ml import MLClient\n', 'ml = MLClient.from_config(credential=cred)\n', 'print("done")']);
    assert.equal(fixed.text, notebook(nb.cells[1]!.source));
  });
  test('a 5 MB code cell (one string and one line per item) is read, and its reference found on its line and column', () => {
    const filler = 'x = 1  # padding padding padding padding padding padding\n';
    const lines = Array.from({ length: Math.ceil((5 * 1024 * 1024) / filler.length) }, () => filler);
    const at = Math.floor(lines.length * 0.9);
    lines.splice(at, 0, `ml = MLClient(cred, "${SUB}", "rg", "ws")\n`);
    const config = lintConfigFromSection({ maxFileSizeKb: 16 * 1024 }).config;
    for (const source of [lines, lines.join('')]) {
      const text = notebook(source);
      const findings = lintText(text, { fileName: 'big.ipynb', config }).findings;
      assert.deepEqual(findings.map((f) => [f.rule, f.severity === 'info']), [['literal-workspace-client', false]], JSON.stringify(findings.map((f) => f.message)));
      const f = findings[0]!;
      assert.match(f.message, new RegExp(`^Cell 2, line ${at + 1}: `));
      // The range is where the call is written in the .ipynb text.
      const line = text.split('\n')[f.range.startLine]!;
      assert.equal(line.slice(f.range.startCol, f.range.startCol + 'MLClient('.length), 'MLClient(');
    }
  });
  test('not a notebook: one calm finding', () => {
    const findings = lintText('{"cells": [', { fileName: 'n.ipynb' }).findings;
    assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [['invalid-json', 'info']]);
  });
});
