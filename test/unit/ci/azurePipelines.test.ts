// The Azure Pipelines example in docs/ci.md is a pipeline a user can paste: valid YAML whose script steps are word
// for word the commands of action.yml (which test/integration/ci/action.test.ts runs for real), fed with the same
// variables, and whose report is published also when the lint step failed.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const REPO = path.resolve(__dirname, '..', '..', '..');

interface Step {
  bash?: string;
  script?: string;
  run?: string;
  task?: string;
  checkout?: string;
  path?: string;
  displayName?: string;
  workingDirectory?: string;
  'working-directory'?: string;
  condition?: string;
  env?: Record<string, string>;
  inputs?: Record<string, string>;
}

/** The ```yaml block of the "Azure Pipelines" section. */
function azurePipelinesSnippet(): string {
  const doc = readFileSync(path.join(REPO, 'docs', 'ci.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Azure Pipelines'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1) > 0 ? section.indexOf('\n## ', 1) : undefined));
  assert.ok(block, 'docs/ci.md has a yaml block under "## Azure Pipelines"');
  return block[1]!;
}

const pipeline = parse(azurePipelinesSnippet()) as { steps: Step[]; variables: Record<string, string>; resources: { repositories: { repository: string }[] } };
const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };
const actionRuns = action.runs.steps.filter((s) => s.run !== undefined);
const pipelineScripts = pipeline.steps.filter((s) => (s.bash ?? s.script) !== undefined);

test('the pipeline runs the action\'s commands, word for word and in the same order', () => {
  assert.equal(pipelineScripts.length, actionRuns.length);
  for (const [i, step] of pipelineScripts.entries()) {
    assert.equal((step.bash ?? step.script)!.trim(), actionRuns[i]!.run!.trim(), `step ${i + 1} (${step.displayName})`);
  }
  // The install runs in the checkout of aml-failover, as the action's runs in its own folder.
  assert.equal(actionRuns[0]!['working-directory'], '${{ github.action_path }}');
  assert.equal(pipelineScripts[0]!.workingDirectory, '$(AML_FAILOVER_DIR)');
});

test('every variable the commands read is set, as the action sets it, and points at the checkouts', () => {
  const read = new Set(pipelineScripts.flatMap((s) => [...(s.bash ?? s.script)!.matchAll(/\$\{?(AML_FAILOVER_\w+)/g)].map((m) => m[1]!)));
  // …and the report script they run.
  for (const m of readFileSync(path.join(REPO, 'scripts', 'ci-report.mjs'), 'utf8').matchAll(/process\.env\.(AML_FAILOVER_\w+)/g)) read.add(m[1]!);
  assert.deepEqual([...read].sort(), ['AML_FAILOVER_DIR', 'AML_FAILOVER_FAIL_ON', 'AML_FAILOVER_PATHS', 'AML_FAILOVER_PROJECT', 'AML_FAILOVER_SARIF']);
  const actionEnv = actionRuns.find((s) => s.env)?.env ?? {};
  for (const name of read) {
    assert.ok(name in pipeline.variables, `the pipeline sets ${name}`);
    assert.ok(name in actionEnv, `the action sets ${name}`);
  }
  const checkout = pipeline.steps.find((s) => s.checkout === pipeline.resources.repositories[0]!.repository);
  assert.ok(checkout?.path, 'aml-failover is checked out');
  assert.equal(pipeline.variables.AML_FAILOVER_DIR, `$(Agent.BuildDirectory)/${checkout.path}`);
  const self = pipeline.steps.find((s) => s.checkout === 'self');
  assert.equal(pipelineScripts[1]!.workingDirectory, `$(Agent.BuildDirectory)/${self?.path}`, 'lint runs in the project checkout');
});

test('the report is published after a failing lint too', () => {
  const publish = pipeline.steps.find((s) => s.task?.startsWith('PublishBuildArtifacts@'));
  assert.ok(publish, 'the pipeline publishes the report');
  assert.equal(publish.inputs?.PathtoPublish, '$(AML_FAILOVER_SARIF)');
  assert.equal(publish.inputs?.ArtifactName, 'CodeAnalysisLogs');
  assert.equal(publish.condition, 'succeededOrFailed()');
  assert.ok(pipeline.steps.indexOf(publish) > pipeline.steps.indexOf(pipelineScripts[1]!));
});
