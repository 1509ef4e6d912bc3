// The workspace's associated resources outside Machine Learning (storage account, key vault, container registry,
// Application Insights): one generic ARM GET by resource id, whatever the provider — the product reads them the same
// way. A new non-ML resource is a body in world.ts's `associatedResources`, not a new route.
import { ML, type Json } from '../world';
import { associatedBody, requireRead } from './authorization';
import { RESOURCE_GROUP, noRoute, notFound, printable, regionOf, type ArmEnv, type ArmRequest, type Route } from './router';

export function associatedRoutes(env: ArmEnv): Route[] {
  const find = (req: ArmRequest): Json => {
    // Machine Learning paths no route above answered are not resources of another provider.
    if (req.params.provider.toLowerCase() === ML.toLowerCase()) throw noRoute(req.method, req.path);
    const found = associatedBody(env.world, '/' + req.lower.join('/'));
    if (!found || req.lower.length !== 8) throw notFound(`The Resource '${printable(req.names.slice(5).join('/'))}' under resource group '${regionOf(req).resourceGroup}'`);
    requireRead(regionOf(req), req.lower.join('/'));
    return found;
  };
  return [{ path: `${RESOURCE_GROUP}/providers/{provider}/*`, free: ['provider'], exists: find, methods: { GET: (req) => ({ status: 200, body: find(req) }) } }];
}
