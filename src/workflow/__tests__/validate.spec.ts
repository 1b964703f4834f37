import { buildGraph, findCyclePath } from '../graph';
import { ICellInfo, IssueCode, IValidationIssue } from '../types';
import {
  cycleIssue,
  formatIssueMessage,
  ISSUE_MESSAGES,
  validateWorkflow
} from '../validate';
import { node, plain, setup } from './cells';

function codes(issues: IValidationIssue[]): IssueCode[] {
  return issues.map(issue => issue.code);
}

describe('validateWorkflow', () => {
  it('finds nothing wrong with a sound workflow', () => {
    const cells: ICellInfo[] = [
      setup('s', 'import pandas as pd'),
      { id: 'md', cellType: 'markdown', source: '# Title' },
      node('prep', [], { placement: 'edge' }),
      node('train', ['prep'], {
        placement: 'cloud',
        resources: { cpu: 4, memory: '16 GiB', gpu: 1 },
        retries: 2,
        timeout_s: 3600
      }),
      node('evaluate', ['train', 'prep'], { timeout_s: null }),
      plain('scratch')
    ];
    expect(
      validateWorkflow(cells, {
        placements: ['edge', 'cloud'],
        defaultPlacement: 'edge'
      })
    ).toEqual([]);
  });

  it('reports a notebook without nodes', () => {
    const issues = validateWorkflow([plain('a'), setup('s', 'import os')]);
    expect(issues).toEqual([
      {
        code: 'no-nodes',
        path: '/cells',
        message: 'No cell is tagged as a workflow node',
        params: {}
      }
    ]);
  });

  it('reports a tagged markdown or raw cell', () => {
    const issues = validateWorkflow([
      node('a'),
      { id: 'md', cellType: 'markdown', source: '# Notes', continuum: {} },
      { id: 'r', cellType: 'raw', source: 'x', continuum: { role: 'setup' } }
    ]);
    expect(issues).toEqual([
      {
        code: 'not-code',
        nodeId: 'md',
        path: '/cells/1/cell_type',
        message: 'Cell "md" is a markdown cell; only code cells can be nodes',
        params: { id: 'md', cellType: 'markdown' }
      },
      expect.objectContaining({
        code: 'not-code',
        nodeId: 'r',
        path: '/cells/2/cell_type'
      })
    ]);
  });

  it('reports each later cell that reuses a node id', () => {
    const issues = validateWorkflow([
      node('a'),
      node('b'),
      node('a'),
      node('a')
    ]);
    expect(issues.map(issue => [issue.code, issue.nodeId, issue.path])).toEqual(
      [
        ['duplicate-id', 'a', '/cells/2/id'],
        ['duplicate-id', 'a', '/cells/3/id']
      ]
    );
    expect(issues[0].message).toBe('Node id "a" is used by more than one cell');
  });

  it('tells a repeated id from a first one among other cells', () => {
    const issues = validateWorkflow([
      plain('p'),
      node('b'),
      setup('s', 'import os'),
      node('c'),
      node('b'),
      node('d'),
      node('c')
    ]);
    expect(issues.map(issue => [issue.code, issue.path])).toEqual([
      ['duplicate-id', '/cells/4/id'],
      ['duplicate-id', '/cells/6/id']
    ]);
  });

  it.each(['', 'has space', 'dot.ted', 'é', 'x'.repeat(65)])(
    'reports the invalid node id %p',
    id => {
      const issues = validateWorkflow([{ ...node('ok'), id }]);
      expect(codes(issues)).toEqual(['invalid-id']);
      expect(issues[0].path).toBe('/cells/0/id');
      expect(issues[0].params.id).toBe(id);
    }
  );

  it('accepts ids of letters, digits, - and _ up to 64 characters', () => {
    const ids = [
      'a',
      'A-b_9',
      'x'.repeat(64),
      '0f1e2d3c-aaaa-bbbb-cccc-123456789abc'
    ];
    expect(validateWorkflow(ids.map(id => node(id)))).toEqual([]);
  });

  it('reports a node with no code, naming it by its label', () => {
    const cells: ICellInfo[] = [
      {
        id: 'a',
        cellType: 'code',
        source: '  \n# todo\n',
        continuum: { label: 'prep' }
      },
      { id: 'b', cellType: 'code', source: '%pip install x', continuum: {} },
      setup('s', '')
    ];
    expect(validateWorkflow(cells)).toEqual([
      {
        code: 'empty-source',
        nodeId: 'a',
        path: '/cells/0/source',
        message: '"prep" has no code',
        params: { node: 'prep' }
      }
    ]);
  });

  it('reports dependencies on cells that are not nodes, naming both', () => {
    const cells = [
      setup('s', 'import os'),
      plain('p'),
      node('a'),
      node('train', ['a', 'gone', 's', 'p'], { label: 'train' })
    ];
    const issues = validateWorkflow(cells);
    expect(issues.map(issue => [issue.path, issue.params.dependency])).toEqual([
      ['/cells/3/metadata/continuum/after/1', 'gone'],
      ['/cells/3/metadata/continuum/after/2', 's'],
      ['/cells/3/metadata/continuum/after/3', 'p']
    ]);
    expect(issues.every(issue => issue.code === 'dangling-dependency')).toBe(
      true
    );
    expect(issues.every(issue => issue.nodeId === 'train')).toBe(true);
    expect(issues[0].message).toBe(
      '"train" runs after "gone", which is not a workflow node'
    );
  });

  it('finds a dangling id after a repeated one, and in a repeated node', () => {
    // Repeats drop edges, so the node has fewer edges than `after` ids: it is checked.
    const issues = validateWorkflow([
      node('a'),
      node('b', ['a', 'a', 'gone']),
      node('b', ['gone'])
    ]);
    expect(issues.map(issue => [issue.code, issue.path])).toEqual([
      ['dangling-dependency', '/cells/1/metadata/continuum/after/2'],
      ['duplicate-id', '/cells/2/id'],
      ['dangling-dependency', '/cells/2/metadata/continuum/after/0']
    ]);
  });

  it('checks placements against those available, when given', () => {
    const cells = [
      node('a', [], { placement: 'edge' }),
      node('b', [], { placement: 'gpu-pool' }),
      node('c')
    ];
    expect(validateWorkflow(cells)).toEqual([]);
    const issues = validateWorkflow(cells, { placements: ['edge', 'cloud'] });
    expect(issues).toEqual([
      {
        code: 'unknown-placement',
        nodeId: 'b',
        path: '/cells/1/metadata/continuum/placement',
        message:
          '"b_value = 1": unknown placement "gpu-pool" (available: edge, cloud)',
        params: {
          node: 'b_value = 1',
          placement: 'gpu-pool',
          available: 'edge, cloud'
        }
      }
    ]);
  });

  it('checks the default placement for nodes that set none', () => {
    const cells = [node('a', [], { placement: 'edge' }), node('b')];
    const issues = validateWorkflow(cells, {
      placements: ['edge'],
      defaultPlacement: 'cloud'
    });
    expect(issues.map(issue => [issue.code, issue.nodeId])).toEqual([
      ['unknown-placement', 'b']
    ]);
    expect(validateWorkflow([], { placements: [] })).toHaveLength(1);
    expect(
      validateWorkflow([node('a', [], { placement: 'x' })], {
        placements: []
      })[0].params.available
    ).toBe('none');
  });

  it.each(['my target', '1cloud', '-edge', 'x'.repeat(65)])(
    'reports the invalid placement name %p even without a list',
    placement => {
      const issues = validateWorkflow([node('a', [], { placement })], {
        placements: ['edge']
      });
      expect(codes(issues)).toEqual(['invalid-placement']);
      expect(issues[0].path).toBe('/cells/0/metadata/continuum/placement');
    }
  );

  it('reports each invalid resource', () => {
    const cells: ICellInfo[] = [
      node('a', [], { resources: { cpu: 0, memory: 'lots', gpu: 0.5 } }),
      node('b', [], { resources: { cpu: -1, gpu: -1 } }),
      node('c', [], { resources: { cpu: 0.5, memory: '512MB', gpu: 0 } }),
      node('d', [], { resources: { memory: '1.5 GiB' } }),
      node('e', [], { resources: { tpu: 1 } as any })
    ];
    const issues = validateWorkflow(cells);
    expect(issues.map(issue => [issue.nodeId, issue.path])).toEqual([
      ['a', '/cells/0/metadata/continuum/resources/cpu'],
      ['a', '/cells/0/metadata/continuum/resources/memory'],
      ['a', '/cells/0/metadata/continuum/resources/gpu'],
      ['b', '/cells/1/metadata/continuum/resources/cpu'],
      ['b', '/cells/1/metadata/continuum/resources/gpu'],
      ['e', '/cells/4/metadata/continuum/resources/tpu']
    ]);
    expect(issues.every(issue => issue.code === 'invalid-resources')).toBe(
      true
    );
    expect(issues[1].message).toBe('"a_value = 1": invalid memory "lots"');
  });

  it('reports retries and timeouts out of range', () => {
    const cells: ICellInfo[] = [
      node('a', [], { retries: -1 }),
      node('b', [], { retries: 1.5 }),
      node('c', [], { retries: 11 }),
      node('d', [], { retries: 10, timeout_s: 604800 }),
      node('e', [], { timeout_s: 0 }),
      node('f', [], { timeout_s: 604801 }),
      node('g', [], { timeout_s: 0.5 })
    ];
    const issues = validateWorkflow(cells);
    expect(
      issues.map(issue => [issue.code, issue.nodeId, issue.params.value])
    ).toEqual([
      ['invalid-retries', 'a', '-1'],
      ['invalid-retries', 'b', '1.5'],
      ['invalid-retries', 'c', '11'],
      ['invalid-timeout', 'e', '0'],
      ['invalid-timeout', 'f', '604801']
    ]);
    expect(issues[3].path).toBe('/cells/4/metadata/continuum/timeout_s');
  });

  it('names a cycle by its labels, with arrows', () => {
    const cells = [
      node('p', ['t'], { label: 'prep' }),
      node('t', ['p'], { label: 'train' }),
      node('e', ['t'], { label: 'evaluate' })
    ];
    expect(validateWorkflow(cells)).toEqual([
      {
        code: 'cycle',
        nodeId: 'p',
        path: '/cells/0/metadata/continuum/after',
        message: 'Cycle: prep → train → prep',
        params: { path: 'prep → train → prep' }
      }
    ]);
  });

  it('uses the default label in a cycle when a node has none', () => {
    const cells: ICellInfo[] = [
      {
        id: 'a',
        cellType: 'code',
        source: 'def load():\n  pass',
        continuum: { after: ['a'] }
      }
    ];
    expect(validateWorkflow(cells)[0].message).toBe('Cycle: load → load');
  });

  it('reports every kind of issue together, in notebook order, a cycle last', () => {
    const cells: ICellInfo[] = [
      node('a', ['b']),
      { id: 'm', cellType: 'markdown', source: '', continuum: {} },
      node('b', ['a', 'zzz'], { retries: 99 })
    ];
    expect(codes(validateWorkflow(cells))).toEqual([
      'not-code',
      'dangling-dependency',
      'invalid-retries',
      'cycle'
    ]);
  });
});

