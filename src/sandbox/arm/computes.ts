// Computes list/get (read-only; the seed creates them). Shapes: specs/ Compute_Get/Compute_List examples.
import { key } from '../world';
import { WORKSPACE, notFound, page, printable, regionOf, type ArmEnv, type Route } from './router';

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
      },
    },
  ];
}
