// A region's Machine Learning services by location: VM sizes offered (VirtualMachineSizes_List), usages
// (Usages_List) and quotas (Quotas_List), api-version 2022-10-01. Shapes: the REST spec examples
// VirtualMachineSize/list.json, Usage/list.json, Quota/list.json (specs/examples-2022-10-01/). Read-only: the seed sets them.
import { ML_PROVIDER, page, regionOf, type ArmEnv, type Route } from './router';

export function regionServiceRoutes(env: ArmEnv): Route[] {
  return [
    // vmSizes answers one page with no nextLink, as Azure does.
    { path: `${ML_PROVIDER}/locations/{location}/vmSizes`, methods: { GET: (req) => ({ status: 200, body: { value: regionOf(req).services.vmSizes } }) } },
    { path: `${ML_PROVIDER}/locations/{location}/usages`, methods: { GET: (req) => page(env, req, regionOf(req).services.usages) } },
    { path: `${ML_PROVIDER}/locations/{location}/quotas`, methods: { GET: (req) => page(env, req, regionOf(req).services.quotas) } },
  ];
}
