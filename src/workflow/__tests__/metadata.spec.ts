import {
  defaultLabel,
  firstMeaningfulLine,
  isEmptySource,
  isNode,
  isSetup,
  MAX_LABEL_LENGTH,
  nodeLabel,
  readNodeMetadata,
  truncate,
  withoutNode
} from '../metadata';
import { ICellInfo, INodeMetadata } from '../types';

describe('readNodeMetadata', () => {
  it.each([undefined, null, 'node', 3, true, [], [{ label: 'x' }]])(
    'is null for %p, which is not an object (the cell is not tagged)',
    raw => {
      expect(readNodeMetadata(raw)).toBeNull();
    }
  );

  it('reads an empty object as a tagged cell with nothing set', () => {
    expect(readNodeMetadata({})).toEqual({});
  });

  it('keeps every field of well-formed metadata', () => {
    const raw = {
      label: 'train',
      placement: 'cloud',
      after: ['a', 'b'],
      resources: { cpu: 2, memory: '2GiB', gpu: 1 },
      retries: 3,
      timeout_s: 60,
      role: 'node'
    };
    expect(readNodeMetadata(raw)).toEqual(raw);
  });

  it('keeps a null timeout and the setup role', () => {
    expect(readNodeMetadata({ timeout_s: null, role: 'setup' })).toEqual({
      timeout_s: null,
      role: 'setup'
    });
  });

  it('drops fields of the wrong type and keeps the others', () => {
    const meta = readNodeMetadata({
      label: 42,
      placement: ['edge'],
      after: 'a',
      resources: [1],
      retries: '2',
      timeout_s: '10',
      role: 'leader',
      extra: { anything: true }
    });
    expect(meta).toEqual({});
  });

  it('drops non-finite numbers, which JSON cannot hold', () => {
    expect(
      readNodeMetadata({
        retries: NaN,
        timeout_s: Infinity,
        resources: { cpu: -Infinity }
      })
    ).toEqual({});
  });

  it('keeps only non-empty string ids in after, each once, in order', () => {
    const meta = readNodeMetadata({
      after: ['b', 1, null, 'a', '', 'b', { id: 'c' }, 'c']
    });
    expect(meta?.after).toEqual(['b', 'a', 'c']);
  });

  it('keeps the well-typed resources and drops the rest', () => {
    expect(
      readNodeMetadata({ resources: { cpu: '2', memory: '1GiB', gpu: null } })
    ).toEqual({ resources: { memory: '1GiB' } });
    expect(
      readNodeMetadata({ resources: { cpu: 'x', memory: 2, tpu: 1 } })
    ).toEqual({});
  });

  it('keeps well-typed values that are out of range, for validation to report', () => {
    expect(
      readNodeMetadata({
        retries: -1,
        timeout_s: 0,
        resources: { cpu: 0, memory: 'lots', gpu: 0.5 }
      })
    ).toEqual({
      retries: -1,
      timeout_s: 0,
      resources: { cpu: 0, memory: 'lots', gpu: 0.5 }
    });
  });

  it('trims label and placement, and treats blank ones as unset', () => {
    expect(
      readNodeMetadata({ label: '  prep ', placement: ' edge\n' })
    ).toEqual({ label: 'prep', placement: 'edge' });
    expect(readNodeMetadata({ label: '   ', placement: '' })).toEqual({});
  });

  it('copies: the result shares no array or object with the input', () => {
    const raw = { after: ['a'], resources: { cpu: 1 } };
    const meta = readNodeMetadata(raw)!;
    meta.after!.push('b');
    meta.resources!.cpu = 4;
    expect(raw).toEqual({ after: ['a'], resources: { cpu: 1 } });
  });

  it('reads frozen, prototype-less and hand-edited JSON objects without throwing', () => {
    const bare = Object.assign(Object.create(null), { label: 'x' });
    expect(readNodeMetadata(bare)).toEqual({ label: 'x' });
    expect(readNodeMetadata(Object.freeze({ placement: 'edge' }))).toEqual({
      placement: 'edge'
    });
    const edited = JSON.parse('{"__proto__": {"label": "y"}, "after": ["a"]}');
    expect(readNodeMetadata(edited)).toEqual({ after: ['a'] });
  });
});

describe('isNode and isSetup', () => {
  const cases: [
    string,
    Pick<ICellInfo, 'cellType' | 'continuum'>,
    boolean,
    boolean
  ][] = [
    ['an untagged code cell', { cellType: 'code' }, false, false],
    ['a tagged code cell', { cellType: 'code', continuum: {} }, true, false],
    [
      'a code cell with role node',
      { cellType: 'code', continuum: { role: 'node' } },
      true,
      false
    ],
    [
      'a code cell with role setup',
      { cellType: 'code', continuum: { role: 'setup' } },
      false,
      true
    ],
    [
      'a tagged markdown cell',
      { cellType: 'markdown', continuum: {} },
      false,
      false
    ],
    [
      'a raw cell with role setup',
      { cellType: 'raw', continuum: { role: 'setup' } },
      false,
      false
    ]
  ];

  it.each(cases)('%s: node %#', (_, cell, node, setupCell) => {
    expect(isNode(cell)).toBe(node);
    expect(isSetup(cell)).toBe(setupCell);
  });
});

