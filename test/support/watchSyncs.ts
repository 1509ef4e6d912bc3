// Watches fs.promises.open, the way the product reaches the disk for flushes: which paths were opened and then
// flushed (FileHandle.sync), in order. Real files are opened and really flushed; nothing is faked.
import { mock } from 'node:test';
import { promises as fs } from 'node:fs';

export function watchSyncs(): { synced: string[]; restore: () => void } {
  const synced: string[] = [];
  const real = fs.open.bind(fs);
  const spy = mock.method(fs, 'open', async (...args: Parameters<typeof fs.open>) => {
    const handle = await real(...args);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      await sync();
      synced.push(String(args[0]));
    };
    return handle;
  });
  return { synced, restore: () => spy.mock.restore() };
}
