import {
  buildGraph,
  dependenciesOf,
  downstream,
  findCyclePath,
  IGraph,
  removeNodeEverywhere,
  topologicalOrder,
  upstream
} from '../graph';
import { ICellInfo } from '../types';
import { graphCells, node, plain, setup } from './cells';

/** The order, failing the test on a cycle. */
function orderOf(graph: IGraph): string[] {
  const result = topologicalOrder(graph);
  if (!('order' in result)) {
    throw new Error(`unexpected cycle ${result.cycle.join(' → ')}`);
  }
  return result.order;
}

/** Whether `order` has every node once and puts each after its parents. */
function respectsEdges(graph: IGraph, order: string[]): boolean {
  const position = new Map(order.map((id, index) => [id, index]));
  return (
    order.length === graph.nodes.length &&
    position.size === order.length &&
    graph.nodes.every(id =>
      graph.parents
        .get(id)!
        .every(parent => position.get(parent)! < position.get(id)!)
    )
  );
}

describe('buildGraph', () => {
  it('keeps only tagged code cells that are not setup, in notebook order', () => {
    const cells: ICellInfo[] = [
      setup('s', 'import numpy as np'),
      node('b'),
      plain('p'),
      { id: 'm', cellType: 'markdown', source: '# T', continuum: {} },
      node('a')
    ];
    expect(buildGraph(cells).nodes).toEqual(['b', 'a']);
  });

  it('draws edges from after, ignoring ids that are not nodes', () => {
    const cells = [
      setup('s', 'import os'),
      plain('p'),
      node('a'),
      node('b', ['a', 'p', 's', 'gone', 'a']),
      node('c', ['b', 'a'])
    ];
    const graph = buildGraph(cells);
    expect(graph.parents.get('a')).toEqual([]);
    expect(graph.parents.get('b')).toEqual(['a']);
    expect(graph.parents.get('c')).toEqual(['b', 'a']);
    expect(graph.children.get('a')).toEqual(['b', 'c']);
    expect(graph.children.get('b')).toEqual(['c']);
    expect(graph.children.get('c')).toEqual([]);
  });

  it('keeps the first cell of a duplicated id as the node', () => {
    const graph = buildGraph([node('a'), node('x', ['a']), node('x')]);
    expect(graph.nodes).toEqual(['a', 'x']);
    expect(graph.index.get('x')).toBe(1);
    expect(graph.parents.get('x')).toEqual(['a']);
  });

  it('keeps a node that runs after itself, so the cycle is reported', () => {
    const graph = buildGraph([node('a', ['a'])]);
    expect(graph.parents.get('a')).toEqual(['a']);
    expect(topologicalOrder(graph)).toEqual({ cycle: ['a', 'a'] });
  });
});

describe('dependenciesOf', () => {
  it('is the after ids that are nodes, once each, in order', () => {
    const ids = new Set(['a', 'b']);
    expect(
      dependenciesOf({ continuum: { after: ['b', 'x', 'a', 'b'] } }, ids)
    ).toEqual(['b', 'a']);
    expect(dependenciesOf({}, ids)).toEqual([]);
  });

  it('drops repeats from long lists too', () => {
    const ids = new Set(['a', 'b', 'c']);
    const after = [...'abcx'.repeat(10)];
    expect(dependenciesOf({ continuum: { after } }, ids)).toEqual([
      'a',
      'b',
      'c'
    ]);
  });
});

