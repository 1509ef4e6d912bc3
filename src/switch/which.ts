import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../common/errors';
import type { PairConfig, Role } from '../pair/pairFile';
import { roleOf } from './active';
import { CONFIG_CANDIDATES, SEARCH_LEVELS, findSdkConfig, readWorkspaceConfig, type ConfigHit, type ReadConfigResult } from './configSearch';

export interface WhichResult {
  /** The folder the search started in. */
  dir: string;
  /** The file the SDK would open, if any. */
  hit?: ConfigHit;
  config?: ReadConfigResult;
  /** The pair role of the workspace it names, when a pair is known and it names one of the two. */
  role?: Role;
}

/** Which config file `MLClient.from_config()` would use when started in `dir`, and which workspace it names. */
export async function which(dir: string, pair?: PairConfig): Promise<WhichResult> {
  const start = path.resolve(dir);
  let stat;
  try {
    stat = await fs.stat(start);
  } catch {
    throw new UserError(`${start} does not exist.`, 'usage');
  }
  if (!stat.isDirectory()) throw new UserError(`${start} is not a folder.`, 'usage');
  const hit = await findSdkConfig(start);
  if (!hit) return { dir: start };
  const config = await readWorkspaceConfig(hit.file);
  const role = pair && config.state === 'ok' ? roleOf(pair, config.workspace) : undefined;
  return { dir: start, hit, config, role };
}

/** The SDK's own words when nothing is found, with the candidates it tried. */
export function notFoundMessage(dir: string): string {
  return `We could not find config.json in: ${dir} or in its parent directories (tried ${CONFIG_CANDIDATES.join(', ')}, each up to ${SEARCH_LEVELS} levels up).`;
}
