/** The Azure CLI's per-folder defaults (`az configure --defaults … --scope local`): INI section `[defaults]`. */
export const AZURE_CLI_LOCAL_CONFIG = '.azure/config';

/**
 * Sets keys in the `[defaults]` section of an Azure CLI config, keeping every other line (comments, other sections,
 * other defaults, line endings) as it was. Keys are matched case-insensitively like Python's configparser.
 */
export function setIniDefaults(text: string, values: Record<string, string>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.length ? text.split(/\r?\n/) : [];
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const pending = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), { key: k, value: v }]));
  let section: string | undefined;
  let lastInDefaults = -1;
  let sawDefaults = false;
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]);
    if (header) {
      section = header[1].trim();
      if (section === 'defaults') {
        sawDefaults = true;
        lastInDefaults = i;
      }
      continue;
    }
    if (section !== 'defaults') continue;
    if (lines[i].trim() && !/^\s*[#;]/.test(lines[i])) lastInDefaults = i;
    const kv = /^(\s*)([^=:#;\s][^=:]*?)(\s*[=:]\s*)(.*)$/.exec(lines[i]);
    if (!kv) continue;
    const wanted = pending.get(kv[2].trim().toLowerCase());
    if (!wanted) continue;
    lines[i] = `${kv[1]}${kv[2]}${kv[3]}${wanted.value}`;
    pending.delete(kv[2].trim().toLowerCase());
  }
  const added = [...pending.values()].map(({ key, value }) => `${key} = ${value}`);
  if (added.length) {
    if (sawDefaults) lines.splice(lastInDefaults + 1, 0, ...added);
    else {
      if (lines.length && lines[lines.length - 1].trim()) lines.push('');
      lines.push('[defaults]', ...added);
    }
  }
  return lines.join(eol) + eol;
}

/** Reads `[defaults]` of an Azure CLI config (lower-cased keys). */
export function readIniDefaults(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) section = header[1].trim();
    else if (section === 'defaults') {
      const kv = /^\s*([^=:#;\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
      if (kv) out[kv[1].trim().toLowerCase()] = kv[2].trim();
    }
  }
  return out;
}
