/**
 * The engine's own parse of one statement, read from `EXPLAIN AST graph=1`: one node per line with
 * its label (`Function file`, `TableIdentifier telemetry.t`, `Literal 'x'`), edges by node address.
 * The engine prints names raw, so a quoted name holding a line break could forge lines: the
 * reader accepts only a well-formed single tree (every line a node or an edge, one root, every
 * node reached once, each `(children N)` equal to its edges), and forged nodes cannot join it
 * without knowing the real nodes' addresses.
 */
export interface SyntaxNode {
  /** The node's label without its `(children N)` suffix, e.g. `Function numbers (alias n)`. */
  label: string;
  children: SyntaxNode[];
}

const NODE = /^ {4}n(\d+)\[label="(.*)"\];$/;
const EDGE = /^ {4}n(\d+) -> n(\d+);$/;
const CHILDREN = / \(children (\d+)\)$/;

/** The tree of an `EXPLAIN AST graph=1` answer, or undefined when it is not one well-formed tree. */
export function parseAstGraph(text: string): SyntaxNode | undefined {
  const lines = text.replace(/\n+$/, '').split('\n');
  if (lines[0] !== 'digraph {' || lines[1] !== '    rankdir="UD";' || lines.at(-1) !== '}') return undefined;
  const nodes = new Map<string, { node: SyntaxNode; declared: number }>();
  const parents = new Map<string, string>();
  const edges: Array<[string, string]> = [];
  for (const line of lines.slice(2, -1)) {
    const node = NODE.exec(line);
    if (node) {
      const [, id, raw] = node as unknown as [string, string, string];
      if (nodes.has(id)) return undefined;
      const count = CHILDREN.exec(raw);
      nodes.set(id, { node: { label: count ? raw.slice(0, count.index) : raw, children: [] }, declared: count ? Number(count[1]) : 0 });
      continue;
    }
    const edge = EDGE.exec(line);
    if (!edge) return undefined;
    edges.push([edge[1]!, edge[2]!]);
  }
  for (const [from, to] of edges) {
    const parent = nodes.get(from);
    const child = nodes.get(to);
    if (!parent || !child || parents.has(to) || from === to) return undefined;
    parents.set(to, from);
    parent.node.children.push(child.node);
  }
  const roots = [...nodes.keys()].filter((id) => !parents.has(id));
  if (roots.length !== 1) return undefined;
  for (const { node, declared } of nodes.values()) if (node.children.length !== declared) return undefined;
  // One root and one parent each still allows a detached cycle: every node must hang from the root.
  let reached = 0;
  const stack = [nodes.get(roots[0]!)!.node];
  while (stack.length) {
    const node = stack.pop()!;
    if (++reached > nodes.size) return undefined;
    stack.push(...node.children);
  }
  return reached === nodes.size ? nodes.get(roots[0]!)!.node : undefined;
}

/** The first word of a label: the node's type (`Function`, `TableIdentifier`, `SelectQuery`, …). */
export function nodeType(node: SyntaxNode): string {
  const space = node.label.indexOf(' ');
  return space < 0 ? node.label : node.label.slice(0, space);
}

/** The name a `Function`, `TableIdentifier` or `Identifier` node carries, without its alias. */
export function nodeName(node: SyntaxNode): string {
  const rest = node.label.slice(nodeType(node).length + 1);
  const alias = rest.indexOf(' (alias ');
  return alias < 0 ? rest : rest.slice(0, alias);
}
