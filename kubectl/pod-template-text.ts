// A pod template as `rollout history --revision=N` prints it: kubectl's
// describe.DescribePodTemplate written straight into a buffer (polymorphichelpers'
// printTemplate), so unlike `describe` the tabs are not aligned by a tabwriter and stay
// tabs. The layout itself is the describe printer's.
import type { PodTemplateSpec } from '../api/types/core.js';
import { describePodTemplate } from './printers/describe/pod.js';
import { PrefixWriter } from './printers/describe/writer.js';
import { TabWriter } from './printers/tabwriter.js';

/** A PrefixWriter that keeps the text as written, tabs included. */
class RawPrefixWriter extends PrefixWriter {
  text = '';

  constructor() {
    super(new TabWriter(() => undefined));
  }

  override write(level: number, text: string): void {
    this.text += '  '.repeat(level) + text;
  }

  override writeLine(text = ''): void {
    this.text += `${text}\n`;
  }

  override flush(): void {
    // nothing is buffered
  }
}

export function describePodTemplateText(template: PodTemplateSpec | undefined): string {
  const w = new RawPrefixWriter();
  describePodTemplate(template, w);
  return w.text;
}
