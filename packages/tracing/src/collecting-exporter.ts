import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** A finished span as exporters receive it. */
export type FinishedSpan = Parameters<SpanExporter['export']>[0][number];

/**
 * Keeps every span it is given, for tests of packages that do not depend on the SDK (its
 * InMemorySpanExporter): pass it as `exporter` to startTracing, call forceFlush, read `spans`.
 */
export class CollectingSpanExporter implements SpanExporter {
  readonly spans: FinishedSpan[] = [];

  export(spans: FinishedSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }

  async shutdown(): Promise<void> {}
}
