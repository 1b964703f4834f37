/**
 * Property-based tests on random graphs and random (often malformed) metadata.
 */

import fc from 'fast-check';

import {
  buildGraph,
  downstream,
  findCyclePath,
  IGraph,
  removeNodeEverywhere,
  topologicalOrder,
  upstream
} from '../graph';
import { readNodeMetadata } from '../metadata';
import { buildSpec } from '../spec';
import { ICellInfo } from '../types';
import { validateWorkflow } from '../validate';
import { graphCells } from './cells';
import { specValidator } from './schema';

type Edge = [number, number];

/** A node count and edges between those nodes, self-loops and cycles included. */
const anyGraph = fc.integer({ min: 1, max: 25 }).chain(count =>
  fc.record({
    count: fc.constant(count),
    edges: fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), {
      maxLength: count * 3
    })
  })
);

/** A graph whose edges all go forward in a random hidden order, so it is acyclic. */
const acyclicGraph = anyGraph.chain(({ count, edges }) =>
  fc
    .shuffledSubarray(
      Array.from({ length: count }, (_, i) => i),
      { minLength: count, maxLength: count }
    )
    .map(rank => ({
      count,
      edges: edges.filter(([from, to]) => rank[from] < rank[to])
    }))
);

function hasEdge(graph: IGraph, from: string, to: string): boolean {
  return graph.parents.get(to)!.includes(from);
}

describe('topologicalOrder', () => {
  it('puts every node of an acyclic graph once, after all its parents', () => {
    fc.assert(
      fc.property(acyclicGraph, ({ count, edges }) => {
        const graph = buildGraph(graphCells(count, edges));
        const result = topologicalOrder(graph);
        expect('order' in result).toBe(true);
        const order = 'order' in result ? result.order : [];
        expect([...order].sort()).toEqual([...graph.nodes].sort());
        const position = new Map(order.map((id, index) => [id, index]));
        for (const [from, to] of edges) {
          expect(position.get(`n${from}`)!).toBeLessThan(
            position.get(`n${to}`)!
          );
        }
      })
    );
  });

  it('gives either a valid order or a real cycle of existing edges', () => {
    fc.assert(
      fc.property(anyGraph, ({ count, edges }) => {
        const graph = buildGraph(graphCells(count, edges));
        const result = topologicalOrder(graph);
        if ('order' in result) {
          const position = new Map(
            result.order.map((id, index) => [id, index])
          );
          expect(position.size).toBe(count);
          for (const [from, to] of edges) {
            expect(position.get(`n${from}`)!).toBeLessThan(
              position.get(`n${to}`)!
            );
          }
        } else {
          const { cycle } = result;
          expect(cycle.length).toBeGreaterThanOrEqual(2);
          expect(cycle[cycle.length - 1]).toBe(cycle[0]);
          // A simple cycle: no node twice but the closing one.
          expect(new Set(cycle).size).toBe(cycle.length - 1);
          for (let i = 0; i + 1 < cycle.length; i++) {
            expect(hasEdge(graph, cycle[i], cycle[i + 1])).toBe(true);
          }
        }
      })
    );
  });
});

describe('findCyclePath', () => {
  it('only ever accepts edges that keep the graph acyclic', () => {
    fc.assert(
      fc.property(anyGraph, ({ count, edges }) => {
        const accepted: Edge[] = [];
        for (const [from, to] of edges) {
          const graph = buildGraph(graphCells(count, accepted));
          if (findCyclePath(graph, `n${from}`, `n${to}`) === null) {
            accepted.push([from, to]);
          }
        }
        expect(
          'order' in topologicalOrder(buildGraph(graphCells(count, accepted)))
        ).toBe(true);
      })
    );
  });

  it('is non-null exactly when the edge closes a cycle, and then gives that cycle', () => {
    fc.assert(
      fc.property(
        acyclicGraph.chain(graph =>
          fc.record({
            graph: fc.constant(graph),
            from: fc.nat(graph.count - 1),
            to: fc.nat(graph.count - 1)
          })
        ),
        ({ graph: { count, edges }, from, to }) => {
          const before = buildGraph(graphCells(count, edges));
          const path = findCyclePath(before, `n${from}`, `n${to}`);
          const after = buildGraph(graphCells(count, [...edges, [from, to]]));
          const closesCycle = 'cycle' in topologicalOrder(after);
          expect(path !== null).toBe(closesCycle);
          // Independently: a cycle closes iff `from` is `to` or is already downstream of it.
          expect(closesCycle).toBe(
            from === to || downstream(before, `n${to}`).includes(`n${from}`)
          );
          if (path) {
            expect(path.slice(0, 2)).toEqual([`n${from}`, `n${to}`]);
            expect(path[path.length - 1]).toBe(`n${from}`);
            for (let i = 1; i + 1 < path.length; i++) {
              expect(hasEdge(before, path[i], path[i + 1])).toBe(true);
            }
          }
        }
      )
    );
  });
});

describe('upstream and downstream', () => {
  it('mirror each other', () => {
    fc.assert(
      fc.property(anyGraph, ({ count, edges }) => {
        const graph = buildGraph(graphCells(count, edges));
        for (const a of graph.nodes) {
          for (const b of downstream(graph, a)) {
            expect(upstream(graph, b)).toContain(a);
          }
          for (const b of upstream(graph, a)) {
            expect(downstream(graph, b)).toContain(a);
          }
        }
      })
    );
  });
});

