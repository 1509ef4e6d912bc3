import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePairFile, type PairConfig } from '../../../src/pair/pairFile';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const PAIR_YAML = `workspaces:
  primary:   {subscription_id: ${SUB}, resource_group: rg-east, workspace_name: ml-east, region: eastus}
  secondary: {subscription_id: ${SUB}, resource_group: rg-west, workspace_name: ml-west, region: westus}
`;

export function pair(): PairConfig {
  const r = parsePairFile(PAIR_YAML, '/proj');
  if (!r.ok) throw new Error('fixture pair is invalid');
  return r.config;
}

export function config(ws: string, rg = ws.replace('ml-', 'rg-'), extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ subscription_id: SUB, resource_group: rg, workspace_name: ws, ...extra }, null, 4)}\n`;
}

/** A temp folder with the given files (relative path → text); removed by the returned cleanup. */
export async function project(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'switch-')));
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
  }
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}