describe('cycleIssue', () => {
  it('describes the cycle a refused edge would close', () => {
    const cells = [
      node('p', [], { label: 'prep' }),
      node('t', ['p'], { label: 'train' }),
      node('e', ['t'], { label: 'evaluate' })
    ];
    const cycle = findCyclePath(buildGraph(cells), 'e', 'p')!;
    const issue = cycleIssue(cycle, cells);
    expect(issue.message).toBe('Cycle: evaluate → prep → train → evaluate');
    expect(issue.nodeId).toBe('e');
    expect(issue.path).toBe('/cells/2/metadata/continuum/after');
  });

  it('falls back on ids for nodes it does not know', () => {
    expect(cycleIssue(['x', 'y', 'x'], []).message).toBe('Cycle: x → y → x');
    expect(cycleIssue(['x', 'y', 'x'], []).path).toBe('/cells');
  });
});

describe('formatIssueMessage', () => {
  it('fills the placeholders of the code’s message', () => {
    expect(formatIssueMessage('empty-source', { node: 'prep' })).toBe(
      '"prep" has no code'
    );
  });

  it('leaves a placeholder without a value visible rather than dropping it', () => {
    expect(formatIssueMessage('empty-source', {})).toBe('"{node}" has no code');
  });

  it('has a short message for every code', () => {
    for (const message of Object.values(ISSUE_MESSAGES)) {
      expect(message.length).toBeGreaterThan(0);
      expect(message.length).toBeLessThanOrEqual(80);
    }
  });
});
