import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Chunk {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
}

/**
 * Prints the JavaScript a first visit loads (the entry chunk and everything it imports statically; lazy
 * chunks are left out) gzipped, and fails the build above the budget (issue 12: 250 KB).
 */
export function initialJsBudget({ limitKb }: { limitKb: number }): Plugin {
  return {
    name: 'trm-initial-js-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, Chunk>();
      for (const item of Object.values(bundle))
        if (item.type === 'chunk') chunks.set(item.fileName, item as Chunk);
      const initial = new Set<string>();
      const visit = (name: string): void => {
        if (initial.has(name)) return;
        initial.add(name);
        for (const next of chunks.get(name)?.imports ?? []) visit(next);
      };
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);
      let bytes = 0;
      for (const name of initial) bytes += gzipSync(chunks.get(name)?.code ?? '').length;
      const kb = bytes / 1024;
      const line = `console: initial JavaScript ${kb.toFixed(1)} KB gzipped (${initial.size} file(s); budget ${limitKb} KB)`;
      if (kb > limitKb) this.error(`${line}: over budget`);
      process.stdout.write(`${line}\n`);
    },
  };
}
