import { describe, expect, it } from 'vitest';
import { nodeName, nodeType, parseAstGraph } from './syntax-tree.js';

/** `EXPLAIN AST graph=1 SELECT * FROM numbers(2) AS n` as the engine prints it. */
const GRAPH = `digraph {
    rankdir="UD";
    n10[label="SelectWithUnionQuery (children 1)"];
    n11[label="ExpressionList (children 1)"];
    n12[label="SelectQuery (children 2)"];
    n13[label="ExpressionList (children 1)"];
    n14[label="Asterisk"];
    n13 -> n14;
    n15[label="TablesInSelectQuery (children 1)"];
    n16[label="TablesInSelectQueryElement (children 1)"];
    n17[label="TableExpression (children 1)"];
    n18[label="Function numbers (alias n) (children 1)"];
    n19[label="ExpressionList (children 1)"];
    n20[label="Literal UInt64_2"];
    n19 -> n20;
    n18 -> n19;
    n17 -> n18;
    n16 -> n17;
    n15 -> n16;
    n12 -> n13;
    n12 -> n15;
    n11 -> n12;
    n10 -> n11;
}
`;

describe('parseAstGraph', () => {
  it('reads the tree, children in order, labels without their count', () => {
    const root = parseAstGraph(GRAPH)!;
    expect(root.label).toBe('SelectWithUnionQuery');
    const select = root.children[0]!.children[0]!;
    expect(select.children.map(nodeType)).toEqual(['ExpressionList', 'TablesInSelectQuery']);
    const fn = select.children[1]!.children[0]!.children[0]!.children[0]!;
    expect([nodeType(fn), nodeName(fn)]).toEqual(['Function', 'numbers']);
  });

  it('refuses a line that is neither a node nor an edge (a name with a line break)', () => {
    expect(parseAstGraph(GRAPH.replace('n14[label="Asterisk"];', 'n14[label="Identifier a\n    Function file"];'))).toBeUndefined();
  });

  it('refuses a forged node that hangs from nothing: a second root', () => {
    expect(
      parseAstGraph(GRAPH.replace('    n14[label="Asterisk"];', '    n14[label="Identifier a"];\n    n99[label="Function numbers"];')),
    ).toBeUndefined();
  });

  it('refuses a count that does not match the edges, a node with two parents, an unknown node', () => {
    expect(parseAstGraph(GRAPH.replace('SelectQuery (children 2)', 'SelectQuery (children 3)'))).toBeUndefined();
    expect(parseAstGraph(GRAPH.replace('    n10 -> n11;', '    n10 -> n11;\n    n11 -> n20;'))).toBeUndefined();
    expect(parseAstGraph(GRAPH.replace('    n10 -> n11;', '    n10 -> n11;\n    n10 -> n77;'))).toBeUndefined();
  });

  it('refuses a detached cycle and text that is not a graph', () => {
    const cycle = GRAPH.replace(
      '}\n',
      '    n30[label="A (children 1)"];\n    n31[label="B (children 1)"];\n    n30 -> n31;\n    n31 -> n30;\n}\n',
    );
    expect(parseAstGraph(cycle)).toBeUndefined();
    expect(parseAstGraph('SelectWithUnionQuery (children 1)\n ExpressionList')).toBeUndefined();
    expect(parseAstGraph('')).toBeUndefined();
  });

  it('keeps quotes inside a label (literals are printed unescaped)', () => {
    const root = parseAstGraph(GRAPH.replace('Literal UInt64_2', "Literal 'a\"];b'"))!;
    expect(root).toBeDefined();
  });
});