describe('firstMeaningfulLine', () => {
  it('skips blank lines, comments and IPython magics', () => {
    const source = [
      '',
      '   ',
      '# load the data',
      '%matplotlib inline',
      '%%time',
      '!pip install pandas',
      '  df = load()  ',
      'df.head()'
    ].join('\n');
    expect(firstMeaningfulLine(source)).toBe('df = load()');
  });

  it('handles Windows line endings', () => {
    expect(firstMeaningfulLine('# c\r\n\r\nx = 1\r\ny = 2')).toBe('x = 1');
  });

  it('is null when there is no code', () => {
    expect(firstMeaningfulLine('')).toBeNull();
    expect(firstMeaningfulLine('\n# only a comment\n%time\n')).toBeNull();
  });
});

describe('defaultLabel', () => {
  it.each([
    ['def train(model, data):\n    pass', 'train'],
    ['async def fetch():\n    pass', 'fetch'],
    ['class Preprocessor:\n    pass', 'Preprocessor'],
    ['class Model(nn.Module):\n    pass', 'Model'],
    ['@dataclass\nclass Point:\n    x: int', 'Point'],
    ['@app.task(retries=2)\n@cache\ndef evaluate():\n    pass', 'evaluate'],
    ['# helper\n%load_ext autoreload\n\ndef  spaced():\n  pass', 'spaced'],
    ['def étape():\n    pass', 'étape']
  ])('names %p after what it defines', (source, label) => {
    expect(defaultLabel(source)).toBe(label);
  });

  it('uses the first meaningful line when the first statement defines nothing', () => {
    expect(defaultLabel('# prep\ndf = load()\ndef later():\n    pass')).toBe(
      'df = load()'
    );
    expect(defaultLabel('definitely = 1')).toBe('definitely = 1');
    expect(defaultLabel('classes = []')).toBe('classes = []');
  });

  it('cuts a long line to 40 characters, ellipsis included', () => {
    const line = 'result = compute_the_thing(alpha, beta, gamma, delta)';
    const label = defaultLabel(line);
    expect(Array.from(label)).toHaveLength(40);
    expect(label).toBe(line.slice(0, 39) + '…');
  });

  it('is "node" when the cell has no code', () => {
    expect(defaultLabel('')).toBe('node');
    expect(defaultLabel('# nothing\n\n%%bash')).toBe('node');
  });
});

describe('nodeLabel', () => {
  it('is the label set on the cell, trimmed', () => {
    expect(nodeLabel({ source: 'x = 1', continuum: { label: ' prep ' } })).toBe(
      'prep'
    );
  });

  it('falls back on defaultLabel without a label (or a blank one)', () => {
    expect(nodeLabel({ source: 'def fit():\n  pass' })).toBe('fit');
    expect(
      nodeLabel({ source: 'def fit():\n  pass', continuum: { label: ' ' } })
    ).toBe('fit');
  });

  it('cuts labels longer than the spec allows', () => {
    const label = nodeLabel({
      source: '',
      continuum: { label: 'x'.repeat(500) }
    });
    expect(Array.from(label)).toHaveLength(MAX_LABEL_LENGTH);
    expect(label.endsWith('…')).toBe(true);
  });
});

describe('truncate', () => {
  it('leaves short text alone and never splits a surrogate pair', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    // Four code points in eight UTF-16 units: not cut at 4.
    expect(truncate('😀😀😀😀', 4)).toBe('😀😀😀😀');
  });
});

describe('isEmptySource', () => {
  it('is true for whitespace and comments only', () => {
    expect(isEmptySource('')).toBe(true);
    expect(isEmptySource('  \n\t\n# todo\n   # later')).toBe(true);
  });

  it('is false as soon as there is code or a magic', () => {
    expect(isEmptySource('# c\nx = 1')).toBe(false);
    expect(isEmptySource('%pip install numpy')).toBe(false);
    expect(isEmptySource('!ls')).toBe(false);
  });

  it('splits lines on \\n only and trims what String.trim trims', () => {
    // A carriage return inside a comment line does not start code.
    expect(isEmptySource('# c\rx = 1')).toBe(true);
    expect(isEmptySource('\u00a0\u3000# c\r\n\ufeff')).toBe(true);
    expect(isEmptySource('\u00a0x')).toBe(false);
    expect(isEmptySource('\u{1F600}')).toBe(false);
  });
});

describe('withoutNode', () => {
  it('drops the id from after and keeps every other field', () => {
    const meta: INodeMetadata = {
      label: 'train',
      placement: 'cloud',
      after: ['a', 'b', 'c'],
      retries: 1
    };
    expect(withoutNode(meta, 'b')).toEqual({
      label: 'train',
      placement: 'cloud',
      after: ['a', 'c'],
      retries: 1
    });
    expect(meta.after).toEqual(['a', 'b', 'c']);
  });

  it('returns the same object when there is nothing to drop', () => {
    const meta: INodeMetadata = { after: ['a'] };
    expect(withoutNode(meta, 'z')).toBe(meta);
    const bare: INodeMetadata = { label: 'x' };
    expect(withoutNode(bare, 'a')).toBe(bare);
  });
});
