/**
 * One process (or data node) in the main area: its state and owner, inputs, outputs, the report log as it grows,
 * the processes it called as a tree, its traceback, and its provenance graph (SVG from the server, with jw.graph's
 * options); clicking a node of the graph opens that node.
 */
import { Widget } from '@lumino/widgets';

import { allowed, steer } from './actions';
import { Action, IChange, IDataDetail, INodeRef, IProcess, IProcessDetail } from './api';
import { badge, clockTime, formatAge, h, ownerText } from './dom';
import { describe, WorkflowsModel } from './model';

const ACTIONS: [Action, string][] = [
  ['pause', 'Pause'],
  ['play', 'Play'],
  ['kill', 'Kill'],
  ['resume', 'Resume']
];

export interface IDetailOptions {
  model: WorkflowsModel;
  pk: number;
  open: (pk: number) => void;
  currentKernel: () => string | null;
}

export class ProcessDetail extends Widget {
  readonly pk: number;
  private readonly model: WorkflowsModel;
  private readonly options: IDetailOptions;
  private readonly head = h('div', { className: 'jw-detail-head' });
  private readonly sections = h('div', { className: 'jw-detail-sections' });
  private readonly graphBox = h('div', { className: 'jw-detail-graph' });
  private readonly graphOptions = {
    ancestors: h('input', { type: 'number', min: 0, value: 1, className: 'jw-graph-ancestors' }),
    descendants: h('input', {
      type: 'number',
      min: 0,
      value: 1,
      className: 'jw-graph-descendants'
    }),
    linkTypes: h('select', { className: 'jw-graph-link-types' }),
    highlight: h('input', {
      type: 'text',
      placeholder: 'Int, Float, …',
      className: 'jw-graph-highlight'
    })
  };
  private detail: IProcessDetail | IDataDetail | null = null;
  private loading: Promise<void> | null = null;
  private graphShown = false;

  constructor(options: IDetailOptions) {
    super();
    this.options = options;
    this.model = options.model;
    this.pk = options.pk;
    this.id = `jupyter-workflows-process-${options.pk}`;
    this.addClass('jw-detail');
    this.title.label = `Process ${options.pk}`;
    this.title.closable = true;
    for (const value of ['all', 'data', 'logic']) {
      this.graphOptions.linkTypes.append(h('option', { value, text: `${value} links` }));
    }
    this.node.append(this.head, this.sections, this.graphSection());
    this.model.processesChanged.connect(this.onChange, this);
    void this.load();
  }

  private onChange(_: WorkflowsModel, change: IChange): void {
    const mine = change.pks?.includes(this.pk);
    const running =
      this.detail?.kind === 'process' &&
      !['finished', 'excepted', 'killed'].includes(this.detail.process.state);
    if (mine || (running && (change.reported || change.created))) {
      void this.load();
    }
  }

