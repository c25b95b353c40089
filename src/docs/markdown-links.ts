import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export const githubSlug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** Each line's text outside fenced code blocks (blank inside them), and the line of a fence left open, if any. */
function splitFences(text: string): { prose: string[]; openFenceLine: number | undefined } {
  let fence: { marker: string; line: number } | undefined;
  const prose = text.split('\n').map((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = { marker, line: i + 1 };
      return '';
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence.marker[0] && marker.length >= fence.marker.length && line.trim() === marker)
        fence = undefined;
      return '';
    }
    return line;
  });
  return { prose, openFenceLine: fence?.line };
}

/** The text with fenced code blocks blanked, line for line, so nothing inside them reads as a heading or a link. */
const withoutFences = (text: string): string[] => splitFences(text).prose;

/** Every anchor a document offers: its headings as GitHub names them (a repeat gets -1, -2, …), and `<a id|name="…">`. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(text)) {
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return anchors;
}

/** Every inline link's target (`[text](target)`, images too) outside code, with its line number. */
export function markdownLinks(text: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  withoutFences(text).forEach((line, i) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: i + 1, target: m[1]! });
  });
  return links;
}

/** Folders that hold no documentation of Sift's own: dependencies, builds, local data. */
const SKIPPED = new Set(['node_modules', 'dist', 'data', 'coverage']);

/** The repository's Markdown files, relative to `root`. */
export function markdownFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...markdownFiles(root, path));
    else if (entry.name.endsWith('.md')) files.push(relative(root, path));
  }
  return files.sort();
}

/**
 * Every relative link of the given Markdown files that leads nowhere, one line each naming the file,
 * the line and what is missing: a file, or a heading of a Markdown file; and every code fence left
 * open. Web addresses are not followed.
 */
export function brokenLinks(root: string, files: readonly string[]): string[] {
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string) => {
    let found = anchorsOf.get(path);
    if (!found) anchorsOf.set(path, (found = headingAnchors(readFileSync(path, 'utf8'))));
    return found;
  };
  const broken: string[] = [];
  for (const file of files) {
    const from = resolve(root, file);
    const text = readFileSync(from, 'utf8');
    // An unclosed fence turns the rest of the page into code, and its links out of sight.
    const open = splitFences(text).openFenceLine;
    if (open !== undefined) broken.push(`${file}:${open}: a code fence is never closed`);
    for (const { line, target } of markdownLinks(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [pathPart = '', anchor] = target.split('#', 2);
      const path = pathPart === '' ? from : resolve(pathPart.startsWith('/') ? root : dirname(from), '.' + sep + decodeURI(pathPart));
      const where = `${file}:${line}: ${target}`;
      if (path !== resolve(root) && !path.startsWith(resolve(root) + sep)) broken.push(`${where} leads out of the repository`);
      else if (!existsSync(path)) broken.push(`${where}: no such file`);
      else if (anchor !== undefined && path.endsWith('.md') && !anchors(path).has(anchor))
        broken.push(`${where}: no heading with that anchor`);
    }
  }
  return broken;
}
