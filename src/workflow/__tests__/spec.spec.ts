import { buildSpec } from '../spec';
import { ICellInfo } from '../types';
import { node, plain, setup } from './cells';
import { specValidator } from './schema';

const cells: ICellInfo[] = [
  { id: 'intro', cellType: 'markdown', source: '# Fine-tune' },
  setup('imports', 'import numpy as np'),
  {
    id: 'prep',
    cellType: 'code',
    source: '%%time\ndef prepare():\n    return np.ones(3)\ndata = prepare()',
    continuum: { placement: 'edge' }
  },
  plain('scratch', 'data.shape'),
  setup('helpers', 'def mse(a, b):\n    return ((a - b) ** 2).mean()'),
  node('train', ['prep', 'scratch', 'gone', 'helpers'], {
    label: 'train model',
    resources: { cpu: 4, memory: '8GiB', gpu: 1 },
    retries: 2,
    timeout_s: 3600
  }),
  node('evaluate', ['train', 'prep', 'train'], { timeout_s: null, retries: 0 })
];

describe('buildSpec', () => {
  const spec = buildSpec({
    name: 'fine-tune',
    path: 'work/train.ipynb',
    cells,
    defaultPlacement: 'cloud'
  });

  it('builds the spec of the contract (DESIGN §3.2)', () => {
    expect(spec).toEqual({
      name: 'fine-tune',
      notebook: { path: 'work/train.ipynb' },
      nodes: [
        {
          id: 'prep',
          label: 'prepare',
          source:
            '%%time\ndef prepare():\n    return np.ones(3)\ndata = prepare()',
          placement: 'edge',
          depends_on: []
        },
        {
          id: 'train',
          label: 'train model',
          source: 'train_value = 1',
          placement: 'cloud',
          depends_on: ['prep'],
          resources: { cpu: 4, memory: '8GiB', gpu: 1 },
          retries: 2,
          timeout_s: 3600
        },
        {
          id: 'evaluate',
          label: 'evaluate_value = 1',
          source: 'evaluate_value = 1',
          placement: 'cloud',
          depends_on: ['train', 'prep'],
          retries: 0
        }
      ],
      setup: [
        'import numpy as np',
        'def mse(a, b):\n    return ((a - b) ** 2).mean()'
      ]
    });
  });

  it('leaves optional fields out unless they are set', () => {
    expect(Object.keys(spec.nodes[0]).sort()).toEqual(
      ['depends_on', 'id', 'label', 'placement', 'source'].sort()
    );
    expect('timeout_s' in spec.nodes[2]).toBe(false);
    const bare = buildSpec({
      name: 'w',
      cells: [node('a')],
      defaultPlacement: 'edge'
    });
    expect(bare).toEqual({
      name: 'w',
      nodes: [
        {
          id: 'a',
          label: 'a_value = 1',
          source: 'a_value = 1',
          placement: 'edge',
          depends_on: []
        }
      ]
    });
  });

  it('shares no object with the cells it was built from', () => {
    const own = buildSpec({ name: 'w', cells, defaultPlacement: 'edge' });
    own.nodes[1].resources!.cpu = 64;
    own.nodes[1].depends_on.push('x');
    expect(cells[5].continuum!.resources!.cpu).toBe(4);
    expect(cells[5].continuum!.after).toEqual([
      'prep',
      'scratch',
      'gone',
      'helpers'
    ]);
  });

  it('gives a blank name a fallback and cuts a long one', () => {
    const named = (name: string) =>
      buildSpec({ name, cells: [node('a')], defaultPlacement: 'edge' }).name;
    expect(named('  ')).toBe('workflow');
    expect(named(' train ')).toBe('train');
    expect(Array.from(named('n'.repeat(300)))).toHaveLength(200);
  });

  it('validates against workflow.schema.json', () => {
    const validate = specValidator();
    const valid = validate(
      buildSpec({
        name: 'fine-tune',
        path: 'work/train.ipynb',
        cells,
        defaultPlacement: 'cloud'
      })
    );
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is checked by a validator that does reject bad specs', () => {
    const validate = specValidator();
    const bad = {
      ...spec,
      nodes: [{ ...spec.nodes[0], depends_on: ['a', 'a'], retries: 11 }]
    };
    expect(validate(bad)).toBe(false);
    expect(validate({ name: 'x', nodes: [] })).toBe(false);
  });
});
