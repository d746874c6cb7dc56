/**
 * The Workflows side panel: counts per state, filters and search, a live table (or a tree grouped by top-level
 * process) with selection and Pause / Play / Kill / Resume, and paging that asks the server for one page at a time.
 */
import { Widget } from '@lumino/widgets';

import { allowed, steer } from './actions';
import { Action, IProcess } from './api';
import { badge, formatAge, h, installBadgeColours, ownerText } from './dom';
import { WorkflowsModel } from './model';

const STATES = [
  '',
  'active',
  'created',
  'running',
  'waiting',
  'paused',
  'finished',
  'excepted',
  'killed'
];
const OWNERS: [string, string][] = [
  ['', 'any owner'],
  ['kernel', 'a kernel'],
  ['worker', 'a daemon worker'],
  ['server', 'this Jupyter server'],
  ['script', 'a script'],
  ['orphaned', 'orphaned']
];
const SINCE: [string, string][] = [
  ['', 'any time'],
  ['3600', 'last hour'],
  ['86400', 'last 24 h'],
  ['604800', 'last 7 days']
];
const COUNT_ORDER = ['running', 'waiting', 'created', 'paused', 'finished', 'excepted', 'killed'];
const ACTIONS: [Action, string][] = [
  ['pause', 'Pause'],
  ['play', 'Play'],
  ['kill', 'Kill'],
  ['resume', 'Resume']
];

export interface IPanelOptions {
  model: WorkflowsModel;
  open: (pk: number) => void;
  currentKernel: () => string | null;
}

export class WorkflowsPanel extends Widget {
  private readonly model: WorkflowsModel;
  private readonly options: IPanelOptions;
  private readonly countsLine = h('div', { className: 'jw-panel-counts' });
  private readonly banner = h('div', { className: 'jw-panel-error', role: 'alert' });
  private readonly body = h('tbody');
  private readonly footer = h('div', { className: 'jw-panel-footer' });
  private readonly buttons = new Map<Action, HTMLButtonElement>();
  private readonly expanded = new Map<number, IProcess[]>();
  private searchTimer = 0;

  constructor(options: IPanelOptions) {
    super();
    this.options = options;
    this.model = options.model;
    this.id = 'jupyter-workflows-panel';
    this.addClass('jw-panel');
    this.title.caption = 'Workflows';
    this.node.append(
      h('div', { className: 'jw-panel-title', text: 'Workflows' }),
      this.countsLine,
      this.banner,
      this.filterRow(),
      this.actionRow(),
      h('div', { className: 'jw-panel-table-box' }, this.table()),
      this.footer
    );
    this.model.changed.connect(this.render, this);
    this.model.processesChanged.connect(this.refreshExpanded, this);
    void this.model.api
      .status()
      .then(status => {
        installBadgeColours(status);
        this.model.status = status;
        this.render();
      })
      .catch(() => undefined);
  }

  protected onAfterShow(): void {
    this.model.start();
  }

