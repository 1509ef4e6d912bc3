import type { ReadinessCheck, ReadinessFacts } from './types';
import { access } from './checks/access';
import { assets } from './checks/assets';
import { backup } from './checks/backup';
import { compute, computeInstance, quota } from './checks/compute';
import { appInsights, containerRegistry, datastoreRegion, defaultStorage, keyVault, network, regionPair, storageRedundancy } from './checks/infrastructure';

/** Every check, in the order of the guidance's checklist (the ids' order in CHECK_IDS). */
const CHECKS: ((facts: ReadinessFacts) => ReadinessCheck[])[] = [
  regionPair,
  defaultStorage,
  storageRedundancy,
  datastoreRegion,
  keyVault,
  containerRegistry,
  appInsights,
  compute,
  computeInstance,
  quota,
  assets,
  access,
  network,
  backup,
];

/** The pair against the failover guidance. Pure: the facts were read before (gather.ts). */
export function runChecks(facts: ReadinessFacts): ReadinessCheck[] {
  return CHECKS.flatMap((check) => check(facts));
}

/** 0 when nothing fails, 1 when a check fails (`unknown` and `warn` do not fail). */
export function readinessExitCode(checks: readonly ReadinessCheck[]): number {
  return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}
