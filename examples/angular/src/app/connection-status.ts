import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { describeConnection } from './describe';
import { HOME_CLIENT } from './home-client';

/** The connection indicator, driven by `state$`. */
@Component({
  selector: 'app-connection-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="connection" role="status" [attr.data-status]="state().status">{{ label() }}</span>`,
  styles: `
    .connection::before { content: '●'; margin-right: 0.4em; }
    [data-status='open']::before { color: #2e7d32; }
    [data-status='connecting']::before, [data-status='reconnecting']::before { color: #ef6c00; }
    [data-status='closed']::before { color: #c62828; }
  `,
})
export class ConnectionStatus {
  // state$ replays the current state at once (requireSync) and never errors.
  protected readonly state = toSignal(inject(HOME_CLIENT).state$, { requireSync: true });
  protected readonly label = computed(() => describeConnection(this.state()));
}
