/** Small DOM helpers: the panel is plain DOM in Lumino widgets (no React), so a table of 500 rows stays cheap. */
import { IBadge, IOwner, IStatus } from './api';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: { [name: string]: string | number | boolean | undefined } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (name === 'className') {
      element.className = String(value);
    } else if (name === 'text') {
      element.textContent = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
  return element;
}

export function badge(value: IBadge, title = ''): HTMLElement {
  return h('span', {
    className: `jw-panel-badge jw-state-${value.key}`,
    text: value.text,
    title: title || undefined,
    'data-state': value.key
  });
}

/** The badge colours of the widgets (widgets/_style.py), as the server sends them: one source for both. */
export function installBadgeColours(status: IStatus): void {
  const id = 'jw-panel-badge-colours';
  if (document.getElementById(id)) {
    return;
  }
  const rules = Object.entries(status.badges).map(
    ([key, colours]) =>
      `.jw-panel-badge.jw-state-${key}{background:${colours.background};color:${colours.foreground}}`
  );
  document.head.append(h('style', { id, text: rules.join('\n') }));
}

/** 'this kernel', 'another kernel', 'daemon worker', 'orphaned', ... as seen from the current notebook. */
export function ownerText(owner: IOwner, currentKernel: string | null): string {
  switch (owner.ownership) {
    case 'server':
      return 'this Jupyter server';
    case 'orphaned':
      return 'orphaned';
    case 'done':
      return '';
    default:
      if (owner.kind === 'kernel') {
        return owner.kernel_id !== null && owner.kernel_id === currentKernel
          ? 'this kernel'
          : 'another kernel';
      }
      return owner.kind === 'worker' ? 'daemon worker' : owner.kind || 'elsewhere';
  }
}

/** As jupyter_workflows._format.format_age: coarse, so that rows are not redrawn every second. */
export function formatAge(seconds: number): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  if (minutes < 1) {
    return '< 1 min';
  }
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  }
  return `${Math.floor(hours / 24)} d`;
}

export function clockTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString();
}
