/** Pause, play, kill (after a confirmation) and resume, from the panel, a detail view or the palette. */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

import { Action, IProcess } from './api';
import { describe, WorkflowsModel } from './model';

/** Which actions make sense for a process: pause/play/kill while it runs, resume once orphaned. */
export function allowed(process: IProcess, action: Action): boolean {
  const terminated = ['finished', 'excepted', 'killed'].includes(process.state);
  if (terminated) {
    return false;
  }
  const orphaned = process.owner.ownership === 'orphaned';
  switch (action) {
    case 'pause':
      return !process.paused && !orphaned;
    case 'play':
      return process.paused && !orphaned;
    case 'kill':
      return true;
    case 'resume':
      return orphaned;
  }
}

export async function steer(
  model: WorkflowsModel,
  action: Action,
  processes: IProcess[]
): Promise<void> {
  const targets = processes.filter(process => allowed(process, action));
  if (!targets.length) {
    return;
  }
  if (action === 'kill') {
    const names = targets.map(p => `${p.process_label}<${p.pk}>`).join(', ');
    const answer = await showDialog({
      title: targets.length === 1 ? 'Kill this process?' : `Kill ${targets.length} processes?`,
      body: `${names} and the processes they called will end as killed. This cannot be undone.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Kill' })]
    });
    if (!answer.button.accept) {
      return;
    }
  }
  try {
    const results = await model.api.control(
      action,
      targets.map(p => p.pk)
    );
    for (const result of results.filter(r => !r.ok)) {
      Notification.error(result.message, { autoClose: 10_000 });
    }
  } catch (error) {
    Notification.error(`Could not ${action}: ${describe(error)}`, { autoClose: 10_000 });
  }
  void model.refresh();
}
