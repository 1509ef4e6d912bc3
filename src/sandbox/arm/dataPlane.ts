// Each region's Azure ML data plane, as far as a client first meets it: the workspace's `discoveryUrl`
// (`<ARM endpoint>/discovery/<location>`, anonymous, answering the regional service URLs as Azure's discovery does)
// and the regional `api` endpoint it names (`<ARM endpoint>/dataplane/<location>/…`, which wants a bearer token).
// The region's `outage` and `dataplane` faults answer 503 here; ARM still answers under `dataplane`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gate, type FaultBoard } from '../faults';
import type { World } from '../world';

const PATH = /^\/(discovery|dataplane)\/([a-z0-9]+)(\/.*)?$/;

export function isDataPlanePath(rawPath: string): boolean {
  return PATH.test(rawPath);
}

/** Answers a data-plane request; `baseUrl` is the ARM endpoint's origin. */
export async function answerDataPlane(req: IncomingMessage, res: ServerResponse, world: World, faults: FaultBoard, baseUrl: string, token: string): Promise<void> {
  req.resume();
  const [, kind, location] = PATH.exec((req.url ?? '').split('?')[0])!;
  const send = (status: number, body: unknown) => {
    const buf = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': buf.length });
    res.end(buf);
  };
  const region = Object.values(world.regions).find((r) => r.location === location);
  if (!region) return send(404, { error: { code: 'NotFound', message: `No Azure ML data plane in '${location}'.` } });
  const mode = faults.get(region.role).mode;
  if (mode === 'dataplane' || mode === 'outage') {
    return send(503, { error: { code: 'ServiceUnavailable', message: `The Azure ML data plane in ${region.location} is unavailable (sandbox ${mode}).` } });
  }
  const outcome = await gate(faults, region.role, res);
  if (outcome === 'held') return;
  if (outcome === 'throttle') return send(429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } });
  if (kind === 'discovery') {
    const api = `${baseUrl}/dataplane/${region.location}`;
    return send(200, { api, catalog: api, experimentation: api, gallery: api, history: api, hyperdrive: api, labeling: api, modelmanagement: api, pipelines: api, studio: 'https://ml.azure.com' });
  }
  if ((req.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim() !== token) return send(401, { error: { code: 'Unauthorized', message: 'A bearer token is required.' } });
  return send(200, { status: 'ok', region: region.location });
}
