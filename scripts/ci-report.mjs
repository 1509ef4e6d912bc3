// The CI step after `aml-failover lint --format sarif > FILE` (action.yml and the Azure Pipelines example in
// docs/ci.md run the same lines): shows each finding where the CI shows problems (GitHub annotations, Azure
// Pipelines log issues, else compiler-style lines), names the SARIF file, and decides the step's exit code.
//
//   node scripts/ci-report.mjs <sarif-file> <lint exit status>
//   AML_FAILOVER_FAIL_ON  error | warning (default: aml-failover lint's own rule) | note (any finding) | never
//
// A lint status other than 0 or 1 means lint itself could not run (bad usage): that status is passed on and the
// SARIF file, which then holds no report, is removed so nothing uploads it.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';

const RANK = { note: 1, warning: 2, error: 3 };
const FAIL_ON = { note: 1, warning: 2, error: 3, never: Infinity };

const [sarifFile, statusArg] = process.argv.slice(2);
const status = Number(statusArg);
if (!sarifFile || !Number.isInteger(status)) {
  console.error('usage: node ci-report.mjs <sarif-file> <aml-failover lint exit status>');
  process.exit(2);
}
const failOnName = (process.env.AML_FAILOVER_FAIL_ON || 'warning').trim().toLowerCase();
const failOn = FAIL_ON[failOnName];
if (failOn === undefined) {
  console.error(`aml-failover: fail-on must be one of ${Object.keys(FAIL_ON).join(', ')}, not '${failOnName}'.`);
  process.exit(2);
}
if (status !== 0 && status !== 1) {
  rmSync(sarifFile, { force: true });
  console.error(`aml-failover lint could not run (exit ${status}); see its message above.`);
  process.exit(status);
}

const results = JSON.parse(readFileSync(sarifFile, 'utf8')).runs.flatMap((run) => run.results ?? []);
const findings = results.map((r) => {
  const location = r.locations?.[0]?.physicalLocation;
  const uri = location?.artifactLocation?.uri ?? '';
  return {
    file: uri.startsWith('file://') ? decodeURI(uri.slice('file://'.length)) : decodeURI(uri),
    line: location?.region?.startLine ?? 1,
    column: location?.region?.startColumn ?? 1,
    level: r.level ?? 'warning',
    rule: r.ruleId,
    message: r.message?.text ?? '',
  };
});

const escapeData = (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
for (const f of findings) {
  if (process.env.GITHUB_ACTIONS === 'true') {
    const command = f.level === 'error' ? 'error' : f.level === 'warning' ? 'warning' : 'notice';
    console.log(`::${command} file=${escapeProperty(f.file)},line=${f.line},col=${f.column},title=${escapeProperty(f.rule)}::${escapeData(f.message)}`);
  } else if (process.env.TF_BUILD === 'True') {
    // Azure Pipelines has no "note" issue type: notes are plain lines.
    const line = `${f.file}:${f.line}:${f.column}: ${f.level} ${f.rule}: ${f.message}`;
    if (f.level === 'note') console.log(line);
    else console.log(`##vso[task.logissue type=${f.level};sourcepath=${f.file};linenumber=${f.line};columnnumber=${f.column};code=${f.rule}]${f.message.replace(/[\r\n]+/g, ' ')}`);
  } else {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.level} ${f.rule}: ${f.message}`);
  }
}

const failing = findings.filter((f) => RANK[f.level] >= failOn).length;
console.log(`aml-failover lint: ${findings.length} finding${findings.length === 1 ? '' : 's'}; SARIF in ${sarifFile}.`);
if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `sarif-file=${sarifFile}\nfindings=${findings.length}\n`);
if (failing) {
  console.log(`${failing} of them at or above fail-on '${failOnName}': failing the step.`);
  process.exit(1);
}
