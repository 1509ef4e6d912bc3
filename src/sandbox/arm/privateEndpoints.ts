// A workspace's private endpoint connections: list/get/createOrUpdate (PrivateEndpointConnections, 2022-10-01).
import { ML, key, workspaceId } from '../world';
import { WORKSPACE, notFound, page, printable, regionOf, requireProperties, type ArmEnv, type Route } from './router';

export function privateEndpointRoutes(env: ArmEnv): Route[] {
  return [
    { path: `${WORKSPACE}/privateEndpointConnections`, methods: { GET: (req) => page(env, req, [...regionOf(req).services.privateEndpointConnections.values()]) } },
    {
      path: `${WORKSPACE}/privateEndpointConnections/{connection}`,
      methods: {
        GET: (req) => {
          const r = regionOf(req);
          const c = r.services.privateEndpointConnections.get(key(req.params.connection));
          if (!c) throw notFound(`The private endpoint connection '${printable(req.params.connection)}' of workspace '${r.workspaceName}'`);
          return { status: 200, body: c };
        },
        PUT: (req) => {
          const r = regionOf(req);
          const props = requireProperties(req.body);
          const name = req.params.connection;
          const body = {
            id: `${workspaceId(r)}/privateEndpointConnections/${name}`,
            name,
            type: `${ML}/workspaces/privateEndpointConnections`,
            location: r.location,
            properties: { privateLinkServiceConnectionState: { status: 'Approved', description: 'Auto-approved', actionsRequired: 'None' }, ...props, provisioningState: 'Succeeded' },
          };
          r.services.privateEndpointConnections.set(key(name), body);
          // The REST spec answers this PUT with 200 only (new or not).
          return { status: 200, body };
        },
      },
    },
  ];
}
