// The pair's infrastructure against the failover guidance: regions, storage, key vault, registry, Application
// Insights, network. Each function reads ARM JSON (REST spec shapes) and returns findings; none does I/O.
import type { ReadinessCheck, ReadinessFacts, SideFacts } from '../types';
import { associatedId, at, finding, firstFailure, lastSegment, list, regionKey, sameId, sameRegion, str, unknownFinding, workspaceIdOf } from './common';

/** The two workspaces are in different regions, and those regions are an Azure region pair. */
export function regionPair(facts: ReadinessFacts): ReadinessCheck[] {
  const p = facts.primary.ref.region;
  const s = facts.secondary.ref.region;
  const ids = [workspaceIdOf(facts.primary), workspaceIdOf(facts.secondary)];
  if (sameRegion(p, s)) {
    return [finding('region-pair', 'fail', `Both workspaces are in ${p}: an outage of that region takes both.`, `Create the secondary workspace in another region, preferably ${p}'s paired region, and point the pair file at it`, ids)];
  }
  if (!facts.locations.ok) return [unknownFinding('region-pair', facts.locations, "the subscription's locations")];
  const pairedOf = (region: string) => {
    const loc = facts.locations.ok ? facts.locations.value.find((l) => regionKey(str(l, 'name')) === regionKey(region)) : undefined;
    const paired = at(loc, 'metadata.pairedRegion');
    return Array.isArray(paired) ? paired.map((x) => str(x, 'name') ?? '').filter(Boolean) : [];
  };
  const pPaired = pairedOf(p);
  if (pPaired.some((r) => sameRegion(r, s)) || pairedOf(s).some((r) => sameRegion(r, p))) {
    return [finding('region-pair', 'pass', `${p} and ${s} are an Azure region pair.`, '', ids)];
  }
  const suggestion = pPaired.length ? `${p} is paired with ${pPaired.join(', ')}` : `Azure names no paired region for ${p}`;
  return [
    finding('region-pair', 'warn', `${p} and ${s} are different regions but not an Azure region pair (${suggestion}).`, `Paired regions are updated one at a time and recovered first in a wide outage; consider ${pPaired[0] ?? "a region in the same geography"} for the secondary`, ids),
  ];
}

/** Each workspace has its own default storage account: default storage cannot fail over. */
export function defaultStorage(facts: ReadinessFacts): ReadinessCheck[] {
  const failure = firstFailure(facts.primary.workspace, facts.secondary.workspace);
  if (failure) return [unknownFinding('default-storage', failure, 'the workspaces')];
  const p = associatedId(facts.primary, 'storageAccount');
  const s = associatedId(facts.secondary, 'storageAccount');
  if (!p || !s) return [finding('default-storage', 'fail', `The ${!p ? 'primary' : 'secondary'} workspace names no default storage account.`, 'Recreate the workspace with its own storage account', [p, s])];
  if (sameId(p, s)) {
    return [
      finding('default-storage', 'fail', `Both workspaces use the same default storage account ${lastSegment(p)}: default storage cannot fail over, so an outage of its region breaks both.`, 'Give each workspace its own default storage account in its own region (a workspace is created with one); keep shared data in a separate geo-redundant account registered as a datastore', [p]),
    ];
  }
  return [finding('default-storage', 'pass', `Each workspace has its own default storage account (${lastSegment(p)}, ${lastSegment(s)}).`, '', [p, s])];
}

const GEO_SKUS = /(_GRS|_RAGRS|_GZRS|_RAGZRS)$/i;
const READ_ACCESS_SKUS = /(_RAGRS|_RAGZRS)$/i;

