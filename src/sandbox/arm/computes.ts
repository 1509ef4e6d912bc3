// Computes list/get, and createOrUpdate of a cluster or an instance (answered Succeeded at once, so the SDK's poller
// ends). Shapes: specs/examples/Compute/list.json and specs/examples-2022-10-01/Compute/get/ComputeInstance.json.
import { ML, key, systemData, workspaceId } from '../world';
import { ArmError, WORKSPACE, notFound, page, printable, regionOf, requireProperties, type ArmEnv, type ArmRequest, type Route } from './router';

export function computeRoutes(env: ArmEnv): Route[] {
  return [
    { path: `${WORKSPACE}/computes`, methods: { GET: (req) => page(env, req, [...regionOf(req).computes.values()]) } },
    {
      path: `${WORKSPACE}/computes/{compute}`,
      methods: {
        GET: (req) => {
          const r = regionOf(req);
          const c = r.computes.get(key(req.params.compute));
          if (!c) throw notFound(`The compute '${printable(req.params.compute)}' in workspace '${r.workspaceName}'`);
          return { status: 200, body: c };
        },
        PUT: (req) => putCompute(req),
      },
    },
  ];
}

function putCompute(req: ArmRequest) {
  const r = regionOf(req);
  const props = requireProperties(req.body);
  if (props.computeType !== 'AmlCompute' && props.computeType !== 'ComputeInstance') throw new ArmError(400, 'InvalidRequestContent', "The sandbox creates computes of type 'AmlCompute' or 'ComputeInstance'.");
  const name = req.params.compute;
  const existing = r.computes.get(key(name));
  const now = new Date().toISOString();
  const body = {
    id: `${workspaceId(r)}/computes/${name}`,
    name,
    type: `${ML}/workspaces/computes`,
    location: r.location,
    properties: { computeLocation: r.location, isAttachedCompute: false, disableLocalAuth: true, createdOn: now, modifiedOn: now, ...props, provisioningState: 'Succeeded' },
    systemData: systemData(now),
  };
  r.computes.set(key(name), body);
  return { status: existing ? 200 : 201, body };
}
