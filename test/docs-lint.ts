/**
 * Pure checks over the Markdown docs: links and anchors, curl lines that a shell would glob,
 * paths the repository does not have, npm scripts that do not exist. test/unit/readme.test.ts
 * runs them over README.md and docs/, and proves each one can fail.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(md: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fenced = false;
  md.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text });
  });
  return out;
}

/** Every anchor a Markdown file defines (headings, with GitHub's -1, -2 for repeats). */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of proseLines(md)) {
    const m = /^#{1,6}\s+(.*)$/.exec(text);
    if (!m?.[1]) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  readonly line: number;
  readonly target: string;
}

/** Inline links `[text](target)` outside code, minus external URLs and mail links. */
function localLinks(md: string): Link[] {
  const links: Link[] = [];
  for (const { line, text } of proseLines(md)) {
    const noCode = text.replace(/`[^`]*`/g, '');
    for (const m of noCode.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/i.test(target)) continue;
      links.push({ line, target });
    }
  }
  return links;
}

/**
 * Problems with the local links of `file` (a path relative to `root`): a missing file, or an
 * anchor that the target Markdown file does not define.
 */
export function brokenLinks(root: string, file: string, md: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of localLinks(md)) {
    const [path = '', anchor] = target.split('#', 2);
    const abs = path === '' ? join(root, file) : normalize(join(root, dirname(file), path));
    const rel = relative(root, abs);
    if (rel.startsWith('..')) {
      problems.push(`${file}:${line}: ${target} points outside the repository`);
      continue;
    }
    if (!existsSync(abs)) {
      problems.push(`${file}:${line}: ${target}: ${rel} does not exist`);
      continue;
    }
    if (anchor !== undefined && anchor !== '') {
      if (statSync(abs).isDirectory() || !abs.endsWith('.md')) {
        problems.push(`${file}:${line}: ${target}: an anchor into a file that is not Markdown`);
      } else if (!anchors(readFileSync(abs, 'utf8')).has(anchor)) {
        problems.push(`${file}:${line}: ${target}: ${rel} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

/**
 * Whether a shell command has a `?` outside quotes after a `curl` word (zsh's "no matches found",
 * and a glob in bash when a file happens to match). Stops at an unquoted `#` comment.
 */
export function unquotedCurlQuery(command: string): boolean {
  const start = command.search(/(^|[\s"'(])curl\s/);
  if (start < 0) return false;
  let quote: '"' | "'" | null = null;
  // Quote state from the beginning, so an outer "..." around `curl` (ecs execute-command) counts.
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === null && c === '#' && (i === 0 || /\s/.test(command[i - 1] ?? ''))) return false;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '\\') i++;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '?' && i > start) return true;
  }
  return false;
}

/** Every shell command in a Markdown file that mentions curl: fenced lines and inline code spans. */
export function curlCommands(md: string): Link[] {
  const out: Link[] = [];
  let fenced = false;
  md.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) {
      if (/\bcurl\b/.test(text)) out.push({ line: i + 1, target: text.replace(/^\$ /, '') });
      return;
    }
    for (const m of text.matchAll(/`([^`]*\bcurl\b[^`]*)`/g))
      out.push({ line: i + 1, target: m[1] ?? '' });
  });
  return out;
}

/** Backticked strings that name a file or directory of this repository. */
export function mentionedPaths(md: string): Link[] {
  const out: Link[] = [];
  const top =
    /^(?:src|test|docs|deploy|scripts|examples|packages|bench|\.ci)\/[\w./@-]*$|^[A-Z][\w-]*\.md$|^Dockerfile$/;
  md.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/`([^`\s]+)`/g)) {
      const p = m[1] ?? '';
      if (top.test(p) && !p.includes('*') && !p.includes('<')) out.push({ line: i + 1, target: p });
    }
  });
  return out;
}

/** `npm run <script>` (and `npm run <script> --` forms) named in a text. */
export function npmScripts(text: string): string[] {
  return [...new Set([...text.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1] ?? ''))];
}
