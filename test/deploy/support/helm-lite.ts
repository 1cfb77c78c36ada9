/**
 * Renders a Helm chart's templates without helm (not installable here): a small interpreter for the subset of Go
 * templates the chart uses, so the tests can check the rendered manifests with kubernetes-models.
 *
 * Supported, with Go/Helm semantics: text and `{{- … -}}` whitespace trimming, comments, `if`/`else`/`end`,
 * `range $key, $value := …` (maps in key order, lists), `define`/`include` (from `templates/_*.tpl`), pipelines,
 * paths on `.`, `$` and `$var`, and the functions `include toYaml nindent indent quote default printf and or not
 * eq`. Anything else throws, naming the template: the chart must stay thin enough for this to render it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYamlText } from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'if'; cond: string; then: Node[]; else: Node[] }
  | { kind: 'range'; key?: string; value?: string; pipe: string; body: Node[] };

interface Scope {
  readonly dot: unknown;
  readonly root: unknown;
  readonly vars: Record<string, unknown>;
}

/** What a chart renders with (Helm's built-in objects). */
export interface RenderOptions {
  /** Merged over values.yaml (objects deeply, everything else replaced). */
  readonly values?: Record<string, unknown>;
  readonly releaseName?: string;
  readonly namespace?: string;
}

/** Renders every `templates/*.yaml` of a chart; returns file name → rendered text. */
export function renderChart(chartDir: string, options: RenderOptions = {}): Map<string, string> {
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const defaults = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const root = {
    Values: deepMerge(defaults, options.values ?? {}),
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Release: { Name: options.releaseName ?? 'cdc', Namespace: options.namespace ?? 'streams', Service: 'Helm' },
  };
  const dir = join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  const defines = new Map<string, Node[]>();
  for (const file of files.filter((f) => f.startsWith('_') && f.endsWith('.tpl'))) {
    parseTemplate(readFileSync(join(dir, file), 'utf8'), file, defines);
  }
  const out = new Map<string, string>();
  for (const file of files.filter((f) => f.endsWith('.yaml'))) {
    const nodes = parseTemplate(readFileSync(join(dir, file), 'utf8'), file);
    out.set(file, new Renderer(defines, file).render(nodes, { dot: root, root, vars: {} }));
  }
  return out;
}

/** Splits into text and actions, applying `{{-`/`-}}` trimming; drops comments. */
function tokenize(source: string, file: string): Array<{ text: string } | { action: string }> {
  const tokens: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = source.slice(i, open === -1 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      tokens.push({ text });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close === -1) throw new Error(`${file}: unclosed {{`);
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = inner.endsWith(' -');
    if (trimNext) inner = inner.slice(0, -1);
    tokens.push({ text });
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) tokens.push({ action: inner });
    i = close + 2;
  }
  return tokens.filter((t) => !('text' in t) || t.text !== '');
}

