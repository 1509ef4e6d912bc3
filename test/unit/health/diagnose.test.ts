import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseReport, summarizeDiagnose } from '../../../src/health/diagnose';

test('findings are grouped per area with counts', () => {
  const report = diagnoseReport(
    {
      keyVaultResults: [{ code: 'KeyVaultNotReachable', level: 'Error', message: 'The key vault cannot be reached.' }],
      dnsResolutionResults: [{ code: 'Ok', level: 'Information', message: 'Resolved.' }, { code: 'SlowDns', level: 'Warning', message: 'Slow.' }],
    },
    5,
  );
  const kv = report.areas.find((a) => a.label === 'Key vault');
  assert.deepEqual(kv?.findings, [{ code: 'KeyVaultNotReachable', level: 'Error', message: 'The key vault cannot be reached.' }]);
  assert.equal(report.areas.find((a) => a.label === 'Storage account')?.findings.length, 0);
  assert.equal(report.errors, 1);
  assert.equal(report.warnings, 1);
  assert.equal(summarizeDiagnose(report), '1 error, 1 warning');
  assert.equal(summarizeDiagnose(diagnoseReport(undefined)), 'no problems found');
});