/** Each default storage account's redundancy (LRS → warn) and that it is in its workspace's region. */
export function storageRedundancy(facts: ReadinessFacts): ReadinessCheck[] {
  const out: ReadinessCheck[] = [];
  const seen = new Set<string>();
  for (const side of [facts.primary, facts.secondary]) {
    const id = associatedId(side, 'storageAccount');
    if (id && seen.has(id.toLowerCase())) continue;
    if (id) seen.add(id.toLowerCase());
    const failure = firstFailure(side.workspace, side.storage);
    if (failure) {
      out.push(unknownFinding('storage-redundancy', failure, `the ${side.role} workspace's storage account`, [id]));
      continue;
    }
    const account = side.storage.ok ? side.storage.value : {};
    const name = str(account, 'name') ?? lastSegment(id ?? '');
    const sku = str(account, 'sku.name') ?? 'unknown';
    const location = str(account, 'location');
    const problems: string[] = [];
    if (!GEO_SKUS.test(sku)) problems.push(`is ${sku}: its data is kept in ${location ?? 'one region'} only`);
    if (location && !sameRegion(location, side.ref.region)) problems.push(`is in ${location}, not in the workspace's region ${side.ref.region}`);
    if (problems.length) {
      out.push(finding('storage-redundancy', 'warn', `Storage account ${name} of the ${side.role} workspace ${problems.join(', and ')}.`, `Change ${name} to geo-redundant storage (Standard_GRS or Standard_RAGRS; az storage account update --sku Standard_RAGRS), so its data survives the loss of its region`, [id]));
    } else {
      out.push(finding('storage-redundancy', 'pass', `Storage account ${name} of the ${side.role} workspace is ${sku} in ${location ?? side.ref.region}.`, '', [id]));
    }
  }
  return out;
}

/** Every non-default datastore of the secondary points at storage that survives the loss of the primary's region. */
export function datastoreRegion(facts: ReadinessFacts): ReadinessCheck[] {
  const secondary = facts.secondary;
  if (!secondary.datastores.ok) return [unknownFinding('datastore-region', secondary.datastores, "the secondary workspace's datastores")];
  const datastores = secondary.datastores.value.filter((d) => at(d, 'properties.isDefault') !== true && str(d, 'properties.accountName'));
  if (!datastores.length) return [finding('datastore-region', 'pass', 'The secondary workspace has no datastores besides its default one.', '', [workspaceIdOf(secondary)])];
  if (!facts.storageAccounts.ok) return [unknownFinding('datastore-region', facts.storageAccounts, 'the storage accounts behind the datastores')];
  const accounts = facts.storageAccounts.value;
  const out: ReadinessCheck[] = [];
  const fine: string[] = [];
  const fineIds: string[] = [];
  for (const ds of datastores) {
    const dsName = str(ds, 'name') ?? '?';
    const accountName = str(ds, 'properties.accountName')!;
    const account = accounts.find((a) => sameId(str(a, 'name'), accountName));
    const dsId = str(ds, 'id');
    if (!account) {
      out.push(finding('datastore-region', 'unknown', `Cannot check: datastore ${dsName} points at storage account ${accountName}, which is not among the storage accounts you can read.`, `Ask for read access (the Reader role) on ${accountName}, then run the check again`, [dsId]));
      continue;
    }
    const accountId = str(account, 'id');
    const location = str(account, 'location');
    const sku = str(account, 'sku.name') ?? 'unknown';
    if (!sameRegion(location, facts.primary.ref.region)) {
      fine.push(`${dsName} (${accountName}, ${location ?? '?'})`);
      fineIds.push(...[dsId, accountId].filter((x): x is string => Boolean(x)));
      continue;
    }
    if (!GEO_SKUS.test(sku)) {
      out.push(finding('datastore-region', 'fail', `Datastore ${dsName} of the secondary points at ${accountName}, a ${sku} account in the primary's region ${location}: when that region is down the secondary cannot read it.`, `Copy the data to an account in ${facts.secondary.ref.region} (or make ${accountName} geo-redundant) and point ${dsName} at it`, [dsId, accountId]));
    } else if (READ_ACCESS_SKUS.test(sku)) {
      const endpoint = str(account, 'properties.secondaryEndpoints.blob') ?? `https://${accountName}-secondary.blob.core.windows.net/`;
      out.push(finding('datastore-region', 'warn', `Datastore ${dsName} of the secondary points at ${accountName} in the primary's region ${location}; it is ${sku}, so during an outage its data stays readable at the secondary endpoint ${endpoint} (read-only).`, `Register a datastore on ${endpoint} for failover, or copy the data to ${facts.secondary.ref.region}`, [dsId, accountId]));
    } else {
      out.push(finding('datastore-region', 'warn', `Datastore ${dsName} of the secondary points at ${accountName} in the primary's region ${location}; it is ${sku}, so its data is readable elsewhere only after an account failover.`, `Make ${accountName} read-access geo-redundant (Standard_RAGRS) or copy the data to ${facts.secondary.ref.region}`, [dsId, accountId]));
    }
  }
  if (fine.length) out.push(finding('datastore-region', 'pass', `Datastores of the secondary outside the primary's region: ${list(fine)}.`, '', fineIds));
  return out;
}