  private filterRow(): HTMLElement {
    const state = h('select', { className: 'jw-panel-state', title: 'State' });
    for (const value of STATES) {
      state.append(h('option', { value, text: value || 'all states' }));
    }
    state.onchange = () => this.model.setFilters({ state: state.value });
    const owner = h('select', { className: 'jw-panel-owner', title: 'Owner' });
    for (const [value, text] of OWNERS) {
      owner.append(h('option', { value, text }));
    }
    owner.onchange = () => this.model.setFilters({ owner: owner.value });
    const since = h('select', { className: 'jw-panel-since', title: 'Created' });
    for (const [value, text] of SINCE) {
      since.append(h('option', { value, text }));
    }
    since.onchange = () => this.model.setFilters({ since: since.value });
    const search = h('input', {
      className: 'jw-panel-search',
      type: 'search',
      placeholder: 'Search labels',
      'aria-label': 'Search process labels'
    });
    search.oninput = () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(
        () => this.model.setFilters({ text: search.value }),
        250
      );
    };
    const tree = h('input', { type: 'checkbox', className: 'jw-panel-tree-toggle' });
    tree.onchange = () => {
      this.expanded.clear();
      this.model.setFilters({ tree: tree.checked });
    };
    return h(
      'div',
      { className: 'jw-panel-filters' },
      search,
      state,
      owner,
      since,
      h(
        'label',
        { className: 'jw-panel-tree-label', title: 'Group by top-level process' },
        tree,
        ' tree'
      )
    );
  }

  private actionRow(): HTMLElement {
    const row = h('div', { className: 'jw-panel-actions' });
    for (const [action, text] of ACTIONS) {
      const button = h('button', {
        className: `jp-Button jp-mod-styled jw-panel-${action}`,
        text,
        disabled: true,
        'data-action': action
      });
      button.onclick = () => void steer(this.model, action, this.selectedProcesses());
      this.buttons.set(action, button);
      row.append(button);
    }
    return row;
  }

  private table(): HTMLTableElement {
    const headings = ['', 'State', 'Process', 'PK', 'Owner', 'Age', 'Exit'];
    return h(
      'table',
      { className: 'jw-panel-table' },
      h('thead', {}, h('tr', {}, ...headings.map(text => h('th', { text })))),
      this.body
    );
  }

  /** Selected rows, children of expanded tree rows included. */
  selectedProcesses(): IProcess[] {
    const all = [...this.model.page.items, ...[...this.expanded.values()].flat()];
    const unique = new Map(all.filter(p => this.model.selected.has(p.pk)).map(p => [p.pk, p]));
    return [...unique.values()];
  }

  private render(): void {
    this.renderCounts();
    const error = this.model.error;
    this.banner.textContent = error ? `The Workflows panel cannot read the store: ${error}` : '';
    this.banner.style.display = error ? '' : 'none';
    this.body.replaceChildren(...this.rows());
    const selection = this.selectedProcesses();
    for (const [action, button] of this.buttons) {
      button.disabled = !selection.some(p => allowed(p, action));
    }
    this.renderFooter();
  }

  private renderCounts(): void {
    const counts = this.model.counts;
    const parts = COUNT_ORDER.filter(state => counts[state]).map(state => {
      const link = h('a', {
        className: `jw-panel-count jw-panel-count-${state}`,
        text: `${counts[state].toLocaleString()} ${state}`,
        href: '#',
        'data-state': state
      });
      link.onclick = event => {
        event.preventDefault();
        const select = this.node.querySelector<HTMLSelectElement>('.jw-panel-state');
        if (select) {
          select.value = state;
        }
        this.model.setFilters({ state });
      };
      return link;
    });
    this.countsLine.replaceChildren(
      ...(parts.length ? joinWith(parts, ', ') : ['No processes in the store yet.'])
    );
  }

  private rows(depth = 0, items = this.model.page.items): HTMLTableRowElement[] {
    const rows: HTMLTableRowElement[] = [];
    for (const item of items) {
      rows.push(this.row(item, depth));
      const children = this.expanded.get(item.pk);
      if (this.model.filters.tree && children) {
        rows.push(...this.rows(depth + 1, children));
      }
    }
    return rows;
  }

  private row(item: IProcess, depth: number): HTMLTableRowElement {
    const check = h('input', { type: 'checkbox', 'aria-label': `Select ${item.pk}` });
    check.checked = this.model.selected.has(item.pk);
    check.onchange = () => this.model.toggle(item.pk, check.checked);
    const name =
      item.process_label +
      (item.label && item.label !== item.process_label ? ` [${item.label}]` : '');
    const open = h('a', {
      href: '#',
      className: 'jw-panel-open',
      text: name,
      title: item.status || name
    });
    open.onclick = event => {
      event.preventDefault();
      this.options.open(item.pk);
    };
    const label = h('td', { className: 'jw-panel-label' });
    label.style.paddingLeft = `${4 + depth * 14}px`;
    if (this.model.filters.tree && item.called > 0) {
      const isOpen = this.expanded.has(item.pk);
      const twisty = h('button', {
        className: 'jw-panel-twisty',
        text: isOpen ? '▾' : '▸',
        title: `${item.called} called process(es)`,
        'aria-expanded': String(isOpen)
      });
      twisty.onclick = () => void this.expand(item.pk);
      label.append(twisty);
    }
    label.append(open);
    if (this.model.filters.tree && item.called > 0) {
      label.append(h('span', { className: 'jw-panel-dim', text: ` (${item.called})` }));
    }
    const owner = ownerText(item.owner, this.options.currentKernel());
    const exit = item.exit_status === null ? '' : String(item.exit_status);
    return h(
      'tr',
      {
        'data-pk': item.pk,
        className: this.model.selected.has(item.pk) ? 'jw-panel-selected' : ''
      },
      h('td', {}, check),
      h('td', {}, badge(item.badge, item.status)),
      label,
      h('td', { text: item.pk, className: 'jw-panel-pk' }),
      h('td', { text: owner, title: item.owner.text, className: 'jw-panel-owner-cell' }),
      h('td', { text: formatAge(Date.now() / 1000 - item.ctime) }),
      h('td', { text: exit, title: item.exit_message || undefined })
    );
  }

  private async expand(pk: number): Promise<void> {
    if (this.expanded.has(pk)) {
      this.expanded.delete(pk);
    } else {
      this.expanded.set(pk, (await this.model.api.children(pk)).items);
    }
    this.render();
  }

  private async refreshExpanded(): Promise<void> {
    for (const pk of [...this.expanded.keys()]) {
      this.expanded.set(pk, (await this.model.api.children(pk)).items);
    }
    if (this.expanded.size) {
      this.render();
    }
  }

  private renderFooter(): void {
    const page = this.model.page;
    const newer = h('button', {
      className: 'jp-Button jw-panel-newer',
      text: '‹ Newer',
      disabled: page.after === null
    });
    newer.onclick = () => this.model.newer();
    const older = h('button', {
      className: 'jp-Button jw-panel-older',
      text: 'Older ›',
      disabled: page.before === null
    });
    older.onclick = () => this.model.older();
    const total = page.total === null ? '' : `${page.total.toLocaleString()} matching`;
    this.footer.replaceChildren(
      newer,
      h('span', { className: 'jw-panel-total', text: total }),
      older
    );
  }
}

function joinWith(parts: HTMLElement[], separator: string): (HTMLElement | string)[] {
  return parts.flatMap((part, index) => (index ? [separator, part] : [part]));
}
