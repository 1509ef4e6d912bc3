// OUT/manifest.json: every exported file with its size, sha256, where it came from and the asset it belongs to.
// It is rewritten atomically as files complete (so a killed export still says what is complete) and one last time
// when the export ends. It never holds a secret: sources name the workspace, datastore and path, not a URL.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import type { PathReport } from './safePaths';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

export type AssetKind = 'notebooks' | 'model' | 'environment' | 'data' | 'job' | 'schedule';

export interface AssetRef {
  kind: AssetKind;
  name: string;
  version?: string;
}

export interface FileSource {
  /** The workspace ARM id. */
  workspace: string;
  /** Datastore the bytes came from; absent for files the export wrote itself (model.yml, job YAML). */
  datastore?: string;
  /** Path inside the datastore (container/share relative), or the asset's ARM id for generated files. */
  path: string;
}

export interface ManifestEntry {
  /** Relative to OUT, "/" separated. */
  path: string;
  size: number;
  sha256: string;
  source: FileSource;
  asset: AssetRef;
  /** The service's identity of the bytes when fetched (ETag, Content-MD5 in base64), used to verify on resume. */
  etag?: string;
  contentMD5?: string;
}

export interface Manifest {
  version: number;
  tool: 'aml-failover';
  /** False while the export runs or after it was cancelled or failed. */
  complete: boolean;
  files: ManifestEntry[];
  /** Names from the service that were refused or renamed, and why. */
  names: PathReport[];
  /** Files that could not be exported, with the reason. */
  failed: { source: FileSource; asset: AssetRef; error: string }[];
  /** Files (relative to OUT) edited locally since the last export, which this run kept instead of replacing. */
  localEdits?: string[];
}

export function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, tool: 'aml-failover', complete: false, files: [], names: [], failed: [], localEdits: [] };
}

export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(outDir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as Manifest;
    return m && m.version === MANIFEST_VERSION && Array.isArray(m.files) ? m : undefined;
  } catch {
    // A damaged manifest only costs re-verification; the export rebuilds it.
    return undefined;
  }
}

export function serializeManifest(m: Manifest): string {
  const sorted: Manifest = {
    ...m,
    files: [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * Writes the manifest when its content changed (a re-run over a complete export rewrites nothing). Concurrent calls
 * are coalesced: at most one write runs, and the last state always gets written.
 */
export class ManifestWriter {
  private last: string | undefined;
  private running: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly outDir: string,
    private readonly snapshot: () => Manifest,
    /** Runs before each write (the engine flushes the folders files were renamed into). */
    private readonly beforeWrite: () => Promise<void> = async () => undefined,
  ) {}

  /** Starts from what is on disk, so an unchanged export is recognised. */
  async init(): Promise<void> {
    try {
      this.last = await fs.readFile(path.join(this.outDir, MANIFEST_FILE), 'utf8');
    } catch {
      this.last = undefined;
    }
  }

  private timer: NodeJS.Timeout | undefined;

  /**
   * Fire-and-forget checkpoint after a file completes: written at most every `intervalMs` (a thousand small files
   * must not mean a thousand manifest rewrites), so a kill loses at most that much of the record.
   */
  checkpoint(intervalMs = 500): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.pending = true;
        return;
      }
      this.running = this.writeLoop().finally(() => (this.running = undefined));
    }, intervalMs);
  }

  /** The final write: waits for any checkpoint, then writes the current state. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
    await this.writeIfChanged();
  }

  private async writeLoop(): Promise<void> {
    do {
      this.pending = false;
      try {
        await this.writeIfChanged();
      } catch {
        // A failed checkpoint is retried by the next one and by flush(), which reports errors.
      }
    } while (this.pending);
  }

  private async writeIfChanged(): Promise<void> {
    await this.beforeWrite();
    const text = serializeManifest(this.snapshot());
    if (text === this.last) return;
    await writeFileAtomic(path.join(this.outDir, MANIFEST_FILE), text);
    this.last = text;
  }
}
