/** Jupyter notebooks as the linter sees them: code cells with a map from cell text back to the .ipynb text. */

interface JsonNode {
  kind: 'object' | 'array' | 'string' | 'other';
  start: number;
  end: number;
  /** object members */
  members?: Map<string, JsonNode>;
  items?: JsonNode[];
}

export interface NotebookCell {
  index: number;
  /** The cell's source as the kernel sees it. */
  text: string;
  /** startOf[i] / endOf[i]: offsets in the .ipynb text of the characters that make cell character i. */
  startOf: number[];
  endOf: number[];
  /** The `source` value (array or string) in the .ipynb text, for rewriting. */
  sourceStart: number;
  sourceEnd: number;
  sourceIsArray: boolean;
  /** Indentation of the array's items and of its closing bracket. */
  itemIndent: string;
  closeIndent: string;
}

/** Thrown for text that is not JSON; the message says where. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Code cells of a notebook, or throws JsonSyntaxError. */
export function notebookCells(text: string): NotebookCell[] {
  const root = new JsonReader(text).document();
  const cells = root.members?.get('cells');
  if (root.kind !== 'object' || !cells || cells.kind !== 'array') throw new JsonSyntaxError('Not a Jupyter notebook: no "cells" list.', 0);
  const out: NotebookCell[] = [];
  cells.items!.forEach((cell, index) => {
    const type = cell.members?.get('cell_type');
    if (!type || type.kind !== 'string' || decode(text, type).value !== 'code') return;
    const source = cell.members?.get('source');
    if (!source) return;
    const parts = source.kind === 'array' ? source.items!.filter((n) => n.kind === 'string') : source.kind === 'string' ? [source] : [];
    // One decoded text for all parts, appended in place: a cell may hold millions of characters.
    const decoded: Decoded = { chunks: [], startOf: [], endOf: [] };
    for (const part of parts) decodeInto(text, part, decoded);
    const first = source.items?.[0];
    out.push({
      index,
      text: decoded.chunks.join(''),
      startOf: decoded.startOf,
      endOf: decoded.endOf,
      sourceStart: source.start,
      sourceEnd: source.end,
      sourceIsArray: source.kind === 'array',
      itemIndent: first ? indentBefore(text, first.start) : '',
      closeIndent: source.kind === 'array' ? indentBefore(text, source.end - 1) : '',
    });
  });
  return out;
}

/** The cell's new source written the way nbformat writes it (one string per line, same indentation). */
export function serializeSource(cell: NotebookCell, newText: string): string {
  if (!cell.sourceIsArray) return JSON.stringify(newText);
  const lines = newText.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  if (!lines.length) return '[]';
  if (!cell.itemIndent) return `[${lines.map((l) => JSON.stringify(l)).join(', ')}]`;
  return `[\n${lines.map((l) => `${cell.itemIndent}${JSON.stringify(l)}`).join(',\n')}\n${cell.closeIndent}]`;
}

function indentBefore(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lead = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(lead) ? lead : '';
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

interface Decoded {
  chunks: string[];
  startOf: number[];
  endOf: number[];
}

function decode(text: string, node: JsonNode): { value: string; startOf: number[]; endOf: number[] } {
  const d: Decoded = { chunks: [], startOf: [], endOf: [] };
  decodeInto(text, node, d);
  return { value: d.chunks.join(''), startOf: d.startOf, endOf: d.endOf };
}

/** Appends a JSON string's value to `out`, with the offsets each character came from. Loops only (no spreads). */
function decodeInto(text: string, node: JsonNode, out: Decoded): void {
  let i = node.start + 1;
  const last = node.end - 1;
  while (i < last) {
    const backslash = text.indexOf('\\', i);
    const stop = backslash === -1 || backslash > last ? last : backslash;
    if (stop > i) {
      out.chunks.push(text.slice(i, stop));
      for (let j = i; j < stop; j++) {
        out.startOf.push(j);
        out.endOf.push(j + 1);
      }
      i = stop;
      continue;
    }
    const n = text[i + 1]!;
    const width = n === 'u' ? 6 : 2;
    out.chunks.push(n === 'u' ? String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)) : (SIMPLE_ESCAPES[n] ?? n));
    out.startOf.push(i);
    out.endOf.push(i + width);
    i += width;
  }
}

