import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { finalize } from 'rxjs';
import { describeError } from './describe';
import { HOME_CLIENT } from './home-client';

type Outcome = { readonly ok: boolean; readonly text: string };

/** Sets an oven's target with the `setTarget` request and shows its reply or its error. */
@Component({
  selector: 'app-target-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>Oven target</h2>
    <form (submit)="$event.preventDefault(); setTarget(oven.value, target.valueAsNumber)">
      <select #oven name="oven" aria-label="oven">
        <option value="oven-1">Kitchen oven</option>
        <option value="oven-2">Bob's oven</option>
      </select>
      <input #target name="target" type="number" value="220" required aria-label="target in °C" /> °C
      <button type="submit" [disabled]="pending()">Set</button>
    </form>
    @if (outcome(); as outcome) {
      <p class="outcome" [class.error]="!outcome.ok">{{ outcome.text }}</p>
    }
  `,
  styles: `
    form { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center; }
    input { width: 5em; }
  `,
})
export class TargetForm {
  private readonly client = inject(HOME_CLIENT);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly pending = signal(false);
  protected readonly outcome = signal<Outcome | undefined>(undefined);

  protected setTarget(id: string, target: number): void {
    this.pending.set(true);
    this.client
      .request('setTarget', { id, target }, { timeout: 5000 })
      .pipe(
        finalize(() => this.pending.set(false)),
        // A reply that arrives after the form is gone is not waited for.
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe({
        next: (reply) => this.outcome.set({ ok: true, text: `${reply.id}: target set to ${reply.target} °C` }),
        error: (error: unknown) => this.outcome.set({ ok: false, text: describeError(error) }),
      });
  }
}
