// The one scrubber (src/common/secrets.ts): what an SDK error or a request dump carries never reaches a log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { REDACTED, scrubSecrets, scrubbingLogger } from '../../../src/common/secrets';
import { errorMessage } from '../../../src/common/errors';

const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ aud: 'https://management.azure.com/', exp: 1 })).toString('base64url')}.c2lnbmF0dXJlLWJ5dGVz`;
const key = randomBytes(64).toString('base64');

test('bearer tokens, JWTs, Authorization headers, account keys, SAS signatures and client secrets are redacted', () => {
  const cases: [string, string][] = [
    [`Authorization: Bearer ${jwt}`, `Authorization: ${REDACTED}`],
    [`{"authorization":"Bearer ${jwt}","x-ms-date":"now"}`, `{"authorization":"${REDACTED}","x-ms-date":"now"}`],
    [`headers: { authorization: 'SharedKey acct:c2lnbmF0dXJl' }`, `headers: { authorization: '${REDACTED}' }`],
    [`token ${jwt} expired`, `token ${REDACTED} expired`],
    [`sent Bearer opaque-token-value-123`, `sent Bearer ${REDACTED}`],
    [`GET https://acct.blob.core.windows.net/c/x?sv=2024-11-04&se=2030&sr=c&sp=r&sig=abc%2Bdef%3D failed`, `GET https://acct.blob.core.windows.net/c/x?sv=2024-11-04&se=2030&sr=c&sp=r&sig=${REDACTED} failed`],
    [`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`, `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${REDACTED};EndpointSuffix=core.windows.net`],
    [`{"keys":[{"keyName":"key1","value":"${key}"}]}`, `{"keys":[{"keyName":"key1","value":"${REDACTED}"}]}`],
    [`client_secret=s3cr3t&scope=x`, `client_secret=${REDACTED}&scope=x`],
  ];
  for (const [input, expected] of cases) assert.equal(scrubSecrets(input), expected, input);
});

test('ordinary text is left as it is: ids, URLs, MD5s, paths, messages', () => {
  for (const text of [
    '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-eastus/providers/Microsoft.MachineLearningServices/workspaces/mlw-eastus',
    'GET https://management.azure.com/subscriptions/x?api-version=2024-04-01 — HTTP 503, retry 1 in 200 ms.',
    'models/credit-default/3/model.pkl: Content-MD5 1B2M2Y8AsgTpgAMY7PhCfg== does not match',
    "Please run 'az login' from a command prompt to authenticate before using this credential.",
    'signature of the design (sig) is fine; signed=yes',
  ]) assert.equal(scrubSecrets(text), text);
});

test('the logger and error messages go through it', () => {
  const seen: string[] = [];
  const logger = scrubbingLogger({ trace: (m) => seen.push(m), debug: (m) => seen.push(m), info: (m) => seen.push(m), warn: (m) => seen.push(m), error: (m) => seen.push(String(m)) });
  logger.info(`token ${jwt}`);
  logger.error(new Error(`request failed: Authorization: Bearer ${jwt}`));
  assert.ok(seen.every((line) => !line.includes(jwt)), seen.join('\n'));
  assert.match(seen[1]!, /^Error: request failed: Authorization: \[redacted\]\n {4}at /);
  assert.equal(errorMessage(new Error(`listSecrets answered ${key}`)), `listSecrets answered ${REDACTED}`);
});