describe('removeNodeEverywhere', () => {
  it('leaves no after naming the removed node, and changes nothing else', () => {
    fc.assert(
      fc.property(
        anyGraph.chain(graph =>
          fc.record({
            graph: fc.constant(graph),
            removed: fc.nat(graph.count - 1)
          })
        ),
        ({ graph: { count, edges }, removed }) => {
          const cells = graphCells(count, edges);
          const id = `n${removed}`;
          const patches = removeNodeEverywhere(cells, id);
          const remaining = cells
            .filter(cell => cell.id !== id)
            .map(cell => ({
              ...cell,
              continuum: patches.get(cell.id) ?? cell.continuum
            }));
          for (const cell of remaining) {
            expect(cell.continuum!.after).not.toContain(id);
            const original = cells.find(c => c.id === cell.id)!.continuum!
              .after!;
            expect(cell.continuum!.after).toEqual(
              original.filter(dep => dep !== id)
            );
          }
          expect(
            validateWorkflow(remaining).filter(
              issue => issue.code === 'dangling-dependency'
            )
          ).toEqual([]);
        }
      )
    );
  });
});

/** Metadata as people might hand-edit it: mostly the right shape, sometimes not. */
const handEditedMetadata = fc.record(
  {
    label: fc.oneof(fc.string({ maxLength: 250 }), fc.integer()),
    placement: fc.oneof(
      fc.constantFrom(
        'edge',
        'cloud',
        'gpu.pool-1',
        ' edge ',
        'bad name',
        '',
        '9x'
      ),
      fc.boolean()
    ),
    after: fc.oneof(
      fc.array(
        fc.oneof(fc.constantFrom('c0', 'c1', 'c2', 'c3', 'zz'), fc.integer())
      ),
      fc.string()
    ),
    resources: fc.oneof(
      fc.record(
        {
          cpu: fc.oneof(
            fc.constantFrom(0, 0.5, 4),
            fc.double({ min: -2, max: 16 }),
            fc.string()
          ),
          memory: fc.constantFrom('2GiB', '512 MB', '1.5TiB', '10', 'lots', 7),
          gpu: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(0.5)),
          tpu: fc.integer()
        },
        { requiredKeys: [] }
      ),
      fc.constant(null)
    ),
    retries: fc.oneof(
      fc.integer({ min: -2, max: 12 }),
      fc.constant(1.5),
      fc.string()
    ),
    timeout_s: fc.oneof(
      fc.constantFrom(null, 0, 60, 604800, 604801),
      fc.double({ min: -1, max: 700000, noNaN: true }),
      fc.constant('60')
    ),
    role: fc.constantFrom('node', 'setup', 'other')
  },
  { requiredKeys: [] }
);

const handEditedCell: fc.Arbitrary<{
  raw: unknown;
  cellType: ICellInfo['cellType'];
  source: string;
}> = fc.record({
  raw: fc.oneof(
    { weight: 4, arbitrary: handEditedMetadata },
    { weight: 1, arbitrary: fc.anything() }
  ),
  cellType: fc.constantFrom<ICellInfo['cellType']>(
    'code',
    'code',
    'code',
    'markdown'
  ),
  source: fc.oneof(
    fc.constantFrom(
      'x = 1',
      'def f():\n  pass',
      '# only a comment',
      '',
      '%time g()'
    ),
    fc.string({ maxLength: 60 })
  )
});

describe('readNodeMetadata', () => {
  it('never throws, and gives only contract fields of the right types', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), handEditedMetadata), raw => {
        const meta = readNodeMetadata(raw);
        if (meta === null) {
          return;
        }
        const fields = [
          'label',
          'placement',
          'after',
          'resources',
          'retries',
          'timeout_s',
          'role'
        ];
        expect(Object.keys(meta).every(key => fields.includes(key))).toBe(true);
        expect(meta.label === undefined || typeof meta.label === 'string').toBe(
          true
        );
        expect(
          meta.after === undefined ||
            meta.after.every(id => typeof id === 'string')
        ).toBe(true);
        expect(
          meta.retries === undefined || Number.isFinite(meta.retries)
        ).toBe(true);
        expect([undefined, 'node', 'setup']).toContain(meta.role);
      })
    );
  });

  it('is idempotent: normalised metadata reads back unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), handEditedMetadata), raw => {
        const meta = readNodeMetadata(raw);
        expect(readNodeMetadata(meta)).toEqual(meta);
      })
    );
  });
});

describe('validateWorkflow and buildSpec', () => {
  it('a workflow without issues always builds a spec that the schema accepts', () => {
    const validate = specValidator();
    let clean = 0;
    fc.assert(
      fc.property(
        fc.array(handEditedCell, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('edge', 'cloud'),
        (generated, defaultPlacement) => {
          const cells: ICellInfo[] = generated.map(
            ({ raw, cellType, source }, index) => {
              const meta = readNodeMetadata(raw);
              return {
                id: `c${index}`,
                cellType,
                source,
                ...(meta ? { continuum: meta } : {})
              };
            }
          );
          const issues = validateWorkflow(cells, { defaultPlacement });
          const spec = buildSpec({
            name: 'prop',
            path: 'p.ipynb',
            cells,
            defaultPlacement
          });
          if (issues.length === 0) {
            clean++;
            const valid = validate(spec);
            expect(validate.errors ?? []).toEqual([]);
            expect(valid).toBe(true);
          }
        }
      ),
      { numRuns: 500 }
    );
    // The property means something only if clean workflows did come up.
    expect(clean).toBeGreaterThan(10);
  });
});
