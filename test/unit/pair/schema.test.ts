// The JSON schemas shipped for editors with YAML/JSON language support agree with the extension's own validation.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parsePairFile } from '../../../src/pair/pairFile';
import { parseWorkspaceConfig } from '../../../src/switch/configSearch';

const repo = path.resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const load = (rel: string) => JSON.parse(readFileSync(path.join(repo, rel), 'utf8'));

const yamlValidation: { fileMatch: string; url: string }[] = pkg.contributes.yamlValidation;
const jsonValidation: { fileMatch: string[]; url: string }[] = pkg.contributes.jsonValidation;
const pairSchema = load(yamlValidation[0].url);
const configSchema = load(jsonValidation[0].url);
const ajv = new Ajv({ allErrors: true, strict: false });
const validPair = ajv.compile(pairSchema);
const validConfig = ajv.compile(configSchema);

const GOOD = `workspaces:
  primary:   {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-east, workspace_name: ml-east, region: eastus}
  secondary: {subscription_id: 00000000-0000-0000-0000-000000000001, resource_group: rg-west, workspace_name: ml-west, region: westus}
availability: {inference: hot/hot, training: hot/cold}
`;

test('package.json contributes both schemas for the right files', () => {
  assert.equal(yamlValidation[0].fileMatch, 'aml-failover.yaml');
  assert.ok(jsonValidation[0].fileMatch.includes('**/.azureml/config.json'));
});

const pairCases: [string, string][] = [
  ['valid', GOOD],
  ['valid with a lint section', `${GOOD}lint:\n  ignore: [a]\n`],
  ['valid with a backup section', `${GOOD}backup: {dir: backups/aml}\n`],
  ['valid sandbox cloud', `${GOOD}cloud:\n  name: sandbox\n  resourceManager: https://127.0.0.1:4000\n  caFile: .aml-failover/ca.pem\n  storage:\n    acct: {blob: https://127.0.0.1:1/acct, file: https://127.0.0.1:1/acct}\n`],
  ['valid named cloud', `${GOOD}cloud: AzureChinaCloud\n`],
  ['missing secondary', GOOD.split('\n').filter((l) => !l.includes('secondary')).join('\n')],
  ['missing region', GOOD.replace(', region: westus', '')],
  ['bad guid', GOOD.replace('00000000-0000-0000-0000-000000000001, resource_group: rg-west', 'nope, resource_group: rg-west')],
  ['bad region', GOOD.replace('region: westus', 'region: West US')],
  ['bad availability', GOOD.replace('hot/cold', 'lukewarm')],
  ['unknown cloud', `${GOOD}cloud: Mars\n`],
  ['short workspace name', GOOD.replace('ml-west', 'ml')],
];

for (const [name, text] of pairCases) {
  test(`aml-failover.schema.json agrees with the parser: ${name}`, () => {
    const parser = parsePairFile(text, '/proj').ok;
    const schema = validPair(parse(text));
    assert.equal(schema, parser, `schema ${schema} vs parser ${parser}: ${JSON.stringify(validPair.errors)}`);
  });
}

const configCases: [string, unknown][] = [
  ['three keys', { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg', workspace_name: 'ws' }],
  ['Scope only', { Scope: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws' }],
  ['extra keys kept', { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg', workspace_name: 'ws', friendly: 'x' }],
  ['missing workspace_name', { subscription_id: '00000000-0000-0000-0000-000000000001', resource_group: 'rg' }],
  ['Scope of another resource type', { Scope: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x' }],
  ['an array', [1]],
];

for (const [name, value] of configCases) {
  test(`azureml-config.schema.json agrees with the SDK rules: ${name}`, () => {
    const sdk = parseWorkspaceConfig(JSON.stringify(value)).ok;
    assert.equal(validConfig(value), sdk, JSON.stringify(validConfig.errors));
  });
}
