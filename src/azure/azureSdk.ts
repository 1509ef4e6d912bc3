// The Azure SDKs, bundled separately (dist/azure-sdk.js) and loaded with `await import('./azureSdk')` on first use,
// so that activating the extension or running `aml-failover which` never pays for them. Add re-exports here only.
export { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
export {
  EnvironmentCredential,
  WorkloadIdentityCredential,
  ManagedIdentityCredential,
  VisualStudioCodeCredential,
  AzureCliCredential,
  AzurePowerShellCredential,
  AzureDeveloperCliCredential,
} from '@azure/identity';
export { BlobServiceClient, ContainerClient, StorageSharedKeyCredential, AnonymousCredential, generateBlobSASQueryParameters, ContainerSASPermissions, BlobSASPermissions, SASProtocol } from '@azure/storage-blob';
export { ShareServiceClient, StorageSharedKeyCredential as FileSharedKeyCredential, newPipeline as newFilePipeline } from '@azure/storage-file-share';
export { createPipelineRequest, createHttpHeaders, bearerTokenAuthenticationPolicy, retryPolicy } from '@azure/core-rest-pipeline';
export { RestError } from '@azure/core-rest-pipeline';