describe('topologicalOrder', () => {
  it('is empty for an empty graph', () => {
    expect(topologicalOrder(buildGraph([]))).toEqual({ order: [] });
  });

  it('keeps notebook order when it already runs every node after its parents', () => {
    const cells = [
      node('a'),
      node('b', ['a']),
      node('c'),
      node('d', ['c', 'a'])
    ];
    expect(topologicalOrder(buildGraph(cells))).toEqual({
      order: ['a', 'b', 'c', 'd']
    });
  });

  it('moves a node after parents that come later in the notebook', () => {
    const cells = [
      node('evaluate', ['train']),
      node('train', ['prep']),
      node('prep')
    ];
    expect(orderOf(buildGraph(cells))).toEqual(['prep', 'train', 'evaluate']);
  });

  it('orders a diamond', () => {
    const cells = [
      node('d', ['b', 'c']),
      node('c', ['a']),
      node('b', ['a']),
      node('a')
    ];
    const graph = buildGraph(cells);
    const order = orderOf(graph);
    expect(respectsEdges(graph, order)).toBe(true);
    expect(order[0]).toBe('a');
    expect(order[3]).toBe('d');
  });

  it('reports a two-node cycle as a closed path', () => {
    const cells = [node('prep', ['train']), node('train', ['prep'])];
    expect(topologicalOrder(buildGraph(cells))).toEqual({
      cycle: ['prep', 'train', 'prep']
    });
  });

  it('gives the cycle along the edges, starting at its first node in the notebook', () => {
    // Edges: a → c (c after a), c → b, b → a; plus a tail x → a.
    const cells = [
      node('x'),
      node('b', ['c']),
      node('a', ['b', 'x']),
      node('c', ['a'])
    ];
    const result = topologicalOrder(buildGraph(cells));
    expect(result).toEqual({ cycle: ['b', 'a', 'c', 'b'] });
  });

  it('finds a cycle downstream of an acyclic part', () => {
    const cells = [
      node('a'),
      node('b', ['a', 'd']),
      node('c', ['b']),
      node('d', ['c'])
    ];
    expect(topologicalOrder(buildGraph(cells))).toEqual({
      cycle: ['b', 'c', 'd', 'b']
    });
  });

  it('orders a 10,000-node random DAG correctly', () => {
    const count = 10000;
    const edges: [number, number][] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    // Ranks give a hidden order; edges only go from lower to higher rank.
    const rank = Array.from({ length: count }, (_, i) => (i * 7919) % count);
    for (let to = 0; to < count; to++) {
      for (let k = 0; k < 3; k++) {
        const from = Math.floor(random() * count);
        if (rank[from] < rank[to]) {
          edges.push([from, to]);
        }
      }
    }
    const graph = buildGraph(graphCells(count, edges));
    expect(edges.length).toBeGreaterThan(10000);
    const order = orderOf(graph);
    expect(order).toHaveLength(count);
    expect(respectsEdges(graph, order)).toBe(true);
  });

  it('orders a 100,000-node chain listed backwards without overflowing the stack', () => {
    const count = 100000;
    const cells: ICellInfo[] = [];
    for (let i = count - 1; i >= 0; i--) {
      cells.push(node(`n${i}`, i > 0 ? [`n${i - 1}`] : []));
    }
    const order = orderOf(buildGraph(cells));
    expect(order).toHaveLength(count);
    expect(order[0]).toBe('n0');
    expect(order[count - 1]).toBe(`n${count - 1}`);
    expect(order.every((id, index) => id === `n${index}`)).toBe(true);
  });

  it('reports the cycle of a 100,000-node ring', () => {
    const count = 100000;
    const cells = graphCells(
      count,
      Array.from({ length: count }, (_, i): [number, number] => [
        i,
        (i + 1) % count
      ])
    );
    const result = topologicalOrder(buildGraph(cells));
    expect('cycle' in result && result.cycle.length).toBe(count + 1);
    expect('cycle' in result && result.cycle.slice(0, 3)).toEqual([
      'n0',
      'n1',
      'n2'
    ]);
  });
});

