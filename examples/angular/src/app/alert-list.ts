import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { DatePipe } from '@angular/common';
import { EMPTY, catchError, scan } from 'rxjs';
import { HOME_CLIENT } from './home-client';
import type { Alert } from './home.protocol';

/** The last alerts of the `alert` event, newest first. */
@Component({
  selector: 'app-alert-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe],
  template: `
    <h2>Alerts</h2>
    <ul class="alerts">
      @for (alert of alerts(); track alert.at + alert.device) {
        <li><time>{{ alert.at | date: 'HH:mm:ss' }}</time> {{ alert.message }}</li>
      } @empty {
        <li class="none">none yet</li>
      }
    </ul>
  `,
})
export class AlertList {
  protected readonly alerts = toSignal(
    inject(HOME_CLIENT)
      .event('alert')
      .pipe(
        scan((all, alert) => [alert, ...all].slice(0, 5), [] as Alert[]),
        // The connection ended for good: the indicator says so; the list keeps what it had.
        catchError(() => EMPTY),
      ),
    { initialValue: [] },
  );
}
