/**
 * DOM writes that leave unchanged values alone. Notebook decorations (chips, badges) are
 * refreshed for thousands of cells at a time; an assignment of the same text still replaces
 * the text node, and every mutation invalidates style in a page as large as JupyterLab's.
 */

export function writeText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) {
    element.textContent = text;
  }
}

export function writeTitle(element: HTMLElement, title: string): void {
  if (element.title !== title) {
    element.title = title;
  }
}

/** Set a `data-*` value (by its camel-case dataset key). */
export function writeData(
  element: HTMLElement,
  key: string,
  value: string
): void {
  if (element.dataset[key] !== value) {
    element.dataset[key] = value;
  }
}
