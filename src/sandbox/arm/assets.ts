// Model and environment containers and versions: list (active ones unless `listViewType` asks), get, createOrUpdate
// (201 new, 200 same — archiving included —, 409 when an immutable field differs). Shapes: specs/ ModelContainers_*, ModelVersions_*, EnvironmentContainers_*, EnvironmentVersions_*.
import { ML, containerBody, key, systemData, workspaceId, type AssetContainer, type Json, type Region } from '../world';
import { ArmError, WORKSPACE, inView, notFound, page, regionOf, requireProperties, type Answer, type ArmEnv, type ArmRequest, type Route } from './router';

export type Kind = 'models' | 'environments' | 'codes' | 'components';

const LABEL: Record<Kind, 'model' | 'environment' | 'code' | 'component'> = { models: 'model', environments: 'environment', codes: 'code', components: 'component' };
/** Fields a version may not change once registered. */
const IMMUTABLE: Record<Kind, string[]> = { models: ['modelUri', 'modelType'], environments: ['image', 'condaFile', 'build'], codes: ['codeUri'], components: ['componentSpec'] };

/**
 * Anonymous assets (an inline environment, a component file or code folder of a submitted job) are reachable by
 * name and version but not listed, as in the service: a container whose versions are all anonymous is left out.
 */
function listed(c: AssetContainer): boolean {
  const versions = [...c.versions.values()];
  return versions.length === 0 || versions.some((v) => (v.properties as Json).isAnonymous !== true);
}

export function assetRoutes(env: ArmEnv): Route[] {
  return (['models', 'environments'] as const).flatMap((kind) => routesFor(env, kind));
}

export function routesFor(env: ArmEnv, kind: Kind): Route[] {
  const label = LABEL[kind];
  const store = (r: Region) => r[kind];
  const container = (req: ArmRequest) => store(regionOf(req)).get(key(req.params[label]));
  const mustExist = (req: ArmRequest): AssetContainer => {
    const c = container(req);
    if (!c) throw notFound(`The ${label} container '${req.params[label]}' in workspace '${regionOf(req).workspaceName}'`);
    return c;
  };
  const newContainer = (r: Region, name: string, props: Json): AssetContainer => {
    const c: AssetContainer = {
      name,
      body: { id: `${workspaceId(r)}/${kind}/${name}`, name, type: `${ML}/workspaces/${kind}`, properties: { ...props, isArchived: false }, systemData: systemData(new Date().toISOString()) },
      versions: new Map(),
    };
    store(r).set(key(name), c);
    return c;
  };

  function putContainer(req: ArmRequest): Answer {
    const props = requireProperties(req.body);
    const c = container(req);
    if (c) {
      const was = c.body.properties as Json;
      c.body = { ...c.body, properties: { ...was, description: props.description, tags: props.tags ?? {}, isArchived: props.isArchived ?? was.isArchived } };
      return { status: 200, body: containerBody(c) };
    }
    const created = newContainer(regionOf(req), req.params[label], { description: props.description, tags: props.tags ?? {}, properties: props.properties ?? {} });
    return { status: 201, body: containerBody(created) };
  }

  function listVersions(req: ArmRequest): Answer {
    const c = mustExist(req);
    const versions = [...c.versions.values()].sort((a, b) => Number(b.name) - Number(a.name) || String(b.name).localeCompare(String(a.name)));
    return page(env, req, versions.filter((v) => inView(v, req)));
  }

  function getVersion(req: ArmRequest): Answer {
    const { version } = req.params;
    const existing = container(req)?.versions.get(key(version));
    if (!existing) throw notFound(`Version '${version}' of ${label} '${req.params[label]}' in workspace '${regionOf(req).workspaceName}'`);
    return { status: 200, body: existing };
  }

  function putVersion(req: ArmRequest): Answer {
    const r = regionOf(req);
    const name = req.params[label];
    const { version } = req.params;
    const props = requireProperties(req.body);
    const c = container(req);
    const existing = c?.versions.get(key(version));
    if (c && existing) {
      const old = existing.properties as Json;
      const changed = IMMUTABLE[kind].filter((f) => props[f] !== undefined && JSON.stringify(props[f]) !== JSON.stringify(old[f]));
      if (changed.length) {
        throw new ArmError(409, 'Conflict', `Version '${version}' of ${label} '${name}' already exists with a different ${changed.join(', ')}; versions are immutable. Register a new version instead.`);
      }
      const updated = { ...existing, properties: { ...old, description: props.description ?? old.description, tags: props.tags ?? old.tags, isArchived: props.isArchived ?? old.isArchived }, systemData: { ...(existing.systemData as Json), lastModifiedAt: new Date().toISOString() } };
      c.versions.set(key(version), updated);
      return { status: 200, body: updated };
    }
    const target = c ?? newContainer(r, name, { description: null, tags: {}, properties: {} });
    const created = {
      id: `${workspaceId(r)}/${kind}/${name}/versions/${version}`,
      name: version,
      type: `${ML}/workspaces/${kind}/versions`,
      properties: { isAnonymous: false, isArchived: false, tags: {}, properties: {}, ...props },
      systemData: systemData(new Date().toISOString()),
    };
    target.versions.set(key(version), created);
    return { status: 201, body: created };
  }

  const base = `${WORKSPACE}/${kind}`;
  return [
    { path: base, methods: { GET: (req) => page(env, req, [...store(regionOf(req)).values()].filter(listed).map(containerBody).filter((c) => inView(c, req))) } },
    { path: `${base}/{${label}}`, methods: { GET: (req) => ({ status: 200, body: containerBody(mustExist(req)) }), PUT: putContainer } },
    { path: `${base}/{${label}}/versions`, methods: { GET: listVersions } },
    { path: `${base}/{${label}}/versions/{version}`, methods: { GET: getVersion, PUT: putVersion } },
  ];
}
