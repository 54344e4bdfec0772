// Drill progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise (cron, CI, a pipe),
// where a line is printed when the phase changes and at each further tenth of the work.
import type { DrillProgress } from '../../shared/model';
import { progressCount } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';

const BAR_WIDTH = 30;

export function progressReporter(stream: NodeJS.WriteStream): { update(p: DrillProgress): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  let lastPhase = '';
  let lastTenth = -1;
  let drawn = false;
  return {
    update(p) {
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      if (tty) {
        const filled = Math.round(fraction * BAR_WIDTH);
        const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
        const columns = stream.columns ?? 100;
        const line = `${p.phase.padEnd(8)} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}% ${visibleText(p.detail ?? '')}`;
        stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (p.phase === lastPhase && tenth === lastTenth) return;
      lastPhase = p.phase;
      lastTenth = tenth;
      stream.write(`${p.phase}: ${progressCount(p)}${p.detail ? ` ${visibleText(p.detail)}` : ''}\n`);
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