describe('findCyclePath', () => {
  const graph = buildGraph([
    node('prep'),
    node('train', ['prep']),
    node('evaluate', ['train']),
    node('report', ['evaluate', 'prep']),
    node('other')
  ]);

  it('is null for an edge that closes no cycle', () => {
    expect(findCyclePath(graph, 'prep', 'evaluate')).toBeNull();
    expect(findCyclePath(graph, 'other', 'prep')).toBeNull();
    expect(findCyclePath(graph, 'report', 'other')).toBeNull();
    // An edge that is already there closes nothing either.
    expect(findCyclePath(graph, 'prep', 'train')).toBeNull();
  });

  it('gives the cycle an edge back upstream would close, starting with the new edge', () => {
    expect(findCyclePath(graph, 'train', 'prep')).toEqual([
      'train',
      'prep',
      'train'
    ]);
    expect(findCyclePath(graph, 'evaluate', 'prep')).toEqual([
      'evaluate',
      'prep',
      'train',
      'evaluate'
    ]);
  });

  it('gives the shortest such cycle', () => {
    // report is reachable from prep directly and through train → evaluate.
    expect(findCyclePath(graph, 'report', 'prep')).toEqual([
      'report',
      'prep',
      'report'
    ]);
  });

  it('refuses a node running after itself', () => {
    expect(findCyclePath(graph, 'train', 'train')).toEqual(['train', 'train']);
  });

  it('is null when an end is not a node', () => {
    expect(findCyclePath(graph, 'nope', 'prep')).toBeNull();
    expect(findCyclePath(graph, 'prep', 'nope')).toBeNull();
  });
});

describe('upstream and downstream', () => {
  const graph = buildGraph([
    node('d', ['b', 'c']),
    node('a'),
    node('b', ['a']),
    node('c', ['a']),
    node('e', ['d']),
    node('lone')
  ]);

  it('are transitive, in notebook order, without the node itself', () => {
    expect(upstream(graph, 'e')).toEqual(['d', 'a', 'b', 'c']);
    expect(upstream(graph, 'd')).toEqual(['a', 'b', 'c']);
    expect(downstream(graph, 'a')).toEqual(['d', 'b', 'c', 'e']);
    expect(downstream(graph, 'c')).toEqual(['d', 'e']);
  });

  it('are empty at the ends, for an isolated node and for an unknown id', () => {
    expect(upstream(graph, 'a')).toEqual([]);
    expect(downstream(graph, 'e')).toEqual([]);
    expect(upstream(graph, 'lone')).toEqual([]);
    expect(downstream(graph, 'missing')).toEqual([]);
  });

  it('terminate on a cycle and leave the node itself out', () => {
    const cyclic = buildGraph([
      node('a', ['c']),
      node('b', ['a']),
      node('c', ['b'])
    ]);
    expect(upstream(cyclic, 'a')).toEqual(['b', 'c']);
    expect(downstream(cyclic, 'a')).toEqual(['b', 'c']);
  });
});

describe('removeNodeEverywhere', () => {
  it('gives the new metadata of every cell whose after lists the removed id', () => {
    const cells: ICellInfo[] = [
      node('a'),
      node('b', ['a'], { label: 'train', placement: 'cloud' }),
      node('c', ['b', 'a']),
      node('d', ['c']),
      {
        ...setup('s', 'import os'),
        continuum: { role: 'setup', after: ['a'] }
      },
      plain('p')
    ];
    const patches = removeNodeEverywhere(cells, 'a');
    expect(Array.from(patches.keys())).toEqual(['b', 'c', 's']);
    expect(patches.get('b')).toEqual({
      after: [],
      label: 'train',
      placement: 'cloud'
    });
    expect(patches.get('c')).toEqual({ after: ['b'] });
    expect(patches.get('s')).toEqual({ role: 'setup', after: [] });
    // The cells themselves are left alone.
    expect(cells[2].continuum!.after).toEqual(['b', 'a']);
  });

  it('leaves out the removed cell itself and is empty when nothing lists it', () => {
    expect(removeNodeEverywhere([node('a', ['a']), node('b')], 'a').size).toBe(
      0
    );
    expect(removeNodeEverywhere([node('a'), node('b', ['a'])], 'b').size).toBe(
      0
    );
  });
});
