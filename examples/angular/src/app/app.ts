import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { map } from 'rxjs';
import type { GapNotice } from 'rxwire';
import { AlertList } from './alert-list';
import { ConnectionStatus } from './connection-status';
import { describeGaps } from './describe';
import { DeviceTile } from './device-tile';
import { HOME_CLIENT } from './home-client';
import { TargetForm } from './target-form';

/** The dashboard: the connection, a tile per device, the target form and the alerts. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AlertList, ConnectionStatus, DeviceTile, TargetForm],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  /** Alice's devices; oven-2 is Bob's, so the server refuses that tile. */
  protected readonly deviceIds = ['oven-1', 'dishwasher-1', 'fridge-1', 'oven-2'];
  private readonly client = inject(HOME_CLIENT);
  /** Readings shown while the connection is down may be stale: the tiles fade. */
  protected readonly online = toSignal(this.client.state$.pipe(map((state) => state.status === 'open')), { requireSync: true });
  /** The gap notices since the user last dismissed them. */
  protected readonly gaps = signal<readonly GapNotice[]>([]);
  protected readonly gapNotice = computed(() => (this.gaps().length > 0 ? describeGaps(this.gaps()) : undefined));

  constructor() {
    // gaps$ is a stream of events rather than a state, so its notices are collected in
    // a signal that the user can clear; the subscription ends with the component.
    this.client.gaps$.pipe(takeUntilDestroyed()).subscribe((gap) => this.gaps.update((gaps) => [...gaps, gap]));
  }
}
