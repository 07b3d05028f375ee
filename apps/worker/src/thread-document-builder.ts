import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { BuildOutcome, DocumentBuilder, UploadDocument } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import type { ClusterProfile } from '@portolan/netsim';

/** An idle thread is kept this long for the next job, then ended (its heap goes with it). */
const IDLE_MS = 10_000;

/**
 * Parses and builds uploads in worker threads whose old generation is capped at JOB_MEMORY_MB: V8 ends a thread
 * that reaches its limit (ERR_WORKER_OUT_OF_MEMORY) and the job fails alone with MEMORY_LIMIT, where the same
 * content in the worker's own heap would take the process, and every job it runs, down. One job per thread at a
 * time; idle threads are reused.
 */
@Injectable()
export class ThreadDocumentBuilder implements DocumentBuilder, OnModuleDestroy {
  private readonly idle: Array<{ worker: Worker; timer: NodeJS.Timeout }> = [];
  private readonly limitMb: number;
  private readonly maxIdle: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limitMb = config.queue.jobMemoryMb;
    this.maxIdle = config.queue.concurrency;
  }

  /** The thread bundle sits next to the worker's own (webpack's second entry). */
  static entry(): string {
    return path.join(__dirname, 'build-thread.js');
  }

  build(inputs: UploadDocument[], defaults: ClusterProfile): Promise<BuildOutcome> {
    const kept = this.idle.pop();
    if (kept) clearTimeout(kept.timer);
    const worker = kept?.worker ?? new Worker(ThreadDocumentBuilder.entry(), { resourceLimits: { maxOldGenerationSizeMb: this.limitMb } });
    return new Promise<BuildOutcome>((resolve, reject) => {
      const settle = (fn: () => void) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        fn();
      };
      const onMessage = (out: BuildOutcome) => settle(() => (this.release(worker), resolve(out)));
      const onError = (e: Error & { code?: string }) =>
        settle(() => {
          void worker.terminate();
          if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') resolve({ ok: false, failure: 'memory', limitMb: this.limitMb });
          else reject(e);
        });
      const onExit = (code: number) => settle(() => reject(new Error(`the build thread exited with code ${code}`)));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ inputs, defaults });
    });
  }

  private release(worker: Worker): void {
    if (this.idle.length >= this.maxIdle) {
      void worker.terminate();
      return;
    }
    const timer = setTimeout(() => {
      const i = this.idle.findIndex((x) => x.worker === worker);
      if (i >= 0) this.idle.splice(i, 1);
      void worker.terminate();
    }, IDLE_MS).unref();
    worker.unref();
    this.idle.push({ worker, timer });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.idle.splice(0).map(({ worker, timer }) => (clearTimeout(timer), worker.terminate())));
  }
}
