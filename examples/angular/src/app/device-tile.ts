import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { catchError, map, of, switchMap } from 'rxjs';
import { describeError } from './describe';
import { HOME_CLIENT } from './home-client';
import type { DeviceState } from './home.protocol';

type Tile = { readonly device?: DeviceState; readonly error?: string };

/**
 * One device, live. The tile holds its own subscription to the `device` channel: the
 * client shares one wire subscription per device however many tiles show it, and
 * unsubscribes when the last tile goes.
 */
@Component({
  selector: 'app-device-tile',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let view = tile();
    <article class="tile" [attr.data-device]="id()" [class.refused]="!!view.error">
      <h2>{{ view.device?.name ?? id() }}</h2>
      @if (view.error) {
        <p class="error">{{ view.error }}</p>
      } @else if (view.device; as device) {
        @switch (device.kind) {
          @case ('oven') {
            <p class="reading"><span class="temperature">{{ device.temperature }}</span> °C</p>
            <p>target {{ device.target }} °C</p>
          }
          @case ('dishwasher') {
            <p class="reading"><span class="minutes">{{ device.minutesLeft }}</span> min</p>
            <p>{{ device.running ? 'running' : 'done' }}</p>
          }
          @case ('fridge') {
            <p class="reading"><span class="temperature">{{ device.temperature }}</span> °C</p>
            <p class="door" [class.open]="device.doorOpen">door {{ device.doorOpen ? 'open' : 'closed' }}</p>
          }
        }
      } @else {
        <p>waiting for the first reading…</p>
      }
    </article>
  `,
})
export class DeviceTile {
  readonly id = input.required<string>();
  private readonly client = inject(HOME_CLIENT);

  // A refusal (not your device) or the end of the connection is shown, not thrown:
  // a signal made by toSignal rethrows its source's error wherever it is read.
  protected readonly tile = toSignal(
    toObservable(this.id).pipe(
      switchMap((id) =>
        this.client.channel('device', { id }).pipe(
          map((device): Tile => ({ device })),
          catchError((error: unknown) => of<Tile>({ error: describeError(error) })),
        ),
      ),
    ),
    { initialValue: {} as Tile },
  );
}