  async load(): Promise<void> {
    if (this.loading) {
      return this.loading;
    }
    this.loading = (async () => {
      try {
        this.detail = await this.model.api.detail(this.pk);
        this.render();
        if (this.graphShown) {
          await this.showGraph();
        }
      } catch (error) {
        this.head.replaceChildren(h('div', { className: 'jw-panel-error', text: describe(error) }));
      }
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  private render(): void {
    const detail = this.detail;
    if (!detail) {
      return;
    }
    if (detail.kind === 'data') {
      this.title.label = `${detail.node.type}<${detail.node.pk}>`;
      this.head.replaceChildren(h('h2', { text: `${detail.node.type}<${detail.node.pk}>` }));
      this.sections.replaceChildren(
        section('Value', h('pre', { className: 'jw-detail-value', text: detail.node.value })),
        section(
          'Created by',
          detail.creator
            ? this.processLink(detail.creator)
            : h('span', { text: 'nothing (an input)' })
        )
      );
      return;
    }
    const process = detail.process;
    this.title.label = `${process.process_label}<${process.pk}>`;
    const actions = h('div', { className: 'jw-panel-actions' });
    for (const [action, text] of ACTIONS) {
      if (allowed(process, action)) {
        const button = h('button', {
          className: `jp-Button jp-mod-styled jw-detail-${action}`,
          text
        });
        button.onclick = () => void steer(this.model, action, [process]).then(() => this.load());
        actions.append(button);
      }
    }
    const owner = ownerText(process.owner, this.options.currentKernel());
    const facts = [
      `pk ${process.pk}`,
      owner && `owner: ${owner}`,
      `created ${formatAge(Date.now() / 1000 - process.ctime)} ago`,
      process.exit_status !== null && `exit status ${process.exit_status}`,
      process.exit_message,
      process.status
    ].filter(Boolean) as string[];
    this.head.replaceChildren(
      h('h2', {}, `${process.process_label}<${process.pk}> `, badge(process.badge, process.status)),
      h('div', {
        className: 'jw-detail-facts',
        text: facts.join(' · '),
        title: process.owner.text
      }),
      detail.caller ? h('div', {}, 'called by ', this.processLink(detail.caller)) : '',
      actions
    );
    const reports = detail.reports
      .map(r => `${clockTime(r.time)} [${r.level}] ${r.message}`)
      .join('\n');
    this.sections.replaceChildren(
      section(`Inputs (${detail.inputs.length})`, this.refs(detail.inputs)),
      section(`Outputs (${detail.outputs.length})`, this.refs(detail.outputs)),
      section(
        `Report (${detail.reports.length})`,
        h('pre', { className: 'jw-detail-reports', text: reports || 'No reports yet.' })
      ),
      section(`Called processes (${process.called})`, this.calledTree(process)),
      detail.exception
        ? section(
            'Traceback',
            h('pre', { className: 'jw-detail-traceback', text: detail.exception })
          )
        : ''
    );
  }

  private refs(refs: INodeRef[]): HTMLElement {
    if (!refs.length) {
      return h('span', { className: 'jw-panel-dim', text: 'none' });
    }
    return h(
      'table',
      { className: 'jw-detail-refs' },
      ...refs.map(ref => {
        const link = h('a', { href: '#', text: `${ref.type}<${ref.pk}>` });
        link.onclick = event => {
          event.preventDefault();
          this.options.open(ref.pk);
        };
        return h(
          'tr',
          {},
          h('td', {}, h('code', { text: ref.link_label })),
          h('td', {}, h('code', { text: ref.value })),
          h('td', {}, link)
        );
      })
    );
  }

  private processLink(process: IProcess): HTMLElement {
    const link = h('a', { href: '#', text: `${process.process_label}<${process.pk}>` });
    link.onclick = event => {
      event.preventDefault();
      this.options.open(process.pk);
    };
    return h('span', { className: 'jw-detail-process-link' }, badge(process.badge), ' ', link);
  }

  /** The called processes, one level at a time (a level is read when opened). */
  private calledTree(process: IProcess): HTMLElement {
    const list = h('ul', { className: 'jw-detail-called' });
    if (!process.called) {
      return h('span', { className: 'jw-panel-dim', text: 'none' });
    }
    void this.fillLevel(list, process.pk);
    return list;
  }

  private async fillLevel(list: HTMLElement, pk: number): Promise<void> {
    const { items } = await this.model.api.children(pk);
    list.replaceChildren(
      ...items.map(child => {
        const item = h('li', { 'data-pk': child.pk }, this.processLink(child));
        if (child.called) {
          const sub = h('ul', { className: 'jw-detail-called' });
          const twisty = h('button', {
            className: 'jw-panel-twisty',
            text: '▸',
            title: `${child.called} called`
          });
          twisty.onclick = () => {
            const open = twisty.textContent === '▾';
            twisty.textContent = open ? '▸' : '▾';
            if (open) {
              sub.replaceChildren();
            } else {
              void this.fillLevel(sub, child.pk);
            }
          };
          item.prepend(twisty);
          item.append(sub);
        }
        return item;
      })
    );
  }

  private graphSection(): HTMLElement {
    const show = h('button', {
      className: 'jp-Button jp-mod-styled jw-detail-show-graph',
      text: 'Show provenance graph'
    });
    show.onclick = () => {
      this.graphShown = true;
      void this.showGraph();
    };
    const o = this.graphOptions;
    for (const input of [o.ancestors, o.descendants, o.linkTypes, o.highlight]) {
      input.onchange = () => {
        if (this.graphShown) {
          void this.showGraph();
        }
      };
    }
    return section(
      'Provenance graph',
      h(
        'div',
        { className: 'jw-detail-graph-options' },
        h('label', {}, 'ancestors ', o.ancestors),
        h('label', {}, ' descendants ', o.descendants),
        ' ',
        o.linkTypes,
        h('label', {}, ' highlight ', o.highlight),
        ' ',
        show
      ),
      this.graphBox
    );
  }

  private async showGraph(): Promise<void> {
    const o = this.graphOptions;
    try {
      const svg = await this.model.api.graph(this.pk, {
        ancestors: o.ancestors.value,
        descendants: o.descendants.value,
        link_types: o.linkTypes.value,
        highlight_classes: o.highlight.value.replace(/\s+/g, '')
      });
      const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
      for (const script of Array.from(parsed.querySelectorAll('script'))) {
        script.remove(); // dot never writes one; never run one
      }
      this.graphBox.replaceChildren(document.importNode(parsed, true));
      for (const node of Array.from(this.graphBox.querySelectorAll('g.node'))) {
        const match = /^N(\d+)$/.exec(node.querySelector('title')?.textContent || '');
        if (match) {
          node.classList.add('jw-graph-node');
          node.setAttribute('data-pk', match[1]);
          node.addEventListener('click', () => this.options.open(Number(match[1])));
        }
      }
    } catch (error) {
      this.graphBox.replaceChildren(
        h('div', { className: 'jw-panel-error', text: describe(error) })
      );
    }
  }

  dispose(): void {
    this.model.processesChanged.disconnect(this.onChange, this);
    super.dispose();
  }
}

function section(title: string, ...content: (HTMLElement | null)[]): HTMLElement {
  const details = h(
    'details',
    { className: 'jw-detail-section', open: true },
    h('summary', { text: title })
  );
  for (const part of content) {
    if (part) {
      details.append(part);
    }
  }
  return details;
}