/** The same Key Vault for both (as the guidance recommends), with soft delete and purge protection on. */
export function keyVault(facts: ReadinessFacts): ReadinessCheck[] {
  const failure = firstFailure(facts.primary.workspace, facts.secondary.workspace, facts.primary.keyVault, facts.secondary.keyVault);
  if (failure) return [unknownFinding('key-vault', failure, 'the key vaults', [associatedId(facts.primary, 'keyVault'), associatedId(facts.secondary, 'keyVault')])];
  const p = associatedId(facts.primary, 'keyVault');
  const s = associatedId(facts.secondary, 'keyVault');
  const ids = [p, s];
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!sameId(p, s)) {
    problems.push(`the workspaces use different key vaults (${lastSegment(p ?? '?')}, ${lastSegment(s ?? '?')}): secrets kept in one are missing in the other after a failover`);
    fixes.push('use one key vault for both workspaces, or copy every secret the jobs read into the secondary\'s vault');
  }
  for (const side of [facts.primary, facts.secondary]) {
    if (side.role === 'secondary' && sameId(p, s)) break;
    const vault = side.keyVault.ok ? side.keyVault.value : {};
    const name = str(vault, 'name') ?? '?';
    if (at(vault, 'properties.enableSoftDelete') === false) {
      problems.push(`soft delete is off on ${name}`);
      fixes.push(`turn on soft delete on ${name}`);
    }
    if (at(vault, 'properties.enablePurgeProtection') !== true) {
      problems.push(`purge protection is off on ${name}`);
      fixes.push(`turn on purge protection (az keyvault update --name ${name} --enable-purge-protection true)`);
    }
  }
  if (problems.length) return [finding('key-vault', 'warn', `Key Vault: ${problems.join('; ')}.`, capitalize(fixes.join('; ')), ids)];
  return [finding('key-vault', 'pass', `Both workspaces use key vault ${lastSegment(p!)}, with soft delete and purge protection on.`, '', ids)];
}

/** The same container registry for both, Premium, geo-replicated to the secondary's region. */
export function containerRegistry(facts: ReadinessFacts): ReadinessCheck[] {
  const failure = firstFailure(facts.primary.workspace, facts.secondary.workspace);
  if (failure) return [unknownFinding('container-registry', failure, 'the workspaces')];
  const p = associatedId(facts.primary, 'containerRegistry');
  const s = associatedId(facts.secondary, 'containerRegistry');
  if (!p && !s) return [finding('container-registry', 'warn', 'Neither workspace has a container registry yet (one is created with the first custom environment).', 'Create one Premium registry, geo-replicated to both regions, and set it on both workspaces', [])];
  const out: ReadinessCheck[] = [];
  if (!sameId(p, s)) {
    out.push(finding('container-registry', 'warn', `The workspaces use different container registries (${p ? lastSegment(p) : 'none'}, ${s ? lastSegment(s) : 'none'}): images built in one are missing in the other.`, 'Use one Premium registry geo-replicated to both regions for both workspaces', [p, s]));
  }
  const registrySide = p ? facts.primary : facts.secondary;
  const registryId = p ?? s;
  const rf = firstFailure(registrySide.registry, registrySide.replications);
  if (rf) return [...out, unknownFinding('container-registry', rf, `container registry ${lastSegment(registryId!)}`, [registryId])];
  const registry = registrySide.registry.ok ? registrySide.registry.value : {};
  const name = str(registry, 'name') ?? lastSegment(registryId!);
  const sku = str(registry, 'sku.name') ?? 'unknown';
  const replicas = (registrySide.replications.ok ? registrySide.replications.value : []).map((r) => str(r, 'location') ?? '').filter(Boolean);
  const regions = [...new Set([str(registry, 'location'), ...replicas].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase()))];
  const target = facts.secondary.ref.region;
  if (sku.toLowerCase() !== 'premium') {
    out.push(finding('container-registry', 'fail', `Container registry ${name} is ${sku}: only Premium registries can be geo-replicated, so its images are in ${regions[0] ?? 'one region'} only.`, `Upgrade ${name} to Premium (az acr update --name ${name} --sku Premium) and replicate it to ${target} (az acr replication create --registry ${name} --location ${target})`, [registryId]));
  } else if (!regions.some((r) => sameRegion(r, target))) {
    out.push(finding('container-registry', 'fail', `Container registry ${name} has no replica in the secondary's region ${target} (it is in ${list(regions)}).`, `Replicate it: az acr replication create --registry ${name} --location ${target}`, [registryId]));
  } else if (!out.length) {
    out.push(finding('container-registry', 'pass', `Both workspaces use container registry ${name} (Premium), replicated to ${list(regions)}.`, '', [registryId]));
  }
  return out;
}

