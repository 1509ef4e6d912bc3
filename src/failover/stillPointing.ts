// After the switch: what in the project and the shell still sends work to the source — the linter's findings that
// pin the source, .env files and environment variables (MLFLOW_TRACKING_URI, AZUREML_*), Azure CLI defaults — and
// the one thing no file shows: notebook kernels that hold an MLClient made before the switch.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { expandTargets } from '../lint/files';
import { lintProjectFrom } from '../lint/project';
import { lintAll } from '../lint/run';
import type { PairConfig, Role } from '../pair/pairFile';
import { readAzureCliDefaults } from '../switch/switchConfig';

export const KERNEL_REMINDER = 'Restart notebook kernels (and long-running Python processes) that created an MLClient before the switch: they still talk to the source.';
const ENV_KEYS = /^(MLFLOW_TRACKING_URI|MLFLOW_REGISTRY_URI|AZUREML_\w+|AZURE_ML_\w+|AZURE_DEFAULTS_\w+|AML_\w+|WORKSPACE_NAME|RESOURCE_GROUP)$/;

export async function stillPointingAtSource(projectDir: string, pair: PairConfig, from: Role, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string[]> {
  const source = pair.workspaces[from];
  const names = [source.workspace_name, source.resource_group].map((s) => s.toLowerCase());
  const mentions = (text: string) => names.some((n) => text.toLowerCase().includes(n)) || new RegExp(`\\b${source.region}\\.api\\.azureml\\.ms`, 'i').test(text);
  const out: string[] = [];

  const project = lintProjectFrom(projectDir, pair);
  const expanded = await expandTargets(['.'], projectDir, project);
  const { results } = await lintAll(expanded.targets, { config: project.config, pair: project.pair }, { signal, worker: false });
  for (const file of results) {
    // The product's own state (backups, drill records) records the source on purpose.
    if (path.relative(projectDir, file.absolute).split(path.sep)[0] === '.aml-failover') continue;
    for (const f of file.findings) {
      const p = f.pinned;
      const pinsSource = p && ((p.workspace && names.includes(p.workspace.toLowerCase())) || (p.resourceGroup && names.includes(p.resourceGroup.toLowerCase())) || (p.region && p.region.toLowerCase() === source.region.toLowerCase()));
      if (pinsSource) out.push(`${path.relative(projectDir, file.absolute)}:${f.range.startLine + 1}: ${f.short ?? f.message} (aml-failover lint --fix)`);
    }
  }
  for (const file of await dotEnvFiles(projectDir)) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    text.split(/\r?\n/).forEach((line, i) => {
      if (/^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line) && mentions(line)) out.push(`${path.relative(projectDir, file)}:${i + 1}: ${line.split('=')[0]!.trim()} names the source`);
    });
  }
  for (const [k, v] of Object.entries(env)) {
    if (v && ENV_KEYS.test(k) && mentions(v)) out.push(`environment variable ${k} names the source (set it again in your shell and CI)`);
  }
  const az = await readAzureCliDefaults(projectDir);
  if (az && ((az.group && names.includes(az.group.toLowerCase())) || (az.workspace && names.includes(az.workspace.toLowerCase())))) {
    out.push(`${path.relative(projectDir, az.file)}: Azure CLI defaults name the source (aml-failover switch ${from === 'primary' ? 'secondary' : 'primary'} --azure-cli-defaults)`);
  }
  out.push(KERNEL_REMINDER);
  return out;
}

async function dotEnvFiles(projectDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number) => {
    if (depth > 3) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === '.git' || e.name === '.aml-failover') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full, depth + 1);
      else if (e.isFile() && (e.name === '.env' || e.name.startsWith('.env.') || e.name.endsWith('.env'))) out.push(full);
    }
  };
  await walk(projectDir, 0);
  return out;
}
