/**
 * The jupyter-workflows labextension: the Workflows side panel, process detail views, a status-bar item with the
 * number of running processes, and palette commands. Works in JupyterLab 4 and Notebook 7.
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { steer } from './actions';
import { ProcessDetail } from './detail';
import { h } from './dom';
import { WorkflowsModel } from './model';
import { WorkflowsPanel } from './panel';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161"><circle cx="5" cy="6" r="3"/><circle cx="19" cy="6" r="3"/><circle cx="12" cy="19" r="3"/>
<path d="M6.5 8.2l4.3 8.3 1.4-.7-4.3-8.3zM17.5 8.2l-4.3 8.3-1.4-.7 4.3-8.3zM8 5h8v2H8z"/></g></svg>`;

export const workflowsIcon = new LabIcon({ name: 'jupyter-workflows:icon', svgstr: ICON_SVG });

export const CommandIDs = {
  openPanel: 'workflows:open-panel',
  openProcess: 'workflows:open-process',
  killSelected: 'workflows:kill-selected',
  openCellProcess: 'workflows:open-cell-process'
};

const CATEGORY = 'Workflows';
const PROCESS_IN_TEXT = /[A-Za-z_][\w.]*<(\d+)>/;

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-workflows:plugin',
  description: 'The Workflows panel: every process in the store, live, steered from here.',
  autoStart: true,
  optional: [ICommandPalette, IStatusBar, INotebookTracker, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    notebooks: INotebookTracker | null,
    labShell: ILabShell | null
  ) => {
    const model = new WorkflowsModel();
    const currentKernel = (): string | null =>
      notebooks?.currentWidget?.sessionContext.session?.kernel?.id ?? null;
    const details = new Map<number, ProcessDetail>();

    const open = (pk: number): void => {
      let detail = details.get(pk);
      if (!detail || detail.isDisposed) {
        detail = new ProcessDetail({ model, pk, open, currentKernel });
        detail.title.icon = workflowsIcon;
        details.set(pk, detail);
        detail.disposed.connect(() => details.delete(pk));
        // JupyterLab opens it as a tab; Notebook 7 shows one document in its main area, so beside it.
        app.shell.add(detail, labShell ? 'main' : 'right', { rank: 1000 });
      } else {
        void detail.load();
      }
      model.start();
      app.shell.activateById(detail.id);
    };

    const panel = new WorkflowsPanel({ model, open, currentKernel });
    panel.title.icon = workflowsIcon;
    app.shell.add(panel, 'left', { rank: 650 });

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open the Workflows panel',
      caption: 'Every process in the store, live',
      icon: workflowsIcon,
      execute: () => {
        app.shell.activateById(panel.id);
        model.start();
      }
    });
    app.commands.addCommand(CommandIDs.openProcess, {
      label: args => (args.pk ? `Open process ${args.pk}` : 'Open a process'),
      execute: args => open(Number(args.pk))
    });
    app.commands.addCommand(CommandIDs.killSelected, {
      label: 'Kill the selected processes',
      isEnabled: () => panel.selectedProcesses().length > 0,
      execute: () => steer(model, 'kill', panel.selectedProcesses())
    });
    app.commands.addCommand(CommandIDs.openCellProcess, {
      label: "Open the process of the current cell's output",
      isEnabled: () => Boolean(notebooks?.activeCell),
      execute: () => {
        const cell = notebooks?.activeCell;
        const outputs = cell?.node.querySelector('.jp-OutputArea');
        const match = PROCESS_IN_TEXT.exec(outputs?.textContent || '');
        if (!match) {
          Notification.info(
            'The current cell shows no process (its output names none, as Label<pk>).',
            {
              autoClose: 5000
            }
          );
          return;
        }
        open(Number(match[1]));
      }
    });
    if (palette) {
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.killSelected,
        CommandIDs.openCellProcess
      ]) {
        palette.addItem({ command, category: CATEGORY });
      }
    }

    if (statusBar) {
      const item = new Widget({
        node: h('div', { className: 'jw-status-item', title: 'Running processes' })
      });
      item.node.onclick = () => void app.commands.execute(CommandIDs.openPanel);
      const render = (): void => {
        const running = model.running;
        item.node.textContent = `⚙ ${running} running`;
        item.node.dataset.running = String(running);
      };
      model.changed.connect(render);
      render();
      statusBar.registerStatusItem('jupyter-workflows:running', {
        item,
        align: 'left',
        rank: 5,
        isActive: () => true
      });
      model.start(); // the count is live even while the panel is closed
    }
  }
};

export default plugin;