/** Application Insights in each workspace's own region. */
export function appInsights(facts: ReadinessFacts): ReadinessCheck[] {
  const out: ReadinessCheck[] = [];
  const p = associatedId(facts.primary, 'applicationInsights');
  const s = associatedId(facts.secondary, 'applicationInsights');
  for (const side of [facts.primary, facts.secondary]) {
    const id = side.role === 'primary' ? p : s;
    const wf = firstFailure(side.workspace);
    if (wf) {
      out.push(unknownFinding('app-insights', wf, `the ${side.role} workspace`));
      continue;
    }
    if (!id) {
      out.push(finding('app-insights', 'fail', `The ${side.role} workspace has no Application Insights: its endpoints and jobs log nowhere.`, `Create an Application Insights component in ${side.ref.region} and set it on the workspace`, [workspaceIdOf(side)]));
      continue;
    }
    if (side.role === 'secondary' && sameId(p, s)) {
      out.push(finding('app-insights', 'warn', `Both workspaces log to the same Application Insights ${lastSegment(id)}: when its region is down the other workspace logs nowhere.`, `Create an Application Insights component in ${side.ref.region} for the secondary`, [id]));
      continue;
    }
    if (!side.appInsights.ok) {
      out.push(unknownFinding('app-insights', side.appInsights, `Application Insights ${lastSegment(id)}`, [id]));
      continue;
    }
    const location = str(side.appInsights.value, 'location');
    if (location && !sameRegion(location, side.ref.region)) {
      out.push(finding('app-insights', 'warn', `Application Insights ${lastSegment(id)} of the ${side.role} workspace is in ${location}, not in ${side.ref.region}.`, `Use an Application Insights component in ${side.ref.region}`, [id]));
    } else {
      out.push(finding('app-insights', 'pass', `The ${side.role} workspace logs to Application Insights ${lastSegment(id)} in ${location ?? side.ref.region}.`, '', [id]));
    }
  }
  return out;
}

/** Public network access and private endpoints configured alike on both workspaces. */
export function network(facts: ReadinessFacts): ReadinessCheck[] {
  const { primary, secondary } = facts;
  const failure = firstFailure(primary.workspace, secondary.workspace, primary.privateEndpointConnections, secondary.privateEndpointConnections);
  if (failure) return [unknownFinding('network', failure, 'the workspaces\' network settings')];
  const ids = [workspaceIdOf(primary), workspaceIdOf(secondary)];
  const access = (side: SideFacts) => str(side.workspace.ok ? side.workspace.value : {}, 'properties.publicNetworkAccess') ?? 'Enabled';
  const endpoints = (side: SideFacts) => (side.privateEndpointConnections.ok ? side.privateEndpointConnections.value : []).filter((c) => (str(c, 'properties.privateLinkServiceConnectionState.status') ?? 'Approved') === 'Approved');
  const problems: string[] = [];
  if (access(primary).toLowerCase() !== access(secondary).toLowerCase()) problems.push(`public network access is ${access(primary)} on the primary and ${access(secondary)} on the secondary`);
  const pe = endpoints(primary).length;
  const se = endpoints(secondary).length;
  if ((pe > 0) !== (se > 0)) problems.push(`the primary has ${pe} approved private endpoint${pe === 1 ? '' : 's'} and the secondary ${se}`);
  if (problems.length) {
    return [finding('network', 'fail', `The workspaces are reached differently: ${problems.join('; ')}. After a failover, clients that reach one may not reach the other.`, 'Configure the secondary like the primary: the same public network access, and a private endpoint in each network the primary is reached from', ids)];
  }
  return [finding('network', 'pass', `Both workspaces: public network access ${access(primary)}, ${pe ? `${pe} and ${se} private endpoints` : 'no private endpoints'}.`, '', ids)];
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

