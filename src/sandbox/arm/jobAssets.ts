// Code assets and components, the assets jobs refer to: containers and versions list/get/createOrUpdate, the same
// rules as models and environments (assets.ts; 409 when codeUri or componentSpec of a version changes; anonymous
// ones — a submitted job's code folder, its component files — reachable but not listed). Shapes: azure-ai-ml 1.4.0
// `_restclient/v2022_10_01` CodeContainer/CodeVersion (codeUri, isAnonymous) and ComponentContainer/ComponentVersion
// (componentSpec); @azure/arm-machinelearning codeVersions/componentVersions.
import { routesFor } from './assets';
import type { ArmEnv, Route } from './router';

export function jobAssetRoutes(env: ArmEnv): Route[] {
  return [...routesFor(env, 'codes'), ...routesFor(env, 'components')];
}
