// Online endpoints and their deployments: list/get/createOrUpdate (api-version 2022-10-01). A PUT is answered 201 (new)
// or 200 with provisioningState Succeeded and no async-operation header, so the SDK's poller ends at once. Shapes:
// the REST spec examples OnlineEndpoint/get.json and OnlineDeployment/ManagedOnlineDeployment/get.json.
import { ML, key, systemData, workspaceId, type Json } from '../world';
import { WORKSPACE, notFound, page, printable, regionOf, requireProperties, type ArmEnv, type ArmRequest, type Route } from './router';

function endpointOf(req: ArmRequest) {
  const r = regionOf(req);
  const e = r.services.onlineEndpoints.get(key(req.params.endpoint));
  if (!e) throw notFound(`The online endpoint '${printable(req.params.endpoint)}' in workspace '${r.workspaceName}'`);
  return e;
}

export function onlineEndpointRoutes(env: ArmEnv): Route[] {
  const putEndpoint = (req: ArmRequest) => {
    const r = regionOf(req);
    const props = requireProperties(req.body);
    const name = req.params.endpoint;
    const existing = r.services.onlineEndpoints.get(key(name));
    const body: Json = {
      id: `${workspaceId(r)}/onlineEndpoints/${name}`,
      name,
      type: `${ML}/workspaces/onlineEndpoints`,
      location: r.location,
      identity: { type: 'SystemAssigned' },
      kind: 'Managed',
      properties: { authMode: 'Key', traffic: {}, ...props, provisioningState: 'Succeeded', scoringUri: `https://${name}.${r.location}.inference.ml.azure.com/score` },
      systemData: systemData(new Date().toISOString()),
    };
    r.services.onlineEndpoints.set(key(name), { body, deployments: existing?.deployments ?? new Map() });
    return { status: existing ? 200 : 201, body };
  };
  const putDeployment = (req: ArmRequest) => {
    const r = regionOf(req);
    const endpoint = endpointOf(req);
    const props = requireProperties(req.body);
    const name = req.params.deployment;
    const existed = endpoint.deployments.has(key(name));
    const body: Json = {
      id: `${workspaceId(r)}/onlineEndpoints/${req.params.endpoint}/deployments/${name}`,
      name,
      type: `${ML}/workspaces/onlineEndpoints/deployments`,
      location: r.location,
      kind: 'Managed',
      sku: (req.body as Json).sku ?? { name: 'Default', capacity: 1 },
      properties: { endpointComputeType: 'Managed', ...props, provisioningState: 'Succeeded' },
      systemData: systemData(new Date().toISOString()),
    };
    endpoint.deployments.set(key(name), body);
    return { status: existed ? 200 : 201, body };
  };
  return [
    { path: `${WORKSPACE}/onlineEndpoints`, methods: { GET: (req) => page(env, req, [...regionOf(req).services.onlineEndpoints.values()].map((e) => e.body)) } },
    { path: `${WORKSPACE}/onlineEndpoints/{endpoint}`, methods: { GET: (req) => ({ status: 200, body: endpointOf(req).body }), PUT: putEndpoint } },
    { path: `${WORKSPACE}/onlineEndpoints/{endpoint}/deployments`, methods: { GET: (req) => page(env, req, [...endpointOf(req).deployments.values()]) } },
    {
      path: `${WORKSPACE}/onlineEndpoints/{endpoint}/deployments/{deployment}`,
      methods: {
        GET: (req) => {
          const d = endpointOf(req).deployments.get(key(req.params.deployment));
          if (!d) throw notFound(`The deployment '${printable(req.params.deployment)}' of online endpoint '${printable(req.params.endpoint)}'`);
          return { status: 200, body: d };
        },
        PUT: putDeployment,
      },
    },
  ];
}
