import { writeData, writeText, writeTitle } from '../domWrites';

/** The mutations `change` makes to `element`, as a MutationObserver records them. */
function mutations(element: HTMLElement, change: () => void): string[] {
  const observer = new MutationObserver(() => undefined);
  observer.observe(element, {
    attributes: true,
    childList: true,
    characterData: true,
    subtree: true
  });
  change();
  const records = observer.takeRecords();
  observer.disconnect();
  return records.map(record => record.attributeName ?? record.type);
}

describe('DOM writes', () => {
  let element: HTMLElement;

  beforeEach(() => {
    element = document.createElement('span');
    writeText(element, 'running · 3s');
    writeTitle(element, 'Running on edge-0');
    writeData(element, 'continuumStatus', 'running');
  });

  it('write what they are given', () => {
    expect(element.textContent).toBe('running · 3s');
    expect(element.title).toBe('Running on edge-0');
    expect(element.getAttribute('data-continuum-status')).toBe('running');
  });

  it('leave the element untouched when nothing changed', () => {
    expect(
      mutations(element, () => {
        writeText(element, 'running · 3s');
        writeTitle(element, 'Running on edge-0');
        writeData(element, 'continuumStatus', 'running');
      })
    ).toEqual([]);
  });

  it('write each value that changed, and only those', () => {
    expect(
      mutations(element, () => {
        writeText(element, 'running · 4s');
        writeTitle(element, 'Running on edge-0');
        writeData(element, 'continuumStatus', 'succeeded');
      })
    ).toEqual(['childList', 'data-continuum-status']);
  });
});
