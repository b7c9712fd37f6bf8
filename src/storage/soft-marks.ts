/**
 * Which soft writes of a group commit are on disk. Each commit that held soft writes gets the next
 * mark; a disk flush covers every mark given out when it starts, and those marks are on disk once
 * it is done.
 */
export class SoftMarks {
  private made = 0;
  private covered = 0;
  private onDisk = 0;

  /** A commit that held soft writes: its mark, from now on `latest`. */
  committed(): void {
    this.made += 1;
  }

  /** The mark of the last commit that held soft writes. */
  get latest(): number {
    return this.made;
  }

  /** Every mark up to this one is on disk. */
  get safe(): number {
    return this.onDisk;
  }

  /** Some soft write was committed after the last disk flush started: no flush started so far takes it. */
  get uncovered(): boolean {
    return this.made > this.covered;
  }

  /** A flush under way (or the one that starts next) takes marks up to this one. */
  coveredBy(mark: number): boolean {
    return this.covered >= mark;
  }

  flushStarted(): void {
    this.covered = this.made;
  }

  flushDone(): void {
    this.onDisk = this.covered;
  }

  /** A flush on the closing thread took everything; one under way still decides for what it covers. */
  flushedAtClose(flushUnderWay: boolean): void {
    this.covered = this.made;
    if (!flushUnderWay) this.onDisk = this.made;
  }
}
