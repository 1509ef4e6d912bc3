// `POST …/diagnose` and the long-running operation it starts: 202 with Azure-AsyncOperation + Location +
// Retry-After, then the status and result URLs under `providers/…/locations/<region>/` (Workspaces_Diagnose example).
import { randomUUID } from 'node:crypto';
import type { Role } from '../../pair/pairFile';
import { API_VERSION, ML, workspaceId, type Json, type Region } from '../world';
import { ML_PROVIDER, WORKSPACE, notFound, printable, regionOf, type Answer, type ArmEnv, type Route } from './router';

interface Operation {
  role: Role;
  started: number;
  workspace: string;
}

export function operationRoutes(env: ArmEnv, diagnoseMs: number): Route[] {
  const operations = new Map<string, Operation>();

  function diagnose(r: Region): Answer {
    const id = randomUUID();
    operations.set(id, { role: r.role, started: Date.now(), workspace: workspaceId(r) });
    const base = `${env.baseUrl()}/subscriptions/${r.subscriptionId}/providers/${ML}/locations/${r.location}`;
    return {
      status: 202,
      body: {},
      headers: {
        'azure-asyncoperation': `${base}/workspaceOperationsStatus/${id}?api-version=${API_VERSION}`,
        location: `${base}/workspaceOperationsResults/${id}?api-version=${API_VERSION}`,
        'retry-after': '1',
      },
    };
  }

  function operation(kind: string, id: string, r: Region): Answer {
    const op = operations.get(id);
    if (!op || op.role !== r.role) throw notFound(`The operation '${printable(id)}'`);
    const done = Date.now() - op.started >= diagnoseMs;
    if (kind === 'workspaceoperationsstatus') {
      return {
        status: 200,
        body: { id, name: id, status: done ? 'Succeeded' : 'InProgress', startTime: new Date(op.started).toISOString(), ...(done ? { endTime: new Date(op.started + diagnoseMs).toISOString() } : {}) },
        headers: done ? {} : { 'retry-after': '1' },
      };
    }
    if (kind === 'workspaceoperationsresults') {
      if (!done) return { status: 202, body: {}, headers: { 'retry-after': '1' } };
      return { status: 200, body: { value: diagnoseResult(r) } };
    }
    throw notFound(`The operation '${printable(id)}'`);
  }

  return [
    { path: `${WORKSPACE}/diagnose`, methods: { POST: (req) => diagnose(regionOf(req)) } },
    {
      path: `${ML_PROVIDER}/locations/{location}/{operationKind}/{operationId}`,
      free: ['operationKind', 'operationId'],
      exists: regionOf,
      methods: { GET: (req) => operation(req.params.operationKind.toLowerCase(), req.params.operationId, regionOf(req)) },
    },
  ];
}

function diagnoseResult(r: Region): Json {
  const info = (area: string) => [{ code: 'Healthy', level: 'Information', message: `${area} of ${r.workspaceName} answered.` }];
  return {
    userDefinedRouteResults: [],
    networkSecurityRuleResults: [],
    resourceLockResults: [],
    dnsResolutionResults: [],
    storageAccountResults: info('The storage account'),
    keyVaultResults: info('The key vault'),
    containerRegistryResults: info('The container registry'),
    applicationInsightsResults: info('Application Insights'),
    otherResults: [],
  };
}