/** A JSON reader that keeps offsets. Iterative for arrays/objects so deep nesting cannot overflow the stack. */
class JsonReader {
  private i = 0;
  constructor(private readonly text: string) {}

  document(): JsonNode {
    const node = this.value();
    this.ws();
    if (this.i < this.text.length) this.fail('Unexpected text after the end of the JSON value');
    return node;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(`${message}.`, Math.min(this.i, this.text.length));
  }

  private ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.i++;
      else break;
    }
  }

  private value(): JsonNode {
    const stack: { node: JsonNode; key?: string }[] = [];
    let root: JsonNode | undefined;
    const attach = (node: JsonNode) => {
      const top = stack[stack.length - 1];
      if (!top) root = node;
      else if (top.node.kind === 'array') top.node.items!.push(node);
      else top.node.members!.set(top.key!, node);
    };
    for (;;) {
      this.ws();
      const top = stack[stack.length - 1];
      if (top && top.node.kind === 'object' && top.key === undefined) {
        if (this.text[this.i] === '}' && top.node.members!.size === 0) {
          this.i++;
          top.node.end = this.i;
          stack.pop();
          if (this.close(stack)) return root!;
          continue;
        }
        if (this.text[this.i] !== '"') this.fail('Expected a property name');
        top.key = decode(this.text, this.string()).value;
        this.ws();
        if (this.text[this.i] !== ':') this.fail('Expected ":"');
        this.i++;
        continue;
      }
      const c = this.text[this.i];
      if (c === '{' || c === '[') {
        const node: JsonNode = c === '{' ? { kind: 'object', start: this.i, end: -1, members: new Map() } : { kind: 'array', start: this.i, end: -1, items: [] };
        attach(node);
        this.i++;
        this.ws();
        if (c === '[' && this.text[this.i] === ']') {
          this.i++;
          node.end = this.i;
          if (this.close(stack)) return root!;
          continue;
        }
        stack.push({ node });
        continue;
      }
      let leaf: JsonNode;
      if (c === '"') leaf = this.string();
      else {
        const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.text.slice(this.i, this.i + 64));
        if (!m) this.fail(c === undefined ? 'Unexpected end of the file' : `Unexpected character ${JSON.stringify(c)}`);
        leaf = { kind: 'other', start: this.i, end: this.i + m[0].length };
        this.i += m[0].length;
      }
      attach(leaf);
      if (this.close(stack)) return root!;
    }
  }

  /** After a complete value: consume "," or closing brackets. True when the document's value is complete. */
  private close(stack: { node: JsonNode; key?: string }[]): boolean {
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return true;
      this.ws();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        if (top.node.kind === 'object') top.key = undefined;
        return false;
      }
      const closer = top.node.kind === 'object' ? '}' : ']';
      if (c !== closer) this.fail(c === undefined ? 'Unexpected end of the file' : `Expected "," or "${closer}"`);
      this.i++;
      top.node.end = this.i;
      stack.pop();
    }
  }

  private string(): JsonNode {
    const start = this.i;
    let j = this.i + 1;
    const t = this.text;
    for (;;) {
      const k = t.indexOf('"', j);
      if (k === -1) this.fail('Unterminated string');
      let backslashes = 0;
      for (let b = k - 1; b > start && t[b] === '\\'; b--) backslashes++;
      if (backslashes % 2 === 0) {
        this.i = k + 1;
        return { kind: 'string', start, end: k + 1 };
      }
      j = k + 1;
    }
  }
}