/** Parses a template; `define` blocks go into `defines` (only helper files may have them). */
function parseTemplate(source: string, file: string, defines?: Map<string, Node[]>): Node[] {
  const tokens = tokenize(source, file);
  let pos = 0;
  const block = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const token = tokens[pos++]!;
      if ('text' in token) {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.action;
      const word = action.split(/\s+/, 1)[0]!;
      if (terminators.includes(word)) return { nodes, end: word };
      if (word === 'if') {
        const then = block(['else', 'end']);
        const otherwise = then.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ kind: 'if', cond: action.slice(2).trim(), then: then.nodes, else: otherwise });
      } else if (word === 'range') {
        const m = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*)?(.+)$/.exec(action);
        if (!m) throw new Error(`${file}: cannot parse "{{ ${action} }}"`);
        const body = block(['end']).nodes;
        nodes.push({ kind: 'range', key: m[2] ? m[1] : undefined, value: m[2] ?? m[1], pipe: m[3]!, body });
      } else if (word === 'define' && defines !== undefined) {
        const name = /^define\s+"([^"]+)"$/.exec(action)?.[1];
        if (name === undefined) throw new Error(`${file}: cannot parse "{{ ${action} }}"`);
        defines.set(name, block(['end']).nodes);
      } else if (['with', 'else', 'end', 'define', 'template', 'block', 'tpl'].includes(word) || /^\$\w+\s*:?=/.test(action)) {
        throw new Error(`${file}: "{{ ${action} }}" is outside what the test renderer supports (keep templates thin)`);
      } else {
        nodes.push({ kind: 'action', pipe: action });
      }
    }
    if (terminators.length > 0) throw new Error(`${file}: missing {{ end }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

class Renderer {
  constructor(
    private readonly defines: Map<string, Node[]>,
    private readonly file: string,
  ) {}

  render(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'action') out += printValue(this.pipeline(node.pipe, scope), this.file, node.pipe);
      else if (node.kind === 'if') out += this.render(truthy(this.pipeline(node.cond, scope)) ? node.then : node.else, scope);
      else {
        const items = this.pipeline(node.pipe, scope);
        const entries: Array<[unknown, unknown]> = Array.isArray(items)
          ? items.map((v, i) => [i, v])
          : isObject(items)
            ? Object.keys(items).sort().map((k) => [k, items[k]])
            : [];
        for (const [k, v] of entries) {
          const vars = { ...scope.vars };
          if (node.key) vars[node.key] = k;
          if (node.value) vars[node.value] = v;
          out += this.render(node.body, { dot: v, root: scope.root, vars });
        }
      }
    }
    return out;
  }

  private pipeline(source: string, scope: Scope): unknown {
    const tokens = source.match(/"(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+/g) ?? [];
    let pos = 0;
    const parsePipe = (): unknown => {
      let value: unknown = NO_INPUT;
      for (;;) {
        value = parseCommand(value);
        if (tokens[pos] !== '|') return value;
        pos++;
      }
    };
    const parseCommand = (input: unknown): unknown => {
      const args: unknown[] = [];
      let fn: string | undefined;
      while (pos < tokens.length && tokens[pos] !== '|' && tokens[pos] !== ')') {
        const token = tokens[pos++]!;
        if (token === '(') {
          args.push(parsePipe());
          if (tokens[pos++] !== ')') throw new Error(`${this.file}: unbalanced ( in "${source}"`);
        } else if (fn === undefined && args.length === 0 && /^[a-zA-Z]\w*$/.test(token) && !['true', 'false', 'nil'].includes(token)) {
          fn = token;
        } else {
          args.push(this.operand(token, scope));
        }
      }
      if (input !== NO_INPUT) args.push(input);
      if (fn === undefined) {
        if (args.length !== 1) throw new Error(`${this.file}: "${source}" is not a single value`);
        return args[0];
      }
      return this.call(fn, args, scope, source);
    };
    const value = parsePipe();
    if (pos !== tokens.length) throw new Error(`${this.file}: cannot parse "${source}"`);
    return value;
  }

  private operand(token: string, scope: Scope): unknown {
    if (token.startsWith('"')) return JSON.parse(token) as string;
    if (/^-?\d+$/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'nil') return undefined;
    const m = /^(\$\w*)?((?:\.\w+)*|\.)$/.exec(token);
    if (!m) throw new Error(`${this.file}: unsupported operand "${token}"`);
    let value: unknown = m[1] === undefined ? scope.dot : m[1] === '$' ? scope.root : scope.vars[m[1]];
    if (m[1] !== undefined && m[1] !== '$' && !(m[1] in scope.vars)) throw new Error(`${this.file}: undefined variable ${m[1]}`);
    for (const key of m[2]!.split('.').filter(Boolean)) value = isObject(value) ? value[key] : undefined;
    return value;
  }

  private call(fn: string, args: unknown[], scope: Scope, source: string): unknown {
    const arity = (n: number) => {
      if (args.length !== n) throw new Error(`${this.file}: ${fn} takes ${n} arguments in "${source}"`);
    };
    switch (fn) {
      case 'include': {
        arity(2);
        const body = this.defines.get(String(args[0]));
        if (!body) throw new Error(`${this.file}: no template "${String(args[0])}" defined`);
        return this.render(body, { dot: args[1], root: scope.root, vars: {} });
      }
      case 'toYaml':
        arity(1);
        return args[0] === undefined || args[0] === null ? 'null' : toYamlText(args[0]).replace(/\n$/, '');
      case 'nindent':
      case 'indent': {
        arity(2);
        const pad = ' '.repeat(Number(args[0]));
        const text = String(args[1])
          .split('\n')
          .map((line) => pad + line)
          .join('\n');
        return fn === 'nindent' ? `\n${text}` : text;
      }
      case 'quote':
        arity(1);
        return JSON.stringify(args[0] === undefined || args[0] === null ? '' : String(args[0]));
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'printf': {
        let i = 1;
        return String(args[0]).replace(/%[sdv]/g, () => String(args[i++]));
      }
      case 'and':
        return args.every(truthy) ? args[args.length - 1] : args.find((a) => !truthy(a));
      case 'or':
        return args.find(truthy) ?? args[args.length - 1];
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'eq':
        arity(2);
        return args[0] === args[1];
      default:
        throw new Error(`${this.file}: function "${fn}" is outside what the test renderer supports (in "${source}")`);
    }
  }
}

const NO_INPUT = Symbol('no pipeline input');

function printValue(value: unknown, file: string, source: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') throw new Error(`${file}: "{{ ${source} }}" prints an object; use toYaml`);
  return String(value);
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}
